import { type ErrorCode, MesosWireError } from '../errors.ts';
import type { CapturedPacket, CaptureReader } from './packet.ts';

const NO_BYTES = new Uint8Array(0);

/**
 * What the pcap and pcapng readers share: counters, the first error (terminal: later calls re-throw it), the carry of
 * a unit cut by the end of a chunk, and the input held back when a packet handler threw. Each reader reads one chunk
 * in `read`, in place where it can.
 */
export abstract class ChunkedCaptureReader implements CaptureReader {
  protected readonly maxPacketBytes: number;
  protected failure: MesosWireError | undefined;
  protected delivered = 0;
  /** Absolute offset of the first byte not yet consumed (the start of the unit in `carry`, if any). */
  protected consumed = 0;
  /** The start of a unit cut by the end of a chunk: `carried` bytes of it are filled. */
  protected carry: Uint8Array = NO_BYTES;
  protected carried = 0;
  /** Input not yet read because a packet handler threw (read first by the next write). */
  protected readonly unread: Uint8Array[] = [];

  constructor(maxPacketBytes: number) {
    this.maxPacketBytes = maxPacketBytes;
  }

  get offset(): number {
    return this.consumed;
  }

  get packets(): number {
    return this.delivered;
  }

  /** The first error, once the reader has failed. */
  get error(): MesosWireError | undefined {
    return this.failure;
  }

  write(bytes: Uint8Array, onPacket: (packet: CapturedPacket) => void): void {
    if (this.failure) throw this.failure;
    if (this.unread.length === 0) {
      this.read(bytes, onPacket);
      return;
    }
    this.unread.push(bytes);
    while (this.unread.length > 0) this.read(this.unread.shift()!, onPacket);
  }

  abstract end(): void;

  /** Reads one input chunk: completes the unit carried over, reads what lies whole in place, carries the rest. */
  protected abstract read(bytes: Uint8Array, onPacket: (packet: CapturedPacket) => void): void;

  /** Fails for good: records the error and throws it. */
  protected fail(code: ErrorCode, message: string, offset: number): never {
    this.failure = new MesosWireError(code, message, { offset });
    throw this.failure;
  }
}
