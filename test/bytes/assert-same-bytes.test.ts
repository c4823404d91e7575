/** The tests' own assertSameBytes (test/helpers/bytes.ts): it must fail when bytes differ, and say where, quickly. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertSameBytes } from '../helpers/bytes.ts';

describe('assertSameBytes (test helper)', () => {
  it('passes equal bytes, views of other buffers included', () => {
    const bytes = Uint8Array.of(1, 2, 3, 4, 5);
    assertSameBytes(bytes.subarray(1, 4), Uint8Array.of(2, 3, 4));
    assertSameBytes(new Uint8Array(0), new Uint8Array(0));
  });

  it('fails on a differing byte or length, naming the first difference', () => {
    assert.throws(
      () => assertSameBytes(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 9, 3), 'm'),
      /^Error: m: bytes differ at 1 /,
    );
    assert.throws(
      () => assertSameBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 3)),
      /differ at 2 \(lengths 2 and 3\)/,
    );
  });

  it('describes 200 KB of wholly different bytes by their first difference (no diff of the whole arrays)', () => {
    const a = new Uint8Array(200_000).map((_, i) => i & 0xff);
    const b = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff);
    assert.throws(
      () => assertSameBytes(a, b),
      /^Error: bytes differ at 1 \(lengths 200000 and 200000\): 0001[0-9a-f]+ against 0007/,
    );
  });
});
