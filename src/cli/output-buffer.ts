import type { Writable } from 'node:stream';
import { drained } from './context.ts';

/** Bytes handed to the output stream at a time (a line longer than this goes on its own). */
export const OUTPUT_BUFFER_BYTES = 64 * 1024;

/**
 * Output text encoded into byte buffers as it is produced, each handed to the stream when full. Why not strings:
 * lines concatenated until a piece is big enough make a rope, which the stream flattens into one large string and
 * then encodes into a Buffer (two copies, and a young-generation string of the piece's size that outlives many
 * scavenges); encoding each line straight into the buffer is one copy of the line.
 */
export class OutputBuffer {
  readonly #stream: Writable;
  readonly #size: number;
  #bytes: Buffer;
  #used = 0;

  constructor(stream: Writable, size = OUTPUT_BUFFER_BYTES) {
    this.#stream = stream;
    this.#size = size;
    this.#bytes = Buffer.allocUnsafe(size);
  }

  /** Adds text after what is held; a full buffer goes to the stream (which keeps what it cannot write yet). */
  add(text: string): void {
    if (text.length === 0) return;
    const room = this.#size - this.#used;
    // UTF-8 takes 1 to 3 bytes per UTF-16 code unit: the byte count is only worked out when it might not fit.
    if (text.length * 3 > room && (text.length > room || Buffer.byteLength(text) > room)) {
      this.handOn();
      if (text.length * 3 > this.#size && Buffer.byteLength(text) > this.#size) {
        this.#stream.write(text);
        return;
      }
    }
    this.#used += this.#bytes.write(text, this.#used);
  }

  /** Hands what is held to the stream, without waiting. */
  handOn(): void {
    if (this.#used === 0) return;
    this.#stream.write(this.#bytes.subarray(0, this.#used));
    // The stream may hold on to the bytes until it has written them: the next ones go to a new buffer.
    this.#bytes = Buffer.allocUnsafe(this.#size);
    this.#used = 0;
  }

  /** Hands what is held to the stream, then waits while the stream holds more than its high-water mark. */
  async flush(): Promise<void> {
    this.handOn();
    await drained(this.#stream);
  }
}
