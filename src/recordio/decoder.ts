import { LF } from '../bytes/ascii.ts';
import { type MesosWireError, mwError } from '../errors.ts';

/** Default `maxRecordBytes`: 64 MiB, as protobuf-es `readMaxBytes`. */
export const MAX_RECORD_BYTES_DEFAULT = 64 * 1024 * 1024;

/** A record length is a uint64 in the grammar: at most 20 decimal digits (leading zeros included). */
export const MAX_LENGTH_DIGITS = 20;

/**
 * First capacity of a record that spans writes (or the bytes in hand, if more); it then doubles up to the record's
 * length as bytes arrive, so a length line announcing 64 MiB followed by a few bytes costs 64 KiB, not 64 MiB.
 */
const RECORD_CAPACITY_START = 64 * 1024;

/** Options of `RecordIoDecoder`. */
export interface RecordIoDecoderOptions {
  /** Largest record accepted, checked against the length line before any byte is buffered. Default 64 MiB. */
  maxRecordBytes?: number;
  /** Absolute offset of the first byte fed (default 0); every offset reported is relative to it. */
  startOffset?: number;
  /** Named leniencies, all off by default. */
  lenient?: {
    /**
     * Accept a `0x`/`0X` hexadecimal length line (`0x2\n..`), as stout's C++ decoder does through
     * `numify`. Mesos never writes one (wire-protocol.md §4.3, §6.8).
     */
    hexLength?: boolean;
  };
}

/**
 * Receives each record. `record` is a view into the caller's input when the
 * record lies inside one `write` chunk (copy it to keep it past the caller's
 * buffer reuse), else a fresh array. `offset` is the absolute offset of the
 * record's length line, `dataOffset` that of its first data byte.
 */
export type RecordIoRecordHandler = (record: Uint8Array, offset: number, dataOffset: number) => void;

// States, named after what the decoder waits for.
const LENGTH = 0; // digits of a length line (or its terminating LF)
const HEX_PREFIX = 1; // lenient hex: the 'x' after a leading '0'
const HEX_DIGITS = 2; // lenient hex: hex digits or LF
const DATA = 3; // record bytes
const FAILED = 4;

const HEX_DIGIT_VALUE = (c: number): number =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;

/**
 * Push-driven decoder of RecordIO, the framing of the v1 API event streams:
 * a decimal length, `\n`, then that many bytes, repeated, with no separator
 * (wire-protocol.md §4.3; stout `recordio.hpp`).
 *
 * - `write(bytes, onRecord)` delivers every complete record synchronously, in
 *   order, then throws a MesosWireError if the input is bad: `MW_RECORDIO_BAD_LENGTH`
 *   (empty length line, non-digit), `MW_RECORDIO_LENGTH_OVERFLOW` (more than 20
 *   digits), `MW_RECORDIO_RECORD_TOO_LARGE` (length above `maxRecordBytes`,
 *   found while the digits are read, before anything is buffered; its offset is the
 *   start of the length line). Other errors carry the offset of the offending byte.
 * - Failure is terminal, as in stout: later `write`/`end` calls re-throw the first error.
 * - `end()` throws `MW_RECORDIO_TRUNCATED` when input stops inside a length line or a record
 *   (stout's typed reader silently drops such a tail; mesos-wire reports it).
 * - Zero-length records are delivered (Mesos never sends them, but the grammar allows them).
 * - Memory follows bytes received: a record that spans writes is collected in a buffer of 64 KiB (or the bytes in
 *   hand), doubled as bytes arrive up to the record's length, so at most max(64 KiB, 2 x bytes received).
 * - A blank length line is an error, as in the C++ decoder (the docs' pseudo-code skips it).
 */
export class RecordIoDecoder {
  private readonly maxRecordBytes: number;
  private readonly hexLength: boolean;
  private state = LENGTH;
  private pos: number;
  private recordStart: number;
  private lengthDigits = 0;
  private length = 0;
  private partial: Uint8Array | undefined;
  private filled = 0;
  private failure: MesosWireError | undefined;

  constructor(options: RecordIoDecoderOptions = {}) {
    const max = options.maxRecordBytes ?? MAX_RECORD_BYTES_DEFAULT;
    if (!Number.isSafeInteger(max) || max < 0) {
      throw mwError('MW_INVALID_ARGUMENT', `maxRecordBytes must be a non-negative safe integer, got ${max}`);
    }
    this.maxRecordBytes = max;
    this.hexLength = options.lenient?.hexLength === true;
    this.pos = options.startOffset ?? 0;
    this.recordStart = this.pos;
  }

  /** Absolute offset of the next byte to be consumed. */
  get offset(): number {
    return this.pos;
  }

  /** The error that failed the decoder, if any. */
  get error(): MesosWireError | undefined {
    return this.failure;
  }

  /** True when no record or length line is in progress (a clean place for the stream to end). */
  get atRecordBoundary(): boolean {
    return this.state === LENGTH && this.lengthDigits === 0;
  }

  /**
   * Feeds bytes; calls `onRecord` for each complete record; throws on bad input (after delivering earlier records).
   * A handler that throws fails the decoder too (`MW_DECODER_FAILED`, the handler's error as cause); `write`
   * rethrows the handler's own error.
   */
  write(bytes: Uint8Array, onRecord: RecordIoRecordHandler): void {
    if (this.failure !== undefined) throw this.failure;
    try {
      this.run(bytes, onRecord);
    } catch (error) {
      if (this.failure === undefined) {
        this.failure = mwError('MW_DECODER_FAILED', 'a RecordIO record handler threw; the decoder is failed', {
          cause: error,
          offset: this.recordStart,
        });
        this.state = FAILED;
        this.partial = undefined;
      }
      throw error;
    }
  }

  private run(bytes: Uint8Array, onRecord: RecordIoRecordHandler): void {
    let i = 0;
    const n = bytes.length;
    while (i < n) {
      switch (this.state) {
        case LENGTH: {
          const c = bytes[i]!;
          if (c >= 0x30 && c <= 0x39) {
            if (this.lengthDigits === 0) this.recordStart = this.pos + i;
            if (++this.lengthDigits > MAX_LENGTH_DIGITS) {
              throw this.fail('MW_RECORDIO_LENGTH_OVERFLOW', `length has more than ${MAX_LENGTH_DIGITS} digits`, i);
            }
            this.length = this.length * 10 + (c - 0x30);
            if (this.length > this.maxRecordBytes) throw this.tooLarge(i);
            if (this.hexLength && this.lengthDigits === 1 && c === 0x30) this.state = HEX_PREFIX;
            i++;
            continue;
          }
          if (c === LF) {
            if (this.lengthDigits === 0) {
              this.recordStart = this.pos + i;
              throw this.fail('MW_RECORDIO_BAD_LENGTH', 'empty length line', i);
            }
            i++;
            this.beginData(i, onRecord);
            continue;
          }
          if (this.lengthDigits === 0) this.recordStart = this.pos + i;
          throw this.fail('MW_RECORDIO_BAD_LENGTH', `length line has a non-digit byte ${hexByte(c)}`, i);
        }
        case HEX_PREFIX: {
          const c = bytes[i]!;
          if (c === 0x78 || c === 0x58) {
            this.state = HEX_DIGITS;
            this.lengthDigits = 0;
            this.length = 0;
            i++;
            continue;
          }
          this.state = LENGTH; // a plain leading zero; re-examine c as a decimal digit
          continue;
        }
        case HEX_DIGITS: {
          const c = bytes[i]!;
          const v = HEX_DIGIT_VALUE(c);
          if (v >= 0) {
            // 16 hex digits hold a uint64; more can only be overflow.
            if (++this.lengthDigits > 16) throw this.fail('MW_RECORDIO_LENGTH_OVERFLOW', 'hex length too long', i);
            this.length = this.length * 16 + v;
            if (this.length > this.maxRecordBytes) throw this.tooLarge(i);
            i++;
            continue;
          }
          if (c === LF && this.lengthDigits > 0) {
            this.state = LENGTH;
            i++;
            this.beginData(i, onRecord);
            continue;
          }
          throw this.fail('MW_RECORDIO_BAD_LENGTH', `hex length line has a bad byte ${hexByte(c)}`, i);
        }
        case DATA: {
          const need = this.length - this.filled;
          const avail = n - i;
          if (this.partial === undefined && avail >= need) {
            // Whole record inside this chunk: hand out a view.
            const record = bytes.subarray(i, i + need);
            i += need;
            this.finishRecord(record, i, onRecord);
            continue;
          }
          const take = Math.min(need, avail);
          const filled = this.filled + take;
          let partial = this.partial ?? EMPTY;
          if (filled > partial.length) partial = this.grow(partial, filled);
          partial.set(bytes.subarray(i, i + take), this.filled);
          this.filled = filled;
          i += take;
          if (filled === this.length) {
            const record = partial;
            this.partial = undefined;
            this.finishRecord(record, i, onRecord);
          }
          continue;
        }
        default:
          throw this.failure!;
      }
    }
    this.pos += n;
  }

  /**
   * Declares the end of the stream. Throws `MW_RECORDIO_TRUNCATED` (offset =
   * start of the unfinished record) when a length line or record is incomplete.
   */
  end(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.state === DATA) {
      this.failure = mwError(
        'MW_RECORDIO_TRUNCATED',
        `stream ended after ${this.filled} of ${this.length} record bytes`,
        { offset: this.recordStart, detail: { expected: this.length, received: this.filled, endOffset: this.pos } },
      );
      this.state = FAILED;
      throw this.failure;
    }
    if (this.lengthDigits > 0 || this.state !== LENGTH) {
      this.failure = mwError('MW_RECORDIO_TRUNCATED', 'stream ended inside a length line', {
        offset: this.recordStart,
        detail: { endOffset: this.pos },
      });
      this.state = FAILED;
      throw this.failure;
    }
  }

  /** After a length line's LF at chunk index i: emits a zero-length record at once, else waits for data. */
  private beginData(i: number, onRecord: RecordIoRecordHandler): void {
    if (this.length === 0) {
      this.finishRecord(new Uint8Array(0), i, onRecord);
      return;
    }
    this.state = DATA;
    this.filled = 0;
  }

  /**
   * A record buffer that holds at least `filled` bytes: sized by bytes received, never by the length line alone (a
   * hostile length must not buy memory), doubling for amortised O(n) copying, and capped at the record's length so a
   * complete record is exactly full.
   */
  private grow(partial: Uint8Array, filled: number): Uint8Array {
    const grown = new Uint8Array(Math.min(this.length, Math.max(filled, 2 * partial.length, RECORD_CAPACITY_START)));
    if (this.filled > 0) grown.set(partial.subarray(0, this.filled));
    this.partial = grown;
    return grown;
  }

  private finishRecord(record: Uint8Array, nextIndex: number, onRecord: RecordIoRecordHandler): void {
    const start = this.recordStart;
    const dataOffset = this.pos + nextIndex - record.length;
    this.state = LENGTH;
    this.lengthDigits = 0;
    this.length = 0;
    this.filled = 0;
    this.recordStart = this.pos + nextIndex;
    onRecord(record, start, dataOffset);
  }

  private tooLarge(i: number): never {
    throw this.fail(
      'MW_RECORDIO_RECORD_TOO_LARGE',
      `record length exceeds maxRecordBytes (${this.maxRecordBytes})`,
      i,
      this.recordStart,
    );
  }

  /** Enters the terminal FAILED state; returns the error for the caller to throw. */
  private fail(
    code: 'MW_RECORDIO_BAD_LENGTH' | 'MW_RECORDIO_LENGTH_OVERFLOW' | 'MW_RECORDIO_RECORD_TOO_LARGE',
    message: string,
    index: number,
    offset = this.pos + index,
  ): MesosWireError {
    this.failure = mwError(code, message, {
      offset,
      detail: { maxRecordBytes: this.maxRecordBytes, recordOffset: this.recordStart },
    });
    this.state = FAILED;
    this.partial = undefined;
    this.pos += index;
    return this.failure;
  }
}

const EMPTY = new Uint8Array(0);

function hexByte(c: number): string {
  return `0x${c.toString(16).padStart(2, '0')}`;
}
