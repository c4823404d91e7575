import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MasterSimulation } from '../../../src/mock/core/index.ts';
import { commandTask, Harness } from './harness.ts';

describe('operator events, snapshot and log', () => {
  it('emits AGENT_ADDED, FRAMEWORK_ADDED, TASK_ADDED, TASK_UPDATED ... in order', () => {
    const h = new Harness({ agents: 1 });
    const fw = h.driver('ops');
    fw.subscribe();
    h.advance(0);
    const offer = fw.offers()[0]!;
    fw.launch(offer, [commandTask('t', offer)]);
    h.advance(2000);
    h.sim.addAgent({ resources: 'cpus:8', hostname: 'big' });
    h.sim.removeAgent('M-S1', 'gone');
    // The first AGENT_ADDED happened in the constructor, before the harness listened (it is in the log).
    assert.ok(h.sim.log.entries()[0]!.kind === 'operator');
    assert.deepEqual(
      h.operator.map((e) => (e.type === 'TASK_UPDATED' ? `${e.type}:${e.state}` : e.type)),
      [
        'FRAMEWORK_ADDED',
        'TASK_ADDED',
        'TASK_UPDATED:TASK_STARTING',
        'TASK_UPDATED:TASK_RUNNING',
        'TASK_UPDATED:TASK_FINISHED',
        'AGENT_ADDED',
        'AGENT_REMOVED',
      ],
    );
    const added = h.operator[1]!;
    assert.ok(added.type === 'TASK_ADDED');
    assert.equal(added.task.state, 'TASK_STAGING');
    assert.equal(added.task.framework_id.value, 'M-0000');
    const fwAdded = h.operator[0]!;
    assert.ok(fwAdded.type === 'FRAMEWORK_ADDED');
    assert.equal(fwAdded.framework.framework_info.id?.value, 'M-0000');
    assert.equal(fwAdded.framework.connected, true);
  });

  it('snapshots frameworks (both kinds), agents, offers and tasks', () => {
    const h = new Harness({ agents: 2, resources: 'cpus:2;mem:1024', taskRules: [{ match: /.*/, behavior: 'hang' }] });
    const driver = h.driver('d', { failover_timeout: 10 });
    const v1 = h.http('v');
    driver.subscribe();
    v1.subscribe();
    h.advance(0);
    const offer = driver.offers()[0]!;
    driver.launch(offer, [commandTask('t', offer, 1, 256)]);
    h.advance(100);
    const snap = h.sim.snapshot();
    assert.equal(snap.master_info.id, 'M');
    assert.deepEqual(
      snap.frameworks.map((f) => [f.id, f.connection.kind, f.active, f.connected]),
      [
        ['M-0000', 'pid', true, true],
        ['M-0001', 'http', true, true],
      ],
    );
    assert.equal(snap.agents.length, 2);
    assert.equal(snap.tasks.length, 1);
    assert.equal(snap.tasks[0]!.state, 'TASK_RUNNING');
    assert.equal(snap.offers.length, 1, 'the v1 framework holds the other agent');
    const used = snap.frameworks[0]!.allocated_resources;
    assert.deepEqual(
      used.map((r) => [r.name, r.scalar?.value]),
      [
        ['cpus', 1],
        ['mem', 256],
      ],
    );
    const agent = snap.agents.find((a) => a.id === offer.slave_id.value)!;
    assert.deepEqual(
      agent.allocated_resources.map((r) => [r.name, r.scalar?.value]),
      [
        ['cpus', 1],
        ['mem', 256],
      ],
    );
    assert.equal(agent.pid, 'slave(1)@127.0.0.1:5050');
    assert.deepEqual(h.sim.agentPids(), [
      { id: 'M-S0', pid: 'slave(1)@127.0.0.1:5050' },
      { id: 'M-S1', pid: 'slave(2)@127.0.0.1:5050' },
    ]);
  });

  it('keeps a bounded decoded log of commands, outputs and operator events', () => {
    const h = new Harness({ maxLogEntries: 3 });
    const fw = h.driver();
    fw.subscribe();
    h.advance(0);
    const entries = h.sim.log.entries();
    assert.equal(entries.length, 3);
    assert.equal(h.sim.log.dropped, 2);
    assert.ok(h.sim.log.dropped > 0);
    const seqs = entries.map((e) => e.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );
    const full = new Harness();
    full.driver().subscribe();
    const first = full.sim.log.entries().find((e) => e.kind === 'command')!;
    assert.ok(first.kind === 'command' && first.command.type === 'SUBSCRIBE' && first.result.ok);
  });

  it('stop() cancels periodic work', () => {
    const sim = new MasterSimulation({ masterId: 'M' });
    assert.ok(sim.clock.pending() > 0);
    sim.stop();
    assert.equal(sim.clock.pending(), 0);
  });

  it('rejects a non-positive allocation interval', () => {
    assert.throws(() => new MasterSimulation({ allocationIntervalMs: 0 }), { code: 'MW_INVALID_ARGUMENT' });
  });
});
