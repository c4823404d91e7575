/** Node's Buffer when running on Node: allocUnsafeSlow gives memory that is not zeroed, in a buffer of its own. */
const nodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(size: number): Uint8Array } }).Buffer;

/** Below this, zeroing costs less than the extra call. */
const UNFILLED_MIN_BYTES = 4096;

/**
 * `n` bytes whose first contents are unspecified (on Node, not zeroed: zeroing a large array the caller is about to
 * overwrite is a pass over its memory for nothing). Only for an array the caller fills completely before anyone else
 * can read any of it. A Uint8Array over an ArrayBuffer of its own (offset 0, `n` bytes), so releaseBytes can free it.
 */
export function unfilledBytes(n: number): Uint8Array {
  if (nodeBuffer === undefined || n < UNFILLED_MIN_BYTES) return new Uint8Array(n);
  const bytes = nodeBuffer.allocUnsafeSlow(n);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, n);
}
