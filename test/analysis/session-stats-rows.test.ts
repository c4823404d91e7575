/** SessionStats rows (a slot cache in front of a Map) count exactly what a plain Map count gives. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SessionStats } from '../../src/analysis/session-stats.ts';
import type { DecodedEvent } from '../../src/pipeline/events.ts';

/** A message event with only what the flow breakdown reads. */
function item(flow: string, size: number): DecodedEvent {
  return { type: 'message', flow, offset: 0, end: size } as unknown as DecodedEvent;
}

describe('SessionStats rows', () => {
  it('per-flow items and bytes equal a plain count, whatever the keys and their order (fast-check)', () => {
    // Keys of equal length and equal characters at the sampled positions land in one slot: they must not mix.
    const keys = fc.constantFrom(
      '',
      'a',
      'b',
      'ab',
      'ba',
      'axxb',
      'bxxb',
      'ayyb',
      'xaxb',
      '10.0.0.1:1>10.0.0.2:5050',
      'é',
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(keys, fc.string({ maxLength: 6 })), fc.nat(100)), { maxLength: 200 }),
        (items) => {
          const stats = new SessionStats();
          const expected = new Map<string, { items: number; wireBytes: number }>();
          for (const [flow, size] of items) {
            stats.add(item(flow, size));
            const row = expected.get(flow) ?? { items: 0, wireBytes: 0 };
            row.items++;
            row.wireBytes += size;
            expected.set(flow, row);
          }
          const got = new Map(stats.summary().flows.map((r) => [r.key, { items: r.items, wireBytes: r.wireBytes }]));
          assert.deepEqual(got, expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('literal: keys sharing a slot (same length, same sampled characters), interleaved, keep separate rows', () => {
    const stats = new SessionStats();
    for (const flow of ['axxb', 'bxxb', 'axxb', 'bxxb', 'axxb']) stats.add(item(flow, 10));
    assert.deepEqual(stats.summary().flows, [
      { key: 'axxb', items: 3, wireBytes: 30 },
      { key: 'bxxb', items: 2, wireBytes: 20 },
    ]);
  });
});
