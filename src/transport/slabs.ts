import { unfilledBytes } from '../bytes/index.ts';

/**
 * Reusable memory for outgoing socket writes. Small messages and answers are copied one after another into a slab
 * and a range of it is written with one `socket.write()`; allocating a fresh 64 KiB array for every batch costs more
 * than encoding the ~200 messages it holds, so slabs whose writes have completed are used again.
 *
 * A slab counts the batches carved from it that are queued or still being written (`inFlight`); its bytes are
 * only rewritten when none is left, i.e. when no socket can still read them.
 */
export class Slab {
  readonly bytes: Uint8Array;
  /** Bytes used from the start; batches are carved from `[used, ...)`. */
  used = 0;
  /** Batches of this slab queued or being written. */
  inFlight = 0;
  /** True once no new batch will start in it (it returns to the pool when `inFlight` falls to 0). */
  retired = false;
  /** True while it waits in the pool. */
  pooled = false;
  /** True from takeSlab until it is given back (pooled or dropped). */
  taken = false;

  constructor(size: number) {
    // Not zero-filled: only bytes written into a batch are ever read (and slabs are never handed out).
    this.bytes = unfilledBytes(size);
  }
}

/** Size of every pooled slab. */
export const SLAB_BYTES = 64 * 1024;
/**
 * Free slabs kept for reuse, at most (shared by every connection of the process: 4 MiB). Busy connections each
 * hold up to their socket buffer (256 KiB by default; queued messages take no slab) in slabs whose writes complete
 * in bursts; 16 free slabs were too few for 8 busy connections (a fresh slab every ~200 messages again).
 *
 * Not more: a pool of 1024 (kept while slabs were being taken) made 8 busy senders 20-30% cheaper per message in
 * the loopback bench, but a sender whose peer only reads became 3x slower: with no slab allocated any more, glibc
 * returned the memory of Node's freed 64 KiB read buffers to the kernel and faulted it in again for every read
 * (MALLOC_TRIM_THRESHOLD_ made it fast again). See bench/transport-loopback.md.
 */
const MAX_FREE = 64;
const free: Slab[] = [];
// Slabs taken and not yet given back (tests).
let inUse = 0;

/** A slab with nothing in flight, of at least `size` bytes (pooled when `size` is SLAB_BYTES). */
export function takeSlab(size = SLAB_BYTES): Slab {
  inUse++;
  if (size === SLAB_BYTES) {
    const slab = free.pop();
    if (slab !== undefined) {
      slab.pooled = false;
      slab.used = 0;
      slab.retired = false;
      slab.taken = true;
      return slab;
    }
  }
  const slab = new Slab(size);
  slab.taken = true;
  return slab;
}

/** No batch will start in `slab` any more: it goes back to the pool once its batches are written. */
export function retireSlab(slab: Slab): void {
  slab.retired = true;
  if (slab.inFlight === 0) recycle(slab);
}

/** One batch of `slab` was written (or dropped without being written). */
export function releaseBatch(slab: Slab): void {
  slab.inFlight--;
  if (slab.inFlight === 0 && slab.retired) recycle(slab);
}

/** Slabs in the pool now (tests). */
export function pooledSlabs(): number {
  return free.length;
}

/** Slabs taken and not given back yet, process-wide (tests: what holds outgoing bytes). */
export function slabsInUse(): number {
  return inUse;
}

function recycle(slab: Slab): void {
  if (slab.taken) {
    slab.taken = false;
    inUse--;
  }
  if (slab.bytes.length !== SLAB_BYTES || slab.pooled || free.length >= MAX_FREE) return;
  slab.pooled = true;
  free.push(slab);
}
