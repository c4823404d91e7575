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

  constructor(size: number) {
    // Not zero-filled: only bytes written into a batch are ever read (and slabs are never handed out).
    const memory = Buffer.allocUnsafeSlow(size);
    this.bytes = new Uint8Array(memory.buffer, memory.byteOffset, size);
  }
}

/** Size of every pooled slab. */
export const SLAB_BYTES = 64 * 1024;
/**
 * Free slabs kept for reuse (shared by every connection of the process), at most: MAX_FREE_IDLE for good (4 MiB),
 * up to MAX_FREE_BUSY (64 MiB) while slabs are being taken. Busy senders hold up to their queue bound (10,000
 * messages, ~52 slabs each by default) plus their socket buffer (1 MiB) in slabs, filled in bursts and written in
 * bursts: with 8 senders ~500 slabs are live, and a pool of 64 let most bursts take fresh memory again (a fresh
 * slab every ~200 messages, with its first-touch page faults: 20-30% of the CPU time of 8 busy connections).
 * The pool never holds more than the slabs live at the busiest moment before (it only keeps what was in use), and
 * falls back to MAX_FREE_IDLE once TRIM_AFTER_MS pass without a slab being taken.
 */
const MAX_FREE_IDLE = 64;
const MAX_FREE_BUSY = 1024;
const TRIM_AFTER_MS = 1000;
const free: Slab[] = [];
/** Whether a slab was taken since the trim timer was last set. */
let takenLately = false;
let trimTimer: NodeJS.Timeout | undefined;

/** A slab with nothing in flight, of at least `size` bytes (pooled when `size` is SLAB_BYTES). */
export function takeSlab(size = SLAB_BYTES): Slab {
  takenLately = true;
  if (size === SLAB_BYTES) {
    const slab = free.pop();
    if (slab !== undefined) {
      slab.pooled = false;
      slab.used = 0;
      slab.retired = false;
      return slab;
    }
  }
  return new Slab(size);
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

function recycle(slab: Slab): void {
  if (slab.bytes.length !== SLAB_BYTES || slab.pooled || free.length >= MAX_FREE_BUSY) return;
  slab.pooled = true;
  free.push(slab);
  if (free.length > MAX_FREE_IDLE && trimTimer === undefined) scheduleTrim();
}

function scheduleTrim(): void {
  takenLately = false;
  trimTimer = setTimeout(trimIfIdle, TRIM_AFTER_MS);
  // The pool must not keep a process alive.
  trimTimer.unref();
}

/** Back to MAX_FREE_IDLE free slabs once none was taken for TRIM_AFTER_MS (still busy: look again later). */
function trimIfIdle(): void {
  trimTimer = undefined;
  if (free.length <= MAX_FREE_IDLE) return;
  if (takenLately) {
    scheduleTrim();
    return;
  }
  for (const slab of free.splice(MAX_FREE_IDLE)) slab.pooled = false;
}
