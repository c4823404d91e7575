import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MockMaster, type MockMasterOptions } from '../../src/mock/index.ts';
import { FAST, idOf, offersOf, stateOf, waitFor } from './helpers.ts';
import { commandTask, TestSchedulerDriver } from './scheduler-driver.ts';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

async function setup(options: MockMasterOptions = {}) {
  const master = await MockMaster.start({ agents: 2, resources: 'cpus:4;mem:4096', simulation: FAST, ...options });
  cleanups.push(() => master.close());
  return master;
}

async function driver(master: MockMaster, api: 'call' | 'legacy' = 'call', extra = {}) {
  const d = await TestSchedulerDriver.start({ master: master.upid, api, ...extra });
  cleanups.push(() => d.close());
  return d;
}

describe('MockMaster lifecycle over real sockets', () => {
  it('registers a v0 Call SUBSCRIBE driver: FrameworkRegisteredMessage from master@ip:port with a full MasterInfo', async () => {
    const master = await setup();
    const d = await driver(master);
    const subscribeSeen = master.next('mesos.scheduler.Call', { callType: 'SUBSCRIBE', direction: 'in' });
    const registered = await d.subscribe();
    assert.equal(registered.name, 'mesos.internal.FrameworkRegisteredMessage');
    assert.equal(registered.from, master.upid);
    const info = registered.message.master_info as Record<string, unknown>;
    const { ip, port } = master.address;
    assert.equal(info.pid, master.upid);
    assert.equal(info.port, port);
    // 127.0.0.1 in network byte order read as a little-endian uint32 (§2.8).
    assert.equal(info.ip, 16777343);
    assert.deepEqual(info.address, { hostname: ip, ip, port });
    assert.equal(info.version, '1.11.0');
    assert.match(String(info.id), /^[0-9a-f-]{36}$/);
    assert.match(d.frameworkId ?? '', new RegExp(`^${String(info.id)}-0000$`));
    const seen = await subscribeSeen;
    assert.equal(seen.from, d.upid);
    assert.equal(seen.status, 202);
    assert.equal(seen.to, master.upid);
    // The reply went out on the master's own connection, in 1.11 framing, from the master's UPID.
    const out = master.log.find((r) => r.name === 'mesos.internal.FrameworkRegisteredMessage')!;
    const head = new TextDecoder().decode(out.raw.subarray(0, 400));
    assert.ok(head.startsWith(`POST /${d.id}/mesos.internal.FrameworkRegisteredMessage HTTP/1.1\r\n`));
    assert.ok(head.includes(`Libprocess-From: ${master.upid}\r\n`));
    assert.ok(head.includes('Host: \r\n'));
  });

  it('runs offers -> ACCEPT/LAUNCH -> STARTING/RUNNING/FINISHED with acknowledgements to the agent pid', async () => {
    const master = await setup();
    const d = await driver(master);
    await d.subscribe();
    const offers = await d.next('mesos.internal.ResourceOffersMessage');
    const offer = offersOf(offers.message)[0]!;
    const pids = offers.message.pids as string[];
    const { ip, port } = master.address;
    assert.match(pids[0]!, new RegExp(`^slave\\(\\d+\\)@${ip.replace(/\./g, '\\.')}:${port}$`));
    const finished = d.next(
      (r) => r.name === 'mesos.internal.StatusUpdateMessage' && stateOf(r.message) === 'TASK_FINISHED',
    );
    const ackSeen = master.next('mesos.scheduler.Call', { callType: 'ACKNOWLEDGE' });
    await d.launch([offer.id.value], [commandTask('t1', offer.slave_id.value)]);
    const update = await finished;
    assert.equal(update.message.pid, pids[0]);
    const states = d.received
      .filter((r) => r.name === 'mesos.internal.StatusUpdateMessage')
      .map((r) => stateOf(r.message));
    assert.deepEqual(states, ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    const ack = await ackSeen;
    assert.equal(ack.from, d.upid);
    assert.equal(idOf(ack.message?.acknowledge as Record<string, unknown>, 'task_id'), 't1');
    // Once the terminal update is acknowledged the master forgets the task (its acknowledgement to the agent may
    // already have gone by: look at the state, not at the next message).
    await waitFor(() => master.simulation.snapshot().completed_tasks.length === 1);
  });

  it('registers and launches through the legacy (<= 0.23) messages', async () => {
    const master = await setup();
    const d = await driver(master, 'legacy');
    const registered = await d.subscribe();
    assert.equal(registered.name, 'mesos.internal.FrameworkRegisteredMessage');
    const offers = await d.next('mesos.internal.ResourceOffersMessage');
    const offer = offersOf(offers.message)[0]!;
    const acks = master.next('mesos.internal.StatusUpdateAcknowledgementMessage', { direction: 'in' });
    await d.launch([offer.id.value], [commandTask('legacy-1', offer.slave_id.value)]);
    await d.next((r) => stateOf(r.message) === 'TASK_FINISHED');
    const ack = await acks;
    assert.equal(ack.from, d.upid);
    const launch = master.log.find((r) => r.name === 'mesos.internal.LaunchTasksMessage')!;
    assert.equal(launch.note, undefined);
  });

  it('serves several frameworks at once', async () => {
    const master = await setup({ agents: 3 });
    const drivers = await Promise.all([0, 1, 2, 3].map(() => driver(master)));
    await Promise.all(drivers.map((d) => d.subscribe()));
    const ids = new Set(drivers.map((d) => d.frameworkId));
    assert.equal(ids.size, 4);
    await Promise.all(
      drivers.map(async (d, i) => {
        // The first framework to subscribe may be offered every agent: like a real framework it declines what it
        // does not use, so the others are offered those agents at the next allocation.
        const offers = await d.next('mesos.internal.ResourceOffersMessage', 20_000);
        const [offer, ...unused] = offersOf(offers.message);
        if (unused.length > 0) {
          await d.call('DECLINE', { decline: { offer_ids: unused.map((o) => o.id), filters: { refuse_seconds: 0 } } });
        }
        await d.launch([offer!.id.value], [commandTask(`fw${i}-task`, offer!.slave_id.value)]);
        await d.next((r) => stateOf(r.message) === 'TASK_FINISHED', 20_000);
      }),
    );
    for (const d of drivers) assert.equal(d.ignored.length, 0);
  });
});
