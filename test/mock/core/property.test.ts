import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { addResources, containsResources } from '../../../src/mock/core/index.ts';
import { commandTask, Harness, type Scheduler } from './harness.ts';

type Action =
  | { kind: 'subscribe'; http: boolean; failover: number }
  | { kind: 'launch'; fw: number; tasks: number; cpus: number; group: boolean }
  | { kind: 'decline'; fw: number; refuse: number }
  | { kind: 'kill'; fw: number; task: number }
  | { kind: 'disconnect'; fw: number }
  | { kind: 'resubscribe'; fw: number }
  | { kind: 'suppress' | 'revive' | 'reconcile' | 'teardown' | 'toggleAck'; fw: number }
  | { kind: 'addAgent' }
  | { kind: 'removeAgent'; agent: number; gone: boolean }
  | { kind: 'advance'; ms: number };

const fwIndex = fc.integer({ min: 0, max: 4 });
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('subscribe' as const), http: fc.boolean(), failover: fc.constantFrom(0, 5, 3600) }),
  fc.record({
    kind: fc.constant('launch' as const),
    fw: fwIndex,
    tasks: fc.integer({ min: 1, max: 3 }),
    cpus: fc.constantFrom(0.1, 0.5, 1, 8),
    group: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('decline' as const), fw: fwIndex, refuse: fc.constantFrom(0, 1, 5, 3600) }),
  fc.record({ kind: fc.constant('kill' as const), fw: fwIndex, task: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ kind: fc.constant('disconnect' as const), fw: fwIndex }),
  fc.record({ kind: fc.constant('resubscribe' as const), fw: fwIndex }),
  fc.record({
    kind: fc.constantFrom(
      'suppress' as const,
      'revive' as const,
      'reconcile' as const,
      'teardown' as const,
      'toggleAck' as const,
    ),
    fw: fwIndex,
  }),
  fc.record({ kind: fc.constant('addAgent' as const) }),
  fc.record({ kind: fc.constant('removeAgent' as const), agent: fc.integer({ min: 0, max: 5 }), gone: fc.boolean() }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(0, 10, 500, 1000, 10_000, 120_000) }),
);

function checkAgents(h: Harness): void {
  for (const agent of h.sim.snapshot().agents) {
    const held = addResources(agent.allocated_resources, agent.offered_resources);
    assert.ok(containsResources(agent.total_resources, held), `agent ${agent.id} holds more than it has`);
  }
}

describe('random command sequences (property)', () => {
  it('never throw, never over-allocate, and return every resource once all frameworks are gone', () => {
    fc.assert(
      fc.property(
        fc.array(action, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 1000 }),
        (actions, seed) => {
          const h = new Harness({ seed, agents: 2, resources: 'cpus:4;mem:4096', offerTimeoutMs: 60_000 });
          const schedulers: Scheduler[] = [];
          let taskSeq = 0;
          for (const a of actions) {
            const fw = 'fw' in a ? schedulers[a.fw % Math.max(1, schedulers.length)] : undefined;
            switch (a.kind) {
              case 'subscribe': {
                if (schedulers.length >= 5) break;
                const name = `f${schedulers.length}`;
                const s = a.http
                  ? h.http(name, { failover_timeout: a.failover })
                  : h.driver(name, { failover_timeout: a.failover });
                s.subscribe();
                schedulers.push(s);
                break;
              }
              case 'launch': {
                const offer = fw?.outstanding()[0];
                if (fw === undefined || offer === undefined) break;
                const tasks = Array.from({ length: a.tasks }, () => commandTask(`t${taskSeq++}`, offer, a.cpus, 64));
                fw.used.add(offer.id.value);
                fw.call({
                  type: 'ACCEPT',
                  offer_ids: [offer.id],
                  operations: a.group
                    ? [
                        {
                          type: 'LAUNCH_GROUP',
                          launch_group: {
                            executor: { type: 'DEFAULT', executor_id: { value: `e${taskSeq}` } },
                            task_group: { tasks },
                          },
                        },
                      ]
                    : [{ type: 'LAUNCH', launch: { task_infos: tasks } }],
                });
                break;
              }
              case 'decline': {
                const offer = fw?.outstanding()[0];
                if (fw !== undefined && offer !== undefined) fw.decline(offer, a.refuse);
                break;
              }
              case 'kill':
                fw?.call({ type: 'KILL', task_id: { value: `t${a.task}` } });
                break;
              case 'disconnect':
                if (fw !== undefined) h.sim.execute({ type: 'DISCONNECTED', connection: fw.connection });
                break;
              case 'resubscribe':
                fw?.subscribe();
                break;
              case 'suppress':
                fw?.call({ type: 'SUPPRESS' });
                break;
              case 'revive':
                fw?.call({ type: 'REVIVE' });
                break;
              case 'reconcile':
                fw?.call({ type: 'RECONCILE', tasks: [] });
                break;
              case 'teardown':
                fw?.call({ type: 'TEARDOWN' });
                break;
              case 'toggleAck':
                if (fw !== undefined) fw.autoAck = !fw.autoAck;
                break;
              case 'addAgent':
                h.sim.addAgent({ resources: 'cpus:2;mem:1024' });
                break;
              case 'removeAgent': {
                const agent = h.sim.agentPids()[a.agent];
                if (agent !== undefined) h.sim.removeAgent(agent.id, a.gone ? 'gone' : 'unreachable');
                break;
              }
              case 'advance':
                h.advance(a.ms);
                break;
            }
            checkAgents(h);
          }
          // Everything returns once every framework is gone: connected ones are torn down, disconnected ones run out
          // their failover timeout.
          for (const s of schedulers) s.call({ type: 'TEARDOWN' });
          h.advance(3_601_000);
          const snap = h.sim.snapshot();
          assert.equal(snap.frameworks.length, 0);
          for (const agent of snap.agents) {
            assert.deepEqual(agent.allocated_resources, [], `agent ${agent.id} kept resources`);
            assert.deepEqual(agent.offered_resources, []);
          }
          h.sim.stop();
        },
      ),
      { numRuns: 150 },
    );
  });
});
