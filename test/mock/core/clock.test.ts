import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bindClockToRealTime, type RealTimeHost, VirtualClock } from '../../../src/mock/core/index.ts';

describe('VirtualClock', () => {
  it('fires timers in due order, ties in creation order, each at its own time', () => {
    const clock = new VirtualClock(1000);
    const fired: [string, number][] = [];
    clock.setTimer(30, () => fired.push(['c', clock.now()]));
    clock.setTimer(10, () => fired.push(['a', clock.now()]));
    clock.setTimer(10, () => fired.push(['b', clock.now()]));
    const cancelled = clock.setTimer(20, () => fired.push(['x', clock.now()]));
    clock.cancel(cancelled);
    clock.advance(25);
    assert.deepEqual(fired, [
      ['a', 1010],
      ['b', 1010],
    ]);
    assert.equal(clock.now(), 1025);
    clock.advance(5);
    assert.deepEqual(fired.at(-1), ['c', 1030]);
    assert.equal(clock.pending(), 0);
  });

  it('fires timers created by timers inside the same window, and zero delays on advance(0)', () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    clock.setTimer(5, () => {
      fired.push(clock.now());
      clock.setTimer(5, () => fired.push(clock.now()));
      clock.setTimer(0, () => fired.push(clock.now()));
    });
    clock.advance(10);
    assert.deepEqual(fired, [5, 5, 10]);
    clock.setTimer(0, () => fired.push(-1));
    clock.runDue();
    assert.deepEqual(fired, [5, 5, 10, -1]);
  });

  it('refuses advance() from inside a timer with MW_INVALID_ARGUMENT', () => {
    const clock = new VirtualClock();
    let error: unknown;
    clock.setTimer(1, () => {
      try {
        clock.advance(1);
      } catch (e) {
        error = e;
      }
    });
    clock.advance(1);
    assert.equal((error as { code?: string }).code, 'MW_INVALID_ARGUMENT');
  });

  it('runUntilIdle stops at the limit', () => {
    const clock = new VirtualClock();
    const tick = (): void => {
      clock.setTimer(100, tick);
    };
    tick();
    assert.equal(clock.runUntilIdle(1000), 1000);
    assert.equal(clock.nextDueTime(), 1100);
  });

  it('orders any set of timers like a stable sort on due time (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 60 }), (delays) => {
        const clock = new VirtualClock();
        const fired: number[] = [];
        for (const [i, d] of delays.entries()) clock.setTimer(d, () => fired.push(i));
        clock.advance(100);
        const expected = delays.map((d, i) => [d, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        assert.deepEqual(
          fired,
          expected.map(([, i]) => i),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('binds to real time through a host: wakes at the next due time and advances by the elapsed time', () => {
    let real = 0;
    let pending: { fn: () => void; at: number } | undefined;
    const host: RealTimeHost = {
      now: () => real,
      setTimeout: (fn, ms) => {
        pending = { fn, at: real + ms };
        return pending;
      },
      clearTimeout: (h) => {
        if (pending === h) pending = undefined;
      },
    };
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    const stop = bindClockToRealTime(clock, host);
    clock.setTimer(50, () => fired.push(clock.now()));
    assert.equal(pending?.at, 50);
    real = 50;
    pending!.fn();
    assert.deepEqual(fired, [50]);
    clock.setTimer(10, () => fired.push(clock.now()));
    real = 70; // the host fired late: virtual time catches up with real time
    pending!.fn();
    assert.deepEqual(fired, [50, 60]);
    assert.equal(clock.now(), 70);
    pending = undefined;
    stop();
    clock.setTimer(5, () => fired.push(clock.now()));
    assert.equal(pending, undefined, 'a stopped binding schedules nothing');
    assert.equal(clock.onScheduleChange, undefined);
  });

  it('binds to the real clock with the default host', async () => {
    const clock = new VirtualClock(0);
    const stop = bindClockToRealTime(clock);
    const fired = new Promise<number>((resolve) => clock.setTimer(20, () => resolve(clock.now())));
    const at = await fired;
    stop();
    assert.ok(at >= 20 && at < 1000, `fired at virtual ${at}`);
  });
});
