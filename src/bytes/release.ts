/** ES2024 members of ArrayBuffer that the project's es2023 lib does not declare. */
interface TransferableArrayBuffer {
  readonly detached?: boolean;
  transfer?(newLength?: number): ArrayBuffer;
}

/**
 * Frees the memory behind `view` at once when the view spans its whole ArrayBuffer (what a socket read hands out):
 * the buffer is detached (`ArrayBuffer.prototype.transfer(0)`), so its store goes back to the allocator now instead
 * of at the next garbage collection, and the next allocation of that size reuses memory still in the cache. Every
 * view of that buffer then reads as empty. Returns false, doing nothing, for a view of part of a larger buffer (a
 * pooled or shared one, whose other bytes someone else may be reading) or on a runtime without `transfer`.
 */
export function releaseBytes(view: Uint8Array): boolean {
  const buffer = view.buffer as ArrayBuffer & TransferableArrayBuffer;
  if (view.byteOffset !== 0 || view.byteLength !== buffer.byteLength || buffer.byteLength === 0) return false;
  if (typeof buffer.transfer !== 'function') return false;
  buffer.transfer(0);
  return true;
}

/** True when `buffer` was detached (by releaseBytes or another transfer): views of it read as empty. */
export function isReleased(buffer: ArrayBufferLike): boolean {
  return (buffer as ArrayBufferLike & TransferableArrayBuffer).detached === true;
}
