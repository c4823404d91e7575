import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandTask, Harness } from './harness.ts';

function running(h: Harness, name: string, failoverTimeout: number, behavior: 'hang' | 'finish' = 'hang') {
  h.sim.setTaskRules([{ match: /.*/, behavior }]);
  const fw = h.driver(name, { failover_timeout: failoverTimeout });
  fw.subscribe();
  h.advance(0);
  const offer = fw.offers()[0]!;
  fw.launch(offer, [commandTask(`${name}-task`, offer)]);
  h.advance(100);
  return fw;
}

describe('disconnection and failover', () => {
  it('a driver that reconnects within failover_timeout keeps its tasks (FrameworkReregisteredMessage)', () => {
    const h = new Harness();
    const fw = running(h, 'a', 60);
    h.sim.execute({ type: 'DISCONNECTED', connection: fw.connection });
    // `Master::exited` tells the driver, then the framework is deactivated and its offers rescinded.
    assert.deepEqual(fw.events.at(-1), { type: 'ERROR', message: 'Framework disconnected' });
    assert.equal(h.sim.frameworkConnection('M-0000')?.connected, false);
    h.advance(59_000);
    assert.deepEqual(fw.subscribe(), { ok: true });
    const sub = fw.of('SUBSCRIBED').at(-1)!;
    assert.equal(sub.reregistered, true);
    assert.equal(sub.framework_id.value, 'M-0000');
    h.advance(10_000);
    const snap = h.sim.snapshot();
    assert.equal(snap.frameworks.length, 1);
    assert.equal(snap.tasks[0]!.state, 'TASK_RUNNING');
    assert.ok(snap.frameworks[0]!.reregistered_time !== undefined);
  });

  it('past failover_timeout the framework is removed and its tasks killed; re-subscribing is refused', () => {
    const h = new Harness();
    const fw = running(h, 'b', 5);
    h.sim.execute({ type: 'DISCONNECTED', connection: fw.connection });
    h.advance(5000);
    const snap = h.sim.snapshot();
    assert.equal(snap.frameworks.length, 0);
    assert.equal(snap.completed_frameworks.length, 1);
    assert.equal(snap.completed_frameworks[0]!.completed_tasks[0]!.state, 'TASK_KILLED');
    assert.deepEqual(snap.agents[0]!.allocated_resources, []);
    assert.ok(h.agentOutputs('SHUTDOWN_FRAMEWORK').length === 1);
    assert.ok(h.operator.some((e) => e.type === 'FRAMEWORK_REMOVED'));
    assert.ok(
      h.operator.some(
        (e) => e.type === 'TASK_UPDATED' && e.state === 'TASK_KILLED' && e.status.reason === 'REASON_FRAMEWORK_REMOVED',
      ),
    );
    fw.subscribe();
    assert.deepEqual(fw.events.at(-1), { type: 'ERROR', message: 'Framework has been removed' });
  });

  it('a new scheduler instance fails over with force: the old one is told, the new one registered', () => {
    const h = new Harness();
    const old = running(h, 'c', 60);
    const next = h.driver('c2', { failover_timeout: 60 });
    next.frameworkId = old.frameworkId;
    // Without force, a different pid is refused.
    next.subscribe();
    assert.deepEqual(next.events.at(-1), { type: 'ERROR', message: 'Framework failed over' });
    next.subscribe({ force: true });
    assert.deepEqual(old.events.at(-1), { type: 'ERROR', message: 'Framework failed over' });
    const sub = next.of('SUBSCRIBED').at(-1)!;
    assert.equal(sub.reregistered, false, 'failover answers with FrameworkRegisteredMessage');
    // Calls from the old pid are no longer accepted.
    const res = old.call({ type: 'REVIVE' });
    assert.deepEqual(res, { ok: false, reason: 'WRONG_CONNECTION', message: 'Call is not from registered framework' });
    assert.equal(h.sim.snapshot().tasks.length, 1);
  });

  it('a driver retrying its first SUBSCRIBE gets the same framework id', () => {
    const h = new Harness();
    const fw = h.driver('retry');
    fw.subscribe();
    const first = fw.frameworkId;
    fw.frameworkId = undefined;
    fw.subscribe();
    assert.equal(fw.frameworkId, first);
    assert.equal(h.sim.snapshot().frameworks.length, 1);
  });

  it('v1 HTTP frameworks: heartbeats, stream ids, and failover to a new stream', () => {
    const h = new Harness({ heartbeatIntervalMs: 15_000 });
    const fw = h.http('h', { failover_timeout: 30 }, 'stream-1');
    fw.subscribe();
    assert.deepEqual(
      fw.events.map((e) => e.type),
      ['SUBSCRIBED', 'HEARTBEAT'],
    );
    assert.equal(fw.of('SUBSCRIBED')[0]!.heartbeat_interval_seconds, 15);
    h.advance(45_000);
    assert.equal(fw.of('HEARTBEAT').length, 4);

    const wrong = h.sim.execute({
      type: 'REVIVE',
      framework_id: { value: fw.frameworkId! },
      from: { kind: 'http', stream_id: 'other' },
    });
    assert.equal(!wrong.ok && wrong.reason, 'STREAM_MISMATCH');
    const pid = h.sim.execute({
      type: 'REVIVE',
      framework_id: { value: fw.frameworkId! },
      from: { kind: 'pid', pid: 'x@1.2.3.4:5' },
    });
    assert.equal(!pid.ok && pid.reason, 'WRONG_CONNECTION');

    // The stream breaks; calls get 403 until the framework subscribes again on a new stream.
    h.sim.execute({ type: 'DISCONNECTED', connection: fw.connection });
    const notSubscribed = fw.call({ type: 'REVIVE' });
    assert.deepEqual(notSubscribed, { ok: false, reason: 'NOT_SUBSCRIBED', message: 'Framework is not subscribed' });
    h.advance(20_000);
    assert.equal(fw.of('HEARTBEAT').length, 4, 'no heartbeats to a closed stream');
    const old = fw.connection;
    fw.connection = { kind: 'http', stream_id: 'stream-2' };
    fw.subscribe();
    assert.equal(fw.of('SUBSCRIBED').length, 2);
    assert.equal(fw.events.at(-1)!.type, 'HEARTBEAT');
    h.advance(60_000);
    assert.equal(h.sim.snapshot().frameworks.length, 1, 'the failover timer was cancelled');
    const stale = h.sim.execute({ type: 'REVIVE', framework_id: { value: fw.frameworkId! }, from: old });
    assert.equal(!stale.ok && stale.reason, 'STREAM_MISMATCH');

    // A second SUBSCRIBE on another stream takes over: the current stream gets ERROR, then CLOSE.
    const taker = h.http('h', {}, 'stream-3');
    taker.frameworkId = fw.frameworkId;
    taker.subscribe();
    assert.deepEqual(
      fw.events.slice(-2).map((e) => e.type),
      ['ERROR', 'CLOSE'],
    );
    assert.equal(taker.of('SUBSCRIBED').length, 1);
  });

  it('TEARDOWN removes the framework at once and closes a v1 stream', () => {
    const h = new Harness();
    const fw = h.http('t');
    fw.subscribe();
    h.advance(0);
    assert.deepEqual(fw.call({ type: 'TEARDOWN' }), { ok: true });
    assert.equal(fw.events.at(-1)!.type, 'CLOSE');
    assert.equal(fw.of('RESCIND').length, 0, 'removal drops offers without rescinding them');
    assert.equal(h.sim.snapshot().frameworks.length, 0);
    assert.deepEqual(fw.call({ type: 'REVIVE' }), {
      ok: false,
      reason: 'FRAMEWORK_NOT_FOUND',
      message: 'Framework cannot be found',
    });
  });
});

describe('subscriptions with ids the master did not assign', () => {
  it('takes in an unknown id (as after a master failover) and never hands the same id out again', () => {
    const h = new Harness();
    const returning = h.driver('back');
    returning.frameworkId = 'M-0000';
    returning.subscribe({ force: true });
    const sub = returning.of('SUBSCRIBED')[0]!;
    assert.equal(sub.framework_id.value, 'M-0000');
    assert.equal(sub.reregistered, true);
    const fresh = h.driver('fresh');
    fresh.subscribe();
    assert.equal(fresh.frameworkId, 'M-0001');
  });
});
