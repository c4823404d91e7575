import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandTask, Harness } from './harness.ts';

function startOne(h: Harness, name = 'fw', failoverTimeout = 0) {
  const fw = h.driver(name, { failover_timeout: failoverTimeout });
  fw.subscribe();
  h.advance(0);
  const offer = fw.offers()[0]!;
  fw.launch(offer, [commandTask('t', offer)]);
  return fw;
}

describe('status updates: uuids, acknowledgements, retries', () => {
  it('retries an unacknowledged update at 10 s, then 20 s, 40 s ... capped at 10 min, with the same uuid', () => {
    const h = new Harness();
    const fw = startOne(h);
    fw.autoAck = false;
    h.advance(10); // TASK_STARTING sent at t=10
    const times = (): number[] =>
      h.outputs
        .filter((o) => o.target === 'framework' && o.event.type === 'UPDATE')
        .map((o) => o.time - h.sim.startTime);
    assert.deepEqual(times(), [10]);
    h.advance(10_000 + 20_000 + 40_000);
    assert.deepEqual(times(), [10, 10_010, 30_010, 70_010]);
    const uuids = fw.of('UPDATE').map((e) => Buffer.from(e.update.uuid!).toString('hex'));
    assert.equal(new Set(uuids).size, 1);
    // Only the head of the stream is forwarded: RUNNING waits, but latest_state already says RUNNING.
    assert.deepEqual(
      fw.of('UPDATE').map((e) => [e.update.status.state, e.update.latest_state]),
      [
        ['TASK_STARTING', 'TASK_STARTING'],
        ['TASK_STARTING', 'TASK_FINISHED'],
        ['TASK_STARTING', 'TASK_FINISHED'],
        ['TASK_STARTING', 'TASK_FINISHED'],
      ],
    );
    // Backoff caps at 10 minutes.
    h.advance(80_000 + 160_000 + 320_000 + 600_000 + 600_000);
    const gaps = times()
      .slice(1)
      .map((t, i) => t - times()[i]!);
    assert.deepEqual(gaps, [10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000]);

    // The master already knows the latest state; its resources came back although nothing was acknowledged.
    const snap = h.sim.snapshot();
    assert.equal(snap.tasks[0]!.state, 'TASK_FINISHED');
    assert.equal(snap.tasks[0]!.status_update_state, 'TASK_STARTING');
    // Retries replace the recorded status rather than adding one; operators heard of STARTING once.
    assert.deepEqual(
      snap.tasks[0]!.statuses.map((st) => st.state),
      ['TASK_STARTING'],
    );
    assert.equal(h.operator.filter((e) => e.type === 'TASK_UPDATED').length, 1);
    assert.deepEqual(snap.agents[0]!.allocated_resources, []);

    // Acknowledging the head releases the next update at once, and so on.
    const ackHead = (): void => {
      const u = fw.of('UPDATE').at(-1)!.update;
      fw.call({ type: 'ACKNOWLEDGE', slave_id: u.slave_id!, task_id: u.status.task_id, uuid: u.uuid! });
    };
    ackHead();
    assert.equal(fw.of('UPDATE').at(-1)!.update.status.state, 'TASK_RUNNING');
    ackHead();
    assert.equal(fw.of('UPDATE').at(-1)!.update.status.state, 'TASK_FINISHED');
    ackHead();
    assert.equal(h.sim.snapshot().tasks.length, 0);
    const count = fw.of('UPDATE').length;
    h.advance(3_600_000);
    assert.equal(fw.of('UPDATE').length, count, 'no retries once everything is acknowledged');
  });

  it('ignores acknowledgements with a stale or unknown uuid', () => {
    const h = new Harness();
    const fw = startOne(h);
    fw.autoAck = false;
    h.advance(10);
    const u = fw.of('UPDATE')[0]!.update;
    fw.call({ type: 'ACKNOWLEDGE', slave_id: u.slave_id!, task_id: u.status.task_id, uuid: new Uint8Array(16) });
    h.advance(10_000);
    assert.equal(fw.of('UPDATE').length, 2);
    assert.equal(fw.of('UPDATE')[1]!.update.status.state, 'TASK_STARTING');
    assert.ok(h.sim.log.entries().some((e) => e.kind === 'note' && e.text.includes('unexpected acknowledgement')));
  });

  it('keeps retrying while the framework is disconnected and delivers after it re-subscribes', () => {
    const h = new Harness();
    const fw = startOne(h, 'fw', 3600);
    h.advance(10);
    h.sim.execute({ type: 'DISCONNECTED', connection: fw.connection });
    const seen = fw.of('UPDATE').length;
    h.advance(60_000); // RUNNING and FINISHED happen; nothing reaches a disconnected framework
    assert.equal(fw.of('UPDATE').length, seen);
    fw.subscribe();
    assert.equal(fw.of('SUBSCRIBED').at(-1)!.reregistered, true);
    h.advance(80_000); // next retry of the head (STARTING was acked, RUNNING is head)
    assert.deepEqual(fw.states('t'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
  });

  it('is deterministic: the same seed gives the same log', () => {
    const run = (): string => {
      const h = new Harness({ seed: 7, agents: 2 });
      startOne(h, 'a');
      startOne(h, 'b');
      h.advance(5000);
      return JSON.stringify(h.sim.log.entries(), (_k, v) =>
        v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
      );
    };
    assert.equal(run(), run());
  });
});
