/**
 * Every object the core emits as a protobuf message must use the field names and enum names of the project's
 * schemas (proto/, the Mesos .proto files), so front ends can encode it as it is. Checked by walking each object
 * against the reflected type: unknown fields, wrong enum names and wrong value kinds fail.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import '../../../src/proto/bundle.ts';
import { findType, getDefaultRoot, type PbType, pb } from '../../../src/proto/schema.ts';
import { commandTask, Harness } from './harness.ts';

function conform(value: unknown, type: PbType, path: string): void {
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `${path} is not an object`);
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const field = type.fields[key];
    assert.ok(field !== undefined, `${path}.${key} is not a field of ${type.fullName}`);
    field.resolve();
    const values = field.repeated ? (v as unknown[]) : [v];
    if (field.repeated) assert.ok(Array.isArray(v), `${path}.${key} should be an array`);
    if (field.map) continue;
    for (const [i, item] of values.entries()) {
      const at = field.repeated ? `${path}.${key}[${i}]` : `${path}.${key}`;
      const resolved = field.resolvedType;
      if (resolved instanceof pb.Type) conform(item, resolved, at);
      else if (resolved instanceof pb.Enum)
        assert.ok(
          typeof item === 'string' && item in resolved.values,
          `${at}: ${String(item)} is not a ${resolved.fullName}`,
        );
      else if (field.type === 'bytes') assert.ok(item instanceof Uint8Array, `${at} should be bytes`);
      else if (field.type === 'string') assert.equal(typeof item, 'string', at);
      else if (field.type === 'bool') assert.equal(typeof item, 'boolean', at);
      else assert.equal(typeof item, 'number', `${at} (${field.type})`);
    }
  }
}

function type(name: string): PbType {
  const t = findType(getDefaultRoot(), name);
  assert.ok(t !== undefined, name);
  return t;
}

describe('output shapes match the Mesos schemas', () => {
  it('offers, status updates, master info, tasks, framework info, operator views', () => {
    const h = new Harness({
      agents: 2,
      resources: 'cpus(r):1;cpus:2;mem:1024;ports:[31000-31010];zones:{a,b}',
      taskRules: [{ match: 'f', behavior: 'fail' }],
    });
    const multi = h.http('m', {
      roles: ['r'],
      capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }, { type: 'PARTITION_AWARE' }],
      failover_timeout: 60,
    });
    const plain = h.driver('p');
    multi.subscribe();
    plain.subscribe();
    h.advance(0);
    for (const s of [multi, plain]) {
      const offer = s.outstanding()[0]!;
      s.launch(offer, [commandTask(s === multi ? 'f' : 'ok', offer, 0.5, 64)]);
    }
    plain.call({ type: 'RECONCILE', tasks: [{ task_id: { value: 'x' }, slave_id: { value: 'M-S0' } }] });
    h.advance(2000);
    h.sim.removeAgent('M-S1');

    let checked = 0;
    for (const o of h.outputs) {
      if (o.target !== 'framework') continue;
      const e = o.event;
      if (e.type === 'OFFERS') for (const offer of e.offers) conform(offer, type('mesos.Offer'), 'offer');
      if (e.type === 'UPDATE') conform(e.update, type('mesos.internal.StatusUpdate'), 'update');
      if (e.type === 'SUBSCRIBED') conform(e.master_info, type('mesos.MasterInfo'), 'master_info');
      checked++;
    }
    assert.ok(checked > 10);
    const snap = h.sim.snapshot();
    for (const t of [...snap.tasks, ...snap.completed_tasks]) conform(t, type('mesos.Task'), 'task');
    for (const f of snap.frameworks) conform(f.framework_info, type('mesos.FrameworkInfo'), 'framework_info');
    for (const a of snap.agents) {
      for (const r of a.total_resources) conform(r, type('mesos.Resource'), 'resource');
      conform(a.slave_info, type('mesos.SlaveInfo'), 'slave_info');
    }
    for (const o of h.agentOutputs('RUN_TASK')) {
      if (o.target === 'agent' && o.message.type === 'RUN_TASK')
        conform(o.message.task, type('mesos.TaskInfo'), 'task');
    }
    for (const e of h.operator) {
      if (e.type === 'TASK_UPDATED') conform(e.status, type('mesos.TaskStatus'), 'status');
      if (e.type === 'TASK_ADDED') conform(e.task, type('mesos.Task'), 'task');
    }
  });

  it('the checker itself rejects a v1 field name and an unknown enum name', () => {
    assert.throws(() => conform({ agent_id: { value: 'x' } }, type('mesos.Offer'), 'offer'), /not a field/);
    assert.throws(() => conform({ task_id: { value: 't' }, state: 'RUNNING' }, type('mesos.TaskStatus'), 's'), /not a/);
  });
});
