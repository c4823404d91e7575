import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
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
  it('keeps what busy connections gave back, and only 64 once no slab was taken for a second', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const before = pooledSlabs();
      cycle(300);
      assert.equal(pooledSlabs(), Math.max(before, 300));
      // Still busy: a slab taken within the second keeps the pool for another second.
      const busy = takeSlab();
      mock.timers.tick(1000);
      assert.ok(pooledSlabs() > 64);
      retireSlab(busy);
      mock.timers.tick(1000);
      assert.equal(pooledSlabs(), 64);
      // Reused slabs come back empty; a slab given back twice is pooled once; other sizes are not pooled.
      const again = takeSlab();
      assert.deepEqual([again.used, again.retired, again.pooled, again.inFlight], [0, false, false, 0]);
      again.used = 100;
      retireSlab(again);
      retireSlab(again);
      assert.equal(pooledSlabs(), 64);
      const big = takeSlab(2 * SLAB_BYTES);
      assert.equal(big.bytes.length, 2 * SLAB_BYTES);
      retireSlab(big);
      assert.equal(pooledSlabs(), 64);
      assert.equal(takeSlab().used, 0);
    } finally {
      mock.timers.reset();
    }
  });

  it('holds at most 1024 free slabs however many are given back', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      cycle(1100);
      assert.equal(pooledSlabs(), 1024);
      mock.timers.tick(1000);
      assert.equal(pooledSlabs(), 64);
    } finally {
      mock.timers.reset();
    }
  });
});
