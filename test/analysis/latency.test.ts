/** LatencyTracker: exact nearest-rank percentiles, then a histogram within 0.05%, with bounded pending starts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LatencyTracker } from '../../src/analysis/latency.ts';

/** The ceil(p% of n)-th smallest, rounded to microseconds as the summary does. */
function nearestRank(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.ceil((p / 100) * sorted.length) - 1]! * 1000) / 1000;
}

function track(latencies: number[], limits?: { exact?: number; maxPending?: number }): LatencyTracker {
  const tracker = new LatencyTracker(limits);
  latencies.forEach((ms, i) => {
    tracker.start(`k${i}`, 1000);
    tracker.end(`k${i}`, 1000 + ms);
  });
  return tracker;
}

describe('LatencyTracker', () => {
  it('literal: exact nearest ranks while few', () => {
    const summary = track([5, 1, 4, 2, 3, 10, 7, 6, 9, 8]).summary();
    assert.deepEqual(summary, { count: 10, p50: 5, p90: 9, p99: 10, max: 10, unmatched: 0 });
  });

  it('beyond the exact limit: percentiles within 0.05% (plus microsecond rounding), max exact (fast-check)', () => {
    const latency = fc.oneof(
      fc.double({ min: 0, max: 2, noNaN: true }),
      fc.double({ min: 0, max: 5000, noNaN: true }),
      fc.integer({ min: 0, max: 86_400_000 }),
    );
    fc.assert(
      fc.property(fc.array(latency, { minLength: 11, maxLength: 400 }), (values) => {
        const summary = track(values, { exact: 10 }).summary();
        assert.equal(summary.approximate, true);
        assert.equal(summary.count, values.length);
        assert.equal(summary.max, Math.round(Math.max(...values) * 1000) / 1000);
        for (const [p, got] of [
          [50, summary.p50],
          [90, summary.p90],
          [99, summary.p99],
        ] as const) {
          const exact = nearestRank(values, p);
          assert.ok(Math.abs(got! - exact) <= exact * 0.0005 + 0.0011, `p${p}: ${got} against ${exact}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('literal: the switch to the histogram keeps every latency counted', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    const summary = track(values, { exact: 100 }).summary();
    assert.equal(summary.count, 1000);
    assert.equal(summary.max, 1000);
    assert.ok(Math.abs(summary.p50! - 500) <= 0.25, String(summary.p50));
    assert.ok(Math.abs(summary.p90! - 900) <= 0.45, String(summary.p90));
    assert.ok(Math.abs(summary.p99! - 990) <= 0.5, String(summary.p99));
  });

  it('pending starts are bounded: the oldest is let go and counted unmatched', () => {
    const tracker = new LatencyTracker({ maxPending: 3 });
    for (const key of ['a', 'b', 'c', 'd']) tracker.start(key, 0);
    tracker.end('a', 5); // let go already: no latency
    tracker.end('d', 7);
    assert.deepEqual(tracker.summary(), { count: 1, p50: 7, p90: 7, p99: 7, max: 7, unmatched: 3 });
  });

  it('a start repeated after its end is not a new start, while the key is remembered (bounded, oldest first)', () => {
    const tracker = new LatencyTracker({ maxPending: 2 });
    tracker.start('a', 0);
    tracker.end('a', 1);
    tracker.start('a', 2); // remembered: ignored
    tracker.end('a', 3);
    tracker.start('b', 0);
    tracker.end('b', 1);
    tracker.start('c', 0);
    tracker.end('c', 1); // 'a' is forgotten now (two keys remembered)
    tracker.start('a', 10);
    tracker.end('a', 14);
    assert.deepEqual(tracker.summary(), { count: 4, p50: 1, p90: 4, p99: 4, max: 4, unmatched: 0 });
  });
});
