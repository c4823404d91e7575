import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, type TestContext, test } from 'node:test';
import { SchedulerClient, type SchedulerEvent, type V1Codec } from '../../src/client/index.ts';
import { isMesosWireError } from '../../src/errors.ts';
import { startTestMaster, type TestMaster, waitFor } from '../mock/http-api/harness.ts';
import { startTcpProxy } from './proxies.ts';
import { runWorkload } from './workload.ts';

/** Closes `resources` when the test ends, passed or failed: no socket, server or stream outlives its test. */
function closeAtEnd(t: TestContext, ...resources: { close(): Promise<void> | void }[]): void {
  t.after(async () => {
    await Promise.all(resources.map((resource) => resource.close()));
  });
}

const FAST = {
  resources: 'cpus:64;mem:65536',
  allocationIntervalMs: 20,
  taskTimings: { starting_ms: 5, running_ms: 5, finish_ms: 20 },
};

/** Events without what differs between two runs (ids, times, uuids): their types and task states. */
function shape(events: SchedulerEvent[]): string[] {
  return events.map((e) =>
    e.type === 'UPDATE' ? `UPDATE ${e.update!.status.task_id.value} ${e.update!.status.state}` : e.type,
  );
}

for (const codec of ['json', 'protobuf'] as V1Codec[]) {
  describe(`SchedulerClient against the mock master (${codec})`, () => {
    let master: TestMaster;
    before(async () => {
      master = await startTestMaster({ ...FAST, heartbeatIntervalMs: 60_000 });
    });
    after(() => master.close());

    test('subscribes, launches tasks from offers, acknowledges their updates', async (t) => {
      const client = new SchedulerClient({
        master: master.url,
        codec,
        frameworkInfo: { user: 'root', name: `e2e-${codec}` },
        reconnect: false,
      });
      closeAtEnd(t, client);
      const result = await runWorkload(client, 12);
      await client.close();
      assert.deepEqual(result.types.slice(0, 3), ['SUBSCRIBED', 'HEARTBEAT', 'OFFERS']);
      const subscribed = result.events[0]!.subscribed!;
      assert.equal(subscribed.framework_id.value, client.frameworkId);
      assert.equal(subscribed.heartbeat_interval_seconds, 60);
      assert.equal(subscribed.master_info?.port, master.port);
      assert.equal(result.states.size, 12);
      for (const [task, states] of result.states) {
        assert.deepEqual(states, ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'], task);
      }
      // 64-bit fields arrive exact, as bigint, in both encodings (Value.Range is uint64).
      const offer = result.events.find((e) => e.type === 'OFFERS')!.offers!.offers![0]!;
      const ports = (offer.resources as { name: string; ranges?: { range: { begin: bigint }[] } }[]).find(
        (r) => r.name === 'ports',
      );
      assert.equal(ports?.ranges?.range[0]?.begin, 31000n);
      // The acknowledgements reached the core: every task is complete on the master.
      await waitFor(() => master.simulation.snapshot().completed_tasks.length >= 12, 'acknowledged tasks');
    });

    test('calls are answered with Mesos statuses: a bad call rejects with MW_CLIENT_HTTP_STATUS', async (t) => {
      const client = new SchedulerClient({
        master: master.url,
        codec,
        frameworkInfo: { user: 'root', name: 'calls' },
        reconnect: false,
      });
      closeAtEnd(t, client);
      const events = client.subscribe();
      assert.equal((await events.next()).value?.type, 'SUBSCRIBED');
      assert.equal((await client.call({ type: 'REVIVE' })).status, 202);
      await assert.rejects(client.call({ type: 'KILL' }), (error: unknown) => {
        assert.ok(isMesosWireError(error));
        assert.equal(error.code, 'MW_CLIENT_HTTP_STATUS');
        assert.deepEqual(error.detail, {
          status: 400,
          body: "Failed to validate scheduler::Call: Expecting 'kill' to be present",
        });
        return true;
      });
      await events.return(undefined);
      await client.close();
    });
  });
}

describe('SchedulerClient through a proxy that re-chunks the event stream', () => {
  let master: TestMaster;
  before(async () => {
    master = await startTestMaster({ ...FAST, heartbeatIntervalMs: 60_000 });
  });
  after(() => master.close());

  for (const codec of ['json', 'protobuf'] as V1Codec[]) {
    test(`byte by byte (${codec}): the same events as without the proxy`, async (t) => {
      const proxy = await startTcpProxy(master.port, { kind: 'bytes' });
      const direct = new SchedulerClient({
        master: master.url,
        codec,
        frameworkInfo: { user: 'u', name: 'direct' },
        reconnect: false,
      });
      const cut = new SchedulerClient({
        master: proxy.url,
        codec,
        frameworkInfo: { user: 'u', name: 'cut' },
        reconnect: false,
      });
      closeAtEnd(t, direct, cut, proxy);
      const stop = (r: { types: string[] }): boolean => r.types.length >= 2;
      const a = await runWorkload(direct, 0, stop);
      const b = await runWorkload(cut, 0, stop);
      assert.deepEqual(b.types, ['SUBSCRIBED', 'HEARTBEAT']);
      assert.deepEqual(b.types, a.types);
      assert.deepEqual(b.events[0]!.subscribed!.master_info, a.events[0]!.subscribed!.master_info);
      // Every byte was its own write.
      assert.ok(proxy.pieces > 200, `pieces: ${proxy.pieces}`);
      await Promise.all([direct.close(), cut.close(), proxy.close()]);
    });

    test(`random splits (${codec}): a longer stream of offers and updates`, async (t) => {
      const proxy = await startTcpProxy(master.port, { kind: 'random', maxPiece: 40, seed: codec === 'json' ? 7 : 11 });
      const client = new SchedulerClient({
        master: proxy.url,
        codec,
        frameworkInfo: { user: 'u', name: 'random' },
        reconnect: false,
      });
      closeAtEnd(t, client, proxy);
      const result = await runWorkload(client, 30);
      await client.close();
      await proxy.close();
      assert.equal(result.states.size, 30);
      for (const states of result.states.values()) {
        assert.deepEqual(states, ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
      }
      assert.ok(shape(result.events).filter((s) => s.startsWith('UPDATE')).length === 90);
    });
  }
});

describe('SchedulerClient heartbeats and failover', () => {
  let master: TestMaster;
  before(async () => {
    master = await startTestMaster({
      ...FAST,
      taskTimings: { starting_ms: 5, running_ms: 5, finish_ms: 600_000 },
      heartbeatIntervalMs: 100,
    });
  });
  after(() => master.close());

  test('no event within k x heartbeat interval -> MW_CLIENT_HEARTBEAT_LOST', async (t) => {
    const proxy = await startTcpProxy(master.port);
    const client = new SchedulerClient({
      master: proxy.url,
      frameworkInfo: { user: 'u', name: 'silent', failover_timeout: 60 },
      heartbeatLossFactor: 3,
      reconnect: false,
    });
    closeAtEnd(t, client, proxy);
    const events = client.subscribe();
    assert.equal((await events.next()).value?.type, 'SUBSCRIBED');
    assert.equal((await events.next()).value?.type, 'HEARTBEAT');
    proxy.freeze();
    const started = Date.now();
    await assert.rejects(
      (async () => {
        for (;;) if ((await events.next()).done === true) break;
      })(),
      (error: unknown) => isMesosWireError(error) && error.code === 'MW_CLIENT_HEARTBEAT_LOST',
    );
    const waited = Date.now() - started;
    // 3 x 100 ms; the upper bound only catches a watchdog that never fires (loaded machines stall for seconds).
    assert.ok(waited >= 200 && waited < 20_000, `lost after ${waited} ms`);
    await client.close();
    await proxy.close();
  });

  test('a lost stream is re-subscribed with the framework id: same framework, tasks kept', async (t) => {
    const proxy = await startTcpProxy(master.port);
    const client = new SchedulerClient({
      master: proxy.url,
      frameworkInfo: { user: 'u', name: 'failover', failover_timeout: 60 },
      heartbeatLossFactor: 2,
      reconnect: { initialMs: 20, maxMs: 100 },
    });
    closeAtEnd(t, client, proxy);
    const disconnects: unknown[] = [];
    client.on('disconnected', (error) => disconnects.push(error));
    const subscribedIds: string[] = [];
    let running = 0;
    let froze = false;
    const result = await runWorkload(
      client,
      3,
      (r) => {
        const last = r.events[r.events.length - 1]!;
        if (last.type === 'SUBSCRIBED') subscribedIds.push(last.subscribed!.framework_id.value);
        if (last.type === 'UPDATE' && last.update!.status.state === 'TASK_RUNNING') running++;
        if (running === 3 && !froze) {
          froze = true;
          proxy.freeze();
          return false;
        }
        // The first SUBSCRIBED after the freeze (a stall of the loaded test machine may have cost a stream before).
        return froze && last.type === 'SUBSCRIBED';
      },
      false,
    );
    assert.ok(disconnects.length >= 1);
    for (const error of disconnects) assert.equal((error as { code?: string }).code, 'MW_CLIENT_HEARTBEAT_LOST');
    assert.ok(subscribedIds.length >= 2);
    assert.ok(subscribedIds.every((id) => id === subscribedIds[0]));
    assert.ok(result.types.includes('SUBSCRIBED'));
    const framework = master.simulation.snapshot().frameworks.find((f) => f.id === subscribedIds[0])!;
    assert.equal(framework.connected, true);
    assert.equal(framework.tasks.length, 3);
    assert.ok(framework.tasks.every((t) => t.state === 'TASK_RUNNING'));
    await client.close();
    await proxy.close();
  });
});

describe('SchedulerClient follows leader redirects', () => {
  let leader: TestMaster;
  let follower: TestMaster;
  before(async () => {
    leader = await startTestMaster({ agents: 0 });
    follower = await startTestMaster({ agents: 0 });
  });
  after(async () => {
    await leader.close();
    await follower.close();
  });

  test('307 with a protocol-relative Location: subscribe and calls go to the leader', async (t) => {
    follower.apis.setLeadership({ state: 'redirect', leader: `127.0.0.1:${leader.port}` });
    const client = new SchedulerClient({
      master: follower.url,
      frameworkInfo: { user: 'u', name: 'r' },
      reconnect: false,
    });
    closeAtEnd(t, client);
    const events = client.subscribe();
    assert.equal((await events.next()).value?.type, 'SUBSCRIBED');
    assert.equal(client.masterUrl.origin, leader.url);
    assert.equal((await client.call({ type: 'SUPPRESS' })).status, 202);
    assert.equal(leader.simulation.snapshot().frameworks.length, 1);
    assert.equal(follower.simulation.snapshot().frameworks.length, 0);
    await events.return(undefined);
    await client.close();
  });

  test('503 (no leader) is retried with backoff until a leader answers', async (t) => {
    follower.apis.setLeadership({ state: 'no-leader' });
    const client = new SchedulerClient({
      master: follower.url,
      frameworkInfo: { user: 'u', name: 'wait' },
      reconnect: { initialMs: 20, maxMs: 50 },
    });
    closeAtEnd(t, client);
    const attempts: number[] = [];
    client.on('reconnecting', ({ attempt }: { attempt: number }) => {
      attempts.push(attempt);
      if (attempt === 3) follower.apis.setLeadership({ state: 'leading' });
    });
    const events = client.subscribe();
    assert.equal((await events.next()).value?.type, 'SUBSCRIBED');
    assert.deepEqual(attempts, [1, 2, 3]);
    await events.return(undefined);
    await client.close();
  });

  test('400 is not retried', async (t) => {
    const client = new SchedulerClient({
      master: leader.url,
      // FrameworkInfo.name is required: the master answers 400.
      frameworkInfo: { user: 'u' },
      reconnect: { initialMs: 10 },
    });
    closeAtEnd(t, client);
    await assert.rejects(client.subscribe().next(), (error: unknown) => {
      assert.ok(isMesosWireError(error));
      assert.equal(error.code, 'MW_CLIENT_HTTP_STATUS');
      return true;
    });
    await client.close();
  });
});

describe('SchedulerClient.close()', () => {
  test('is bounded: a call the master never answers is aborted with MW_TRANSPORT_CLOSED', async (t) => {
    // A "master" that accepts connections and reads requests but never answers.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    t.after(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const port = (silent.address() as net.AddressInfo).port;
    const client = new SchedulerClient({
      master: `http://127.0.0.1:${port}`,
      frameworkInfo: { id: { value: 'fw-1' }, user: 'u', name: 'silent' },
      reconnect: false,
    });
    const pending = client.call({ type: 'REVIVE' });
    const rejected = assert.rejects(pending, (error: unknown) => {
      assert.ok(isMesosWireError(error));
      assert.equal(error.code, 'MW_TRANSPORT_CLOSED');
      return true;
    });
    while (sockets.size === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    await client.close();
    await rejected;
    assert.ok(Date.now() - started < 5000, `close took ${Date.now() - started} ms`);
    // Nothing goes out after close().
    await assert.rejects(client.call({ type: 'REVIVE' }), (error: unknown) => {
      assert.ok(isMesosWireError(error));
      assert.equal(error.code, 'MW_TRANSPORT_CLOSED');
      return true;
    });
  });
});
