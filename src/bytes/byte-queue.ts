import { MesosWireError } from '../errors.ts';

/**
 * A FIFO of byte chunks with an absolute offset, for push-driven decoders.
 *
 * Input chunks are kept as given (no concatenation on push). `take(n)` returns a
 * view into a chunk when the n bytes lie inside one chunk, and copies only when
 * they span chunks. Views alias the caller's input: a caller that reuses its
 * buffers after `push` must copy what it keeps.
 */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private head = 0; // index of the first live chunk
  private headPos = 0; // read position inside chunks[head]
  private size = 0;
  /** Absolute stream offset of the next unread byte. */
  offset = 0;

  /** Bytes buffered and not yet read. */
  get length(): number {
    return this.size;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /** The byte at position i after the read position (i < length). */
  byteAt(i: number): number {
    let idx = this.head;
    let pos = this.headPos + i;
    while (pos >= this.chunks[idx]!.length) {
      pos -= this.chunks[idx]!.length;
      idx++;
    }
    return this.chunks[idx]![pos]!;
  }

  /**
   * Position (relative to the read position) of the first `byte` at or after
   * `from`, searching no further than `limit` bytes; -1 when not found.
   */
  indexOf(byte: number, from = 0, limit = this.size): number {
    const end = Math.min(limit, this.size);
    let base = 0;
    for (let idx = this.head; idx < this.chunks.length && base < end; idx++) {
      const chunk = this.chunks[idx]!;
      const start = idx === this.head ? this.headPos : 0;
      const avail = chunk.length - start;
      if (base + avail > from) {
        const rel = Math.max(0, from - base);
        const stop = Math.min(avail, end - base);
        const found = chunk.subarray(start + rel, start + stop).indexOf(byte);
        if (found >= 0) return base + rel + found;
      }
      base += avail;
    }
    return -1;
  }

  /** The next n bytes without consuming them (view when possible). */
  peek(n: number): Uint8Array {
    return this.read(n, false);
  }

  /** Consume and return the next n bytes (a view when they lie in one chunk). */
  take(n: number): Uint8Array {
    return this.read(n, true);
  }

  /** Drop the next n bytes. */
  skip(n: number): void {
    if (n > this.size) throw new MesosWireError('MW_INTERNAL', `skip(${n}) beyond ${this.size} buffered bytes`);
    this.size -= n;
    this.offset += n;
    while (n > 0) {
      const chunk = this.chunks[this.head]!;
      const avail = chunk.length - this.headPos;
      if (n < avail) {
        this.headPos += n;
        return;
      }
      n -= avail;
      this.dropHead();
    }
  }

  /** Everything still buffered, consumed (used at end of stream). */
  takeAll(): Uint8Array {
    return this.take(this.size);
  }

  private read(n: number, consume: boolean): Uint8Array {
    if (n > this.size) throw new MesosWireError('MW_INTERNAL', `read(${n}) beyond ${this.size} buffered bytes`);
    if (n === 0) return new Uint8Array(0);
    const first = this.chunks[this.head]!;
    if (first.length - this.headPos >= n) {
      const view = first.subarray(this.headPos, this.headPos + n);
      if (consume) this.skip(n);
      return view;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    let idx = this.head;
    let pos = this.headPos;
    while (filled < n) {
      const chunk = this.chunks[idx]!;
      const part = Math.min(chunk.length - pos, n - filled);
      out.set(chunk.subarray(pos, pos + part), filled);
      filled += part;
      idx++;
      pos = 0;
    }
    if (consume) this.skip(n);
    return out;
  }

  private dropHead(): void {
    // Release the reference so consumed input can be collected.
    (this.chunks as (Uint8Array | undefined)[])[this.head] = undefined;
    this.head++;
    this.headPos = 0;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
