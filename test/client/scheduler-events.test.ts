import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SchedulerClient, type SchedulerEvent, type V1Codec } from '../../src/client/index.ts';
import { startTestMaster, type TestMaster } from '../mock/http-api/harness.ts';

/**
 * Reads events until `predicate` matches one (looking first at the events `history` holds that no earlier wait
 * consumed) and returns it. Every event read is kept in `history`, so an offer that arrives early (the test
 * machine stalled past a refuse filter) is still found by a later wait instead of being skipped for good.
 */
async function until(
  events: AsyncGenerator<SchedulerEvent>,
  history: { events: SchedulerEvent[]; consumed: Set<SchedulerEvent> },
  predicate: (event: SchedulerEvent) => boolean,
): Promise<SchedulerEvent> {
  const earlier = history.events.find((event) => !history.consumed.has(event) && predicate(event));
  if (earlier !== undefined) {
    history.consumed.add(earlier);
    return earlier;
  }
  for (;;) {
    const step = await events.next();
    if (step.done === true) throw new Error('stream ended');
    history.events.push(step.value);
    if (predicate(step.value)) {
      history.consumed.add(step.value);
      return step.value;
    }
  }
}

for (const codec of ['json', 'protobuf'] as V1Codec[]) {
  describe(`scheduler events from the core (${codec})`, () => {
    let master: TestMaster;
    before(async () => {
      master = await startTestMaster({
        agents: 2,
        resources: 'cpus:4;mem:4096',
        allocationIntervalMs: 20,
        heartbeatIntervalMs: 60_000,
        defaultTaskBehavior: 'hang',
        taskTimings: { starting_ms: 5, running_ms: 5, finish_ms: 5 },
      });
    });
    after(() => master.close());

    test('MESSAGE from an executor, then RESCIND, UPDATE (TASK_LOST) and FAILURE when its agent goes', async (t) => {
      const client = new SchedulerClient({
        master: master.url,
        codec,
        frameworkInfo: { user: 'u', name: 'events' },
        reconnect: false,
      });
      t.after(() => client.close());
      const events = client.subscribe();
      const history = { events: [] as SchedulerEvent[], consumed: new Set<SchedulerEvent>() };
      const offers = await until(events, history, (e) => e.type === 'OFFERS');
      const offer = offers.offers!.offers![0]!;
      const agentId = offer.agent_id.value;
      await client.call({
        type: 'ACCEPT',
        accept: {
          offer_ids: [offer.id],
          operations: [
            {
              type: 'LAUNCH',
              launch: {
                task_infos: [
                  {
                    name: 't',
                    task_id: { value: 't' },
                    agent_id: offer.agent_id,
                    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }],
                    command: { value: 'sleep 1000' },
                  },
                ],
              },
            },
          ],
          // What the task leaves on the agent is offered again at the next allocation, not after 5 s.
          filters: { refuse_seconds: 0 },
        },
      });
      for (const state of ['TASK_STARTING', 'TASK_RUNNING']) {
        const update = await until(events, history, (e) => e.type === 'UPDATE');
        assert.equal(update.update!.status.state, state);
        await client.call({
          type: 'ACKNOWLEDGE',
          acknowledge: { agent_id: offer.agent_id, task_id: { value: 't' }, uuid: update.update!.status.uuid },
        });
      }
      // Command tasks run under an executor named after the task.
      assert.equal(
        master.simulation.sendExecutorMessage(client.frameworkId!, agentId, 't', new Uint8Array([0, 1, 0xff])),
        true,
      );
      const message = await until(events, history, (e) => e.type === 'MESSAGE');
      assert.deepEqual(message.message, {
        agent_id: { value: agentId },
        executor_id: { value: 't' },
        data: new Uint8Array([0, 1, 0xff]),
      });

      // Hold an offer on the agent, then lose the agent.
      const held = await until(
        events,
        history,
        (e) => e.type === 'OFFERS' && e.offers!.offers!.some((o) => o.agent_id.value === agentId),
      );
      const heldOffer = held.offers!.offers!.find((o) => o.agent_id.value === agentId)!;
      master.simulation.removeAgent(agentId, 'unreachable');
      const seen: SchedulerEvent[] = [];
      while (!seen.some((e) => e.type === 'FAILURE')) {
        const step = await events.next();
        if (step.done === true) throw new Error(`stream ended before FAILURE; seen ${seen.map((e) => e.type)}`);
        if (step.value.type !== 'OFFERS' && step.value.type !== 'HEARTBEAT') seen.push(step.value);
      }
      const rescind = seen.find((e) => e.type === 'RESCIND');
      assert.deepEqual(rescind?.rescind, { offer_id: heldOffer.id });
      const lost = seen.find((e) => e.type === 'UPDATE')!.update!.status;
      assert.equal(lost.state, 'TASK_LOST');
      assert.equal(lost.source, 'SOURCE_MASTER');
      assert.equal(lost.uuid, undefined);
      assert.deepEqual(seen.find((e) => e.type === 'FAILURE')!.failure, { agent_id: { value: agentId } });
      await events.return(undefined);
      await client.close();
    });
  });
}
