import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OperatorClient, type OperatorEvent, SchedulerClient, type V1Codec } from '../../src/client/index.ts';
import { isMesosWireError } from '../../src/errors.ts';
import { startTestMaster, type TestMaster, waitFor } from '../mock/http-api/harness.ts';
import { startTcpProxy } from './proxies.ts';
import { runWorkload } from './workload.ts';

for (const codec of ['json', 'protobuf'] as V1Codec[]) {
  describe(`OperatorClient against the mock master (${codec})`, () => {
    let master: TestMaster;
    let operator: OperatorClient;
    before(async () => {
      master = await startTestMaster(
        {
          agents: 2,
          resources: 'cpus:8;mem:8192',
          allocationIntervalMs: 20,
          heartbeatIntervalMs: 200,
          taskTimings: { starting_ms: 5, running_ms: 5, finish_ms: 20 },
          version: '1.11.0',
        },
        { operatorHeartbeatIntervalMs: 100 },
      );
      operator = new OperatorClient({ master: master.url, codec });
    });
    after(async () => {
      await operator.close();
      await master.close();
    });

    test('GET_HEALTH, GET_VERSION, GET_FLAGS, GET_MASTER', async () => {
      assert.deepEqual(await operator.getHealth(), { healthy: true });
      assert.deepEqual(await operator.getVersion(), { version_info: { version: '1.11.0', build_user: 'mesos-wire' } });
      const flags = (await operator.getFlags()).flags as { name: string; value: string }[];
      assert.deepEqual(
        flags.find((f) => f.name === 'port'),
        { name: 'port', value: String(master.port) },
      );
      const got = await operator.getMaster();
      const info = got.master_info as { id: string; port: number; address: { ip: string } };
      assert.equal(info.id, master.simulation.masterInfo.id);
      assert.equal(info.port, master.port);
      assert.equal(info.address.ip, '127.0.0.1');
    });

    test('GET_AGENTS, GET_ROLES and GET_STATE describe the cluster; both encodings decode alike', async () => {
      const agents = (await operator.getAgents()).agents as {
        agent_info: { id: { value: string } };
        version: string;
      }[];
      assert.equal(agents.length, 2);
      assert.equal(agents[0]!.version, '1.11.0');
      const roles = (await operator.getRoles()).roles as { name: string; weight: number }[];
      assert.deepEqual(roles[0], { name: '*', weight: 1 });
      const other = new OperatorClient({ master: master.url, codec: codec === 'json' ? 'protobuf' : 'json' });
      assert.deepEqual(await operator.getState(), await other.getState());
      await other.close();
    });

    test('SUBSCRIBE: SUBSCRIBED with the state, HEARTBEATs, then framework, task and agent events', async () => {
      const events: OperatorEvent[] = [];
      const stream = operator.subscribe();
      const first = await stream.next();
      assert.equal(first.value?.type, 'SUBSCRIBED');
      assert.equal(first.value?.subscribed?.heartbeat_interval_seconds, 0.1);
      const state = first.value!.subscribed!.get_state!;
      assert.equal(((state.get_agents as { agents: unknown[] }).agents ?? []).length, 2);
      assert.equal((await stream.next()).value?.type, 'HEARTBEAT');
      const reader = (async () => {
        for await (const event of stream) {
          events.push(event);
          if (event.type === 'AGENT_ADDED') break;
        }
      })();

      const scheduler = new SchedulerClient({
        master: master.url,
        codec,
        frameworkInfo: { user: 'u', name: 'op' },
        reconnect: false,
      });
      await runWorkload(scheduler, 2);
      await scheduler.close();
      const agentId = master.simulation.agentPids()[0]!.id;
      await operator.call({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: agentId } } });
      master.simulation.addAgent({});
      await reader;

      const types = events.map((e) => e.type).filter((t) => t !== 'HEARTBEAT');
      assert.deepEqual(types.slice(0, 1), ['FRAMEWORK_ADDED']);
      assert.equal(types.filter((t) => t === 'TASK_ADDED').length, 2);
      // A TASK_UPDATED per status the master records (`state` is the latest state): each task's last says finished.
      const finished = events.filter(
        (e) => e.type === 'TASK_UPDATED' && (e.task_updated!.status as { state: string }).state === 'TASK_FINISHED',
      );
      assert.equal(finished.length, 2);
      assert.ok(types.includes('FRAMEWORK_REMOVED'));
      assert.deepEqual(types.slice(-2), ['AGENT_REMOVED', 'AGENT_ADDED']);
      const removed = events.find((e) => e.type === 'AGENT_REMOVED')!.agent_removed!;
      assert.equal(removed.agent_id.value, agentId);
      await waitFor(() => master.apis.operator.openStreams === 0, 'stream closed');
    });

    test('GET_TASKS and GET_FRAMEWORKS show completed work', async () => {
      const tasks = await operator.getTasks();
      assert.equal((tasks.completed_tasks as unknown[]).length, 2);
      const frameworks = await operator.getFrameworks();
      assert.equal((frameworks.completed_frameworks as unknown[]).length, 1);
    });

    test('a refused call rejects with the status and Mesos text', async () => {
      await assert.rejects(operator.call({ type: 'TEARDOWN' }), (error: unknown) => {
        assert.ok(isMesosWireError(error));
        assert.equal(error.code, 'MW_CLIENT_HTTP_STATUS');
        assert.deepEqual(error.detail, {
          status: 400,
          body: "Failed to validate master::Call: Expecting 'teardown' to be present",
        });
        return true;
      });
    });
  });
}

describe('OperatorClient event stream', () => {
  let master: TestMaster;
  before(async () => {
    master = await startTestMaster({ agents: 0 }, { operatorHeartbeatIntervalMs: 50 });
  });
  after(() => master.close());

  test('re-chunked byte by byte: same events', async (t) => {
    const proxy = await startTcpProxy(master.port, { kind: 'bytes' });
    t.after(() => proxy.close());
    for (const codec of ['json', 'protobuf'] as V1Codec[]) {
      const client = new OperatorClient({ master: proxy.url, codec });
      t.after(() => client.close());
      const stream = client.subscribe();
      assert.equal((await stream.next()).value?.type, 'SUBSCRIBED');
      assert.equal((await stream.next()).value?.type, 'HEARTBEAT');
      await stream.return(undefined);
      await client.close();
    }
    await proxy.close();
  });

  test('HEARTBEAT at once, then every interval', async (t) => {
    const client = new OperatorClient({ master: master.url });
    t.after(() => client.close());
    const started = performance.now();
    const stream = client.subscribe();
    assert.equal((await stream.next()).value?.type, 'SUBSCRIBED');
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      assert.equal((await stream.next()).value?.type, 'HEARTBEAT');
      times.push(performance.now() - started);
    }
    // The first at once, then one per 50 ms interval. Measured from the subscription rather than between reads:
    // after a stall of the (loaded) test machine two heartbeats can be read together, but none comes early.
    assert.ok(times[3]! >= 3 * 50 - 5, `4th heartbeat after ${times[3]} ms`);
    assert.ok(times[3]! < 10_000, `4th heartbeat after ${times[3]} ms`);
    await stream.return(undefined);
    await client.close();
  });

  test('heartbeat loss is detected', async (t) => {
    const proxy = await startTcpProxy(master.port);
    const client = new OperatorClient({ master: proxy.url, heartbeatLossFactor: 2 });
    t.after(async () => {
      await client.close();
      await proxy.close();
    });
    const stream = client.subscribe();
    assert.equal((await stream.next()).value?.type, 'SUBSCRIBED');
    proxy.freeze();
    await assert.rejects(
      (async () => {
        for await (const _ of stream);
      })(),
      (error: unknown) => isMesosWireError(error) && error.code === 'MW_CLIENT_HEARTBEAT_LOST',
    );
    await client.close();
    await proxy.close();
  });
});
