/** unfilledBytes: plain Uint8Arrays over buffers of their own, of exactly the size asked, that releaseBytes frees. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isReleased, releaseBytes, unfilledBytes } from '../../src/bytes/index.ts';

describe('unfilledBytes', () => {
  it('gives a plain Uint8Array of its own buffer, offset 0, exactly n bytes, for small and large n', () => {
    for (const n of [0, 1, 4095, 4096, 65_536, 100_001]) {
      const bytes = unfilledBytes(n);
      assert.equal(bytes.constructor, Uint8Array, `${n}`);
      assert.equal(bytes.byteOffset, 0);
      assert.equal(bytes.length, n);
      assert.equal(bytes.buffer.byteLength, n, 'no pool: nothing else shares the buffer');
    }
  });

  it('small arrays are zeroed (below the size where skipping it pays)', () => {
    assert.ok(unfilledBytes(4095).every((b) => b === 0));
  });

  it('can be freed at once with releaseBytes', () => {
    const bytes = unfilledBytes(100_000);
    bytes.fill(7);
    assert.equal(releaseBytes(bytes), true);
    assert.equal(isReleased(bytes.buffer), true);
    assert.equal(bytes.length, 0);
  });
});
