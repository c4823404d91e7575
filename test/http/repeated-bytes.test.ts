/**
 * RepeatedBytes.equalAt compares eight bytes at a time through doubles; the reference is a byte-by-byte loop. Every
 * range [from, from + count) of the pattern is compared at every alignment of the input, equal and with one byte
 * changed, including patterns whose words read as zero or NaN (where equal doubles need not be equal bytes).
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RepeatedBytes, wordsOf } from '../../src/http/repeated-bytes.ts';
import { cat } from '../helpers/bytes.ts';

function naiveEqual(b: Uint8Array, at: number, pattern: Uint8Array, from: number, count: number): boolean {
  for (let i = 0; i < count; i++) if (b[at + i] !== pattern[from + i]) return false;
  return true;
}

/** Every range of `pattern`, at every alignment, unchanged and with each byte of the range changed by `change`. */
function assertAllRanges(pattern: Uint8Array, change: (byte: number) => number): void {
  const repeated = new RepeatedBytes(pattern);
  for (let shift = 0; shift < 8; shift++) {
    const memory = new ArrayBuffer(pattern.length + 24);
    const b = new Uint8Array(memory, shift, pattern.length + 8);
    const words = wordsOf(b);
    for (let from = 0; from < pattern.length; from++) {
      for (let count = 0; from + count <= pattern.length; count++) {
        const at = (from + count) % 8;
        b.fill(0x2e);
        b.set(pattern.subarray(from, from + count), at);
        const label = `shift ${shift} from ${from} count ${count}`;
        assert.equal(repeated.equalAt(b, words, at, from, count), true, label);
        assert.equal(repeated.equalAt(b, undefined, at, from, count), true, label);
        for (let i = 0; i < count; i++) {
          const old = b[at + i]!;
          b[at + i] = change(old);
          const expected = naiveEqual(b, at, pattern, from, count);
          assert.equal(repeated.equalAt(b, words, at, from, count), expected, `${label} byte ${i}`);
          b[at + i] = old;
        }
      }
    }
  }
}

describe('RepeatedBytes.equalAt', () => {
  it('every range of a 202 answer at every alignment, equal and with each byte changed', () => {
    const accepted = cat('HTTP/1.1 202 Accepted\r\nDate: Sat, 28 Nov 2026 02:30:00 GMT\r\nContent-Length: 0\r\n\r\n');
    assertAllRanges(accepted, (x) => x ^ 0x20);
  });

  it('zero and NaN words: +0 against -0, and NaNs with other payloads, are told apart', () => {
    // 0x00 x 8 is +0 and 0x00 x 7 + 0x80 is -0 (equal doubles); 0xff x 8 and 0xff x 7 + 0x7f are both NaN.
    const zeros = cat('ab', new Uint8Array(20), 'cd');
    assertAllRanges(zeros, (x) => (x === 0 ? 0x80 : 0));
    const nans = cat('ab', new Uint8Array(20).fill(0xff), 'cd');
    assertAllRanges(nans, (x) => (x === 0xff ? 0x7f : 0xff));
  });

  it('random patterns and inputs against the byte loop (bounded)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.nat(7),
        fc.nat(),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 2 }),
        (pattern, shift, fromSeed, countSeed, edits) => {
          const from = fromSeed % pattern.length;
          const count = countSeed % (pattern.length - from + 1);
          const b = new Uint8Array(new ArrayBuffer(count + 16), shift, count + 8);
          b.set(pattern.subarray(from, from + count), 3);
          for (const [i, value] of edits) if (count > 0) b[3 + (i % count)] = value;
          const repeated = new RepeatedBytes(pattern);
          assert.equal(repeated.equalAt(b, wordsOf(b), 3, from, count), naiveEqual(b, 3, pattern, from, count));
        },
      ),
      { numRuns: 20_000, interruptAfterTimeLimit: 1000, markInterruptAsFailure: false },
    );
  });
});
