import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pooledSlabs, releaseBatch, retireSlab, SLAB_BYTES, type Slab, takeSlab } from '../../src/transport/slabs.ts';

/** Takes `n` slabs and gives them all back (each had one batch, written). */
function cycle(n: number): Slab[] {
  const slabs = Array.from({ length: n }, () => takeSlab());
  for (const slab of slabs) {
    slab.inFlight++;
    retireSlab(slab);
    releaseBatch(slab);
  }
  return slabs;
}

describe('slab pool', () => {
  it('keeps at most 64 free slabs; reused ones come back empty; a slab given back twice is pooled once', () => {
    const slabs = cycle(100);
    assert.equal(pooledSlabs(), 64);
    const again = takeSlab();
    assert.ok(slabs.includes(again));
    assert.deepEqual([again.used, again.retired, again.pooled, again.inFlight], [0, false, false, 0]);
    again.used = 100;
    retireSlab(again);
    retireSlab(again);
    assert.equal(pooledSlabs(), 64);
    assert.equal(takeSlab(), again);
    assert.equal(again.used, 0);
    assert.equal(pooledSlabs(), 63);
    // Other sizes are not pooled.
    const big = takeSlab(2 * SLAB_BYTES);
    assert.equal(big.bytes.length, 2 * SLAB_BYTES);
    retireSlab(big);
    assert.equal(pooledSlabs(), 63);
  });
});
