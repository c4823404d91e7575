import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MockMaster, type MockMasterOptions, SCHEDULER_CALL } from '../../src/mock/index.ts';
import { FAST, idOf, offersOf, sleep, stateOf, updateOf, waitFor } from './helpers.ts';
import { commandTask, TestSchedulerDriver } from './scheduler-driver.ts';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

async function setup(options: MockMasterOptions = {}) {
  const master = await MockMaster.start({ agents: 1, resources: 'cpus:8;mem:8192', simulation: FAST, ...options });
  cleanups.push(() => master.close());
  return master;
}

async function driver(master: MockMaster, framework = {}) {
  const d = await TestSchedulerDriver.start({ master: master.upid, framework });
  cleanups.push(() => d.close());
  return d;
}

describe('MockMaster test API', () => {
  it('drop(): a dropped ACKNOWLEDGE makes the agent retry the same update (same uuid) until acknowledged', async () => {
    const master = await setup({ simulation: { ...FAST, statusUpdateRetryMinMs: 200 } });
    const d = await driver(master);
    await d.subscribe();
    const offer = offersOf((await d.next('mesos.internal.ResourceOffersMessage')).message);
    const rule = master.drop(SCHEDULER_CALL, { callType: 'ACKNOWLEDGE', count: 1, direction: 'in' });
    await d.launch([offer[0]!.id.value], [commandTask('retry-1', offer[0]!.slave_id.value)]);
    await d.next((r) => stateOf(r.message) === 'TASK_FINISHED', 5000);
    assert.equal(rule.dropped, 1);
    const starting = d.received.filter((r) => stateOf(r.message) === 'TASK_STARTING');
    assert.ok(starting.length >= 2, 'the unacknowledged TASK_STARTING was sent again');
    const [first, ...again] = starting.map((r) => updateOf(r.message)?.uuid);
    for (const uuid of again) assert.deepEqual(uuid, first);
    const dropped = master.log.filter((r) => r.dropped);
    assert.equal(dropped.length, 1);
    assert.equal(dropped[0]!.callType, 'ACKNOWLEDGE');
    assert.equal(dropped[0]!.status, 202, 'a dropped message is still answered, as libprocess filters after queueing');
  });

  it('drop({direction: out}): a dropped ResourceOffersMessage never reaches the driver; after the offer timeout it is rescinded and offered again', async () => {
    const master = await setup({ simulation: { ...FAST, offerTimeoutMs: 100 } });
    const d = await driver(master);
    master.drop('mesos.internal.ResourceOffersMessage', { direction: 'out' });
    await d.subscribe();
    const rescind = await d.next('mesos.internal.RescindResourceOfferMessage', 3000);
    const offers = await d.next('mesos.internal.ResourceOffersMessage', 3000);
    const sent = master.log.filter((r) => r.name === 'mesos.internal.ResourceOffersMessage');
    assert.ok(sent.length >= 2);
    assert.equal(sent[0]!.dropped, true);
    assert.equal(sent[1]!.dropped, false);
    const firstOfferId = offersOf(sent[0]!.message)[0]!.id.value;
    assert.equal(idOf(rescind.message, 'offer_id'), firstOfferId);
    assert.ok(offersOf(offers.message).every((o) => o.id.value !== firstOfferId));
  });

  it('intercept(): answers SUBSCRIBE with FrameworkErrorMessage instead of registering', async () => {
    const master = await setup();
    const d = await driver(master);
    const hook = master.intercept(
      SCHEDULER_CALL,
      (_record, actions) => {
        actions.reply('mesos.internal.FrameworkErrorMessage', { message: 'Framework is not authorized' });
        return 'drop';
      },
      { callType: 'SUBSCRIBE', once: true },
    );
    const answer = await d.subscribe();
    assert.equal(answer.name, 'mesos.internal.FrameworkErrorMessage');
    assert.equal(answer.message.message, 'Framework is not authorized');
    assert.equal(answer.from, master.upid);
    assert.equal(hook.calls, 1);
    assert.equal(master.simulation.snapshot().frameworks.length, 0);
    // The hook was one-shot: the retry registers.
    assert.equal((await d.subscribe()).name, 'mesos.internal.FrameworkRegisteredMessage');
  });

  it('expectNone(): passes when nothing matches, throws MW_MOCK_EXPECTATION when something did', async () => {
    const master = await setup();
    const none = master.expectNone('mesos.internal.RescindResourceOfferMessage');
    const offersForbidden = master.expectNone('mesos.internal.ResourceOffersMessage', { direction: 'out' });
    const d = await driver(master);
    await d.subscribe();
    await d.next('mesos.internal.ResourceOffersMessage');
    none.check();
    assert.throws(() => offersForbidden.check(), { code: 'MW_MOCK_EXPECTATION' });
    await assert.rejects(offersForbidden.failed, { code: 'MW_MOCK_EXPECTATION' });
    assert.throws(() => master.verify(), /expected no mesos\.internal\.ResourceOffersMessage \(out\)/);
    offersForbidden.cancel();
  });

  it('Symbol.asyncDispose (what `await using` calls) closes the mock; pending futures reject', async () => {
    // Called by hand: `await using` is Node 24+ syntax, and the suite runs on Node 22 too.
    const master = await MockMaster.start({ agents: 1 });
    const port = master.address.port;
    const pending = master.next('mesos.internal.LostSlaveMessage');
    pending.catch(() => {});
    await master[Symbol.asyncDispose]();
    await assert.rejects(pending, { code: 'MW_MOCK_EXPECTATION', message: /mock master closed/ });
    const refused = await fetch(`http://127.0.0.1:${port}/health`).then(
      () => 'served',
      () => 'refused',
    );
    assert.equal(refused, 'refused');
  });

  it('expectNone().failed rejects as soon as a forbidden message goes by', async () => {
    const master = await setup();
    const forbidden = master.expectNone(SCHEDULER_CALL, { callType: 'SUBSCRIBE' });
    const d = await driver(master);
    const outcome = await Promise.race([
      forbidden.failed.then(
        () => 'resolved',
        (e: { code?: string }) => e.code,
      ),
      d
        .subscribe()
        .then(() => sleep(1000))
        .then(() => 'not failed'),
    ]);
    assert.equal(outcome, 'MW_MOCK_EXPECTATION');
  });

  it('next() rejects with MW_MOCK_EXPECTATION on timeout', async () => {
    const master = await setup();
    await assert.rejects(master.next('mesos.internal.LostSlaveMessage', { timeoutMs: 30 }), {
      code: 'MW_MOCK_EXPECTATION',
    });
  });

  it('ignores calls that do not come from the registered framework pid', async () => {
    const master = await setup();
    const owner = await driver(master);
    await owner.subscribe();
    const intruder = await driver(master);
    intruder.frameworkId = owner.frameworkId;
    const seen = master.next(SCHEDULER_CALL, { callType: 'TEARDOWN', from: intruder.upid });
    await intruder.call('TEARDOWN');
    const record = await seen;
    await waitFor(() => record.note !== undefined);
    assert.match(record.note ?? '', /Call is not from registered framework/);
    assert.equal(master.simulation.snapshot().frameworks.length, 1);
  });

  it('inject(): spoofs a sender towards the master and towards a driver', async () => {
    const master = await setup();
    const d = await driver(master);
    await d.subscribe();
    // A message from another "master": the driver must ignore it.
    master.inject(
      { name: 'mesos.internal.FrameworkErrorMessage', body: { message: 'spoofed' } },
      { from: 'master@10.0.0.9:5050', to: d.upid },
    );
    await waitFor(() => d.ignored.length === 1);
    assert.equal(d.ignored[0]!.from, 'master@10.0.0.9:5050');
    // The real master's error reaches it.
    const error = d.next('mesos.internal.FrameworkErrorMessage');
    master.sendFrameworkError(d.frameworkId!, 'scripted error');
    assert.equal((await error).message.message, 'scripted error');
    // A TEARDOWN "from" the driver, processed as if it had arrived on the wire.
    const record = master.inject(
      { name: SCHEDULER_CALL, body: { framework_id: { value: d.frameworkId }, type: 'TEARDOWN' } },
      { from: d.upid },
    );
    assert.equal(record.direction, 'in');
    assert.equal(record.callType, 'TEARDOWN');
    assert.equal(master.simulation.snapshot().frameworks.length, 0);
    assert.equal(master.simulation.snapshot().completed_frameworks.length, 1);
  });

  it('setAnswerPolicy(): delays or drops the 202s', async () => {
    const master = await setup();
    const d = await driver(master);
    const call = { to: master.upid, name: SCHEDULER_CALL, from: d.id, body: new Uint8Array([0x10, 0x0b]) };
    master.setAnswerPolicy(() => 120);
    const started = performance.now();
    const receipt = await d.endpoint.send(call, { awaitResponse: true });
    assert.equal(receipt.status, 202);
    assert.ok(performance.now() - started >= 100);
    master.setAnswerPolicy((record) => (record?.callType === 'REQUEST' ? 'drop' : 'send'));
    const unanswered = d.endpoint.send(call, { awaitResponse: true });
    unanswered.catch(() => {});
    const raced = await Promise.race([unanswered.then(() => 'answered'), sleep(150).then(() => 'none')]);
    assert.equal(raced, 'none');
    const record = master.log.filter((r) => r.callType === 'REQUEST').at(-1)!;
    assert.equal(record.status, undefined);
  });

  it('closeFrameworkLink(outbound): the master sees exited, disconnects the framework, and it fails over', async () => {
    const master = await setup();
    const first = await driver(master, { failover_timeout: 60 });
    await first.subscribe();
    const frameworkId = first.frameworkId!;
    const exited = new Promise((resolve) => master.once('exited', resolve));
    master.closeFrameworkLink(frameworkId, 'outbound');
    await exited;
    const fw = master.simulation.frameworkConnection(frameworkId)!;
    assert.equal(fw.connected, false);
    // A new driver instance takes over within the failover timeout.
    const second = await driver(master, { failover_timeout: 60 });
    const answer = await second.subscribe({ frameworkId, failover: true });
    assert.equal(answer.name, 'mesos.internal.FrameworkRegisteredMessage');
    assert.equal(second.frameworkId, frameworkId);
    const now = master.simulation.frameworkConnection(frameworkId)!;
    assert.equal(now.connected, true);
    assert.deepEqual(now.connection, { kind: 'pid', pid: second.upid });
  });

  it('closeFrameworkLink(inbound): the driver sees its link to the master break', async () => {
    const master = await setup();
    const d = await driver(master);
    await d.subscribe();
    const exited = new Promise<{ peer: string }>((resolve) => d.endpoint.once('exited', resolve));
    master.closeFrameworkLink(d.upid, 'inbound');
    assert.equal((await exited).peer, master.upid);
  });

  it('a framework whose failover timeout expires is removed; re-registering with its id is refused', async () => {
    const master = await setup();
    const first = await driver(master, { failover_timeout: 0.02 });
    await first.subscribe();
    const frameworkId = first.frameworkId!;
    await first.close();
    await waitFor(() => master.simulation.snapshot().completed_frameworks.length === 1);
    const second = await driver(master);
    const answer = await second.subscribe({ frameworkId, failover: true });
    assert.equal(answer.name, 'mesos.internal.FrameworkErrorMessage');
    assert.equal(answer.message.message, 'Framework has been removed');
  });

  it('re-registration without failover (same driver) gets FrameworkReregisteredMessage', async () => {
    const master = await setup();
    const d = await driver(master);
    await d.subscribe();
    const answer = await d.subscribe({ frameworkId: d.frameworkId! });
    assert.equal(answer.name, 'mesos.internal.FrameworkReregisteredMessage');
  });
});
