import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OperatorClient, SchedulerClient, type SchedulerEvent, type V1Codec } from '../../src/client/index.ts';
import { type V1Apis, v1ApiHook } from '../../src/mock/http-api/index.ts';
import { MockMaster } from '../../src/mock/index.ts';
import { rawRequest } from '../mock/http-api/harness.ts';

describe('MockMaster with the v1 APIs mounted through its http hook', () => {
  let master: MockMaster;
  let apis: V1Apis | undefined;
  before(async () => {
    master = await MockMaster.start({
      agents: 1,
      simulation: { heartbeatIntervalMs: 60_000 },
      http: v1ApiHook({}, (mounted) => {
        apis = mounted;
      }),
    });
  });
  after(() => master.close());

  test('the scheduler and operator APIs answer on the mock port; /master/state shows the HTTP framework', async () => {
    assert.ok(apis !== undefined);
    const client = new SchedulerClient({
      master: master.url,
      frameworkInfo: { user: 'u', name: 'via-hook' },
      reconnect: false,
    });
    const events = client.subscribe();
    assert.equal((await events.next()).value?.type, 'SUBSCRIBED');
    const operator = new OperatorClient({ master: master.url });
    const frameworks = (await operator.getFrameworks()).frameworks as { framework_info: { name: string } }[];
    assert.ok(frameworks.some((f) => f.framework_info.name === 'via-hook'));
    const state = await rawRequest(`${master.url}/master/state`, { method: 'GET' });
    assert.equal(state.status, 200);
    assert.match(state.text, /"name":"via-hook"/);
    await events.return(undefined);
    await client.close();
    await operator.close();
  });

  for (const codec of ['json', 'protobuf'] as V1Codec[]) {
    test(`events the core does not simulate can be injected (${codec})`, async () => {
      const client = new SchedulerClient({
        master: master.url,
        codec,
        frameworkInfo: { user: 'u', name: 'inject' },
        reconnect: false,
      });
      const events = client.subscribe();
      assert.equal((await events.next()).value?.type, 'SUBSCRIBED');
      const frameworkId = client.frameworkId!;
      assert.equal(
        apis!.scheduler.injectEvent(frameworkId, {
          type: 'INVERSE_OFFERS',
          inverse_offers: {
            inverse_offers: [
              {
                id: { value: 'io-1' },
                framework_id: { value: frameworkId },
                slave_id: { value: 'agent-1' },
                unavailability: { start: { nanoseconds: 9007199254740993n } },
              },
            ],
          },
        }),
        true,
      );
      apis!.scheduler.injectEvent(frameworkId, {
        type: 'RESCIND_INVERSE_OFFER',
        rescind_inverse_offer: { inverse_offer_id: { value: 'io-1' } },
      });
      apis!.scheduler.injectEvent(frameworkId, {
        type: 'UPDATE_OPERATION_STATUS',
        update_operation_status: { status: { state: 'OPERATION_FINISHED', operation_id: { value: 'op-1' } } },
      });
      const seen: SchedulerEvent[] = [];
      while (seen.length < 3) {
        const event = (await events.next()).value!;
        if (event.type !== 'HEARTBEAT' && event.type !== 'OFFERS') seen.push(event);
      }
      assert.deepEqual(
        seen.map((e) => e.type),
        ['INVERSE_OFFERS', 'RESCIND_INVERSE_OFFER', 'UPDATE_OPERATION_STATUS'],
      );
      const inverse = (
        seen[0]!.inverse_offers!.inverse_offers as { agent_id: { value: string }; unavailability: unknown }[]
      )[0]!;
      assert.deepEqual(inverse.agent_id, { value: 'agent-1' });
      // int64 nanoseconds beyond 2^53 arrive exact.
      assert.deepEqual(inverse.unavailability, { start: { nanoseconds: 9007199254740993n } });
      assert.deepEqual(seen[2]!.update_operation_status, {
        status: { state: 'OPERATION_FINISHED', operation_id: { value: 'op-1' } },
      });
      await events.return(undefined);
      await client.close();
    });
  }
});
