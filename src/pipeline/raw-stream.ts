/**
 * One raw byte stream (a file or stdin) -> `RawStreamEvent`s: HTTP/1.x traffic through the session layer
 * (`RawSessionDecoder`: classification, typed bodies, pairing, RecordIO streams inside responses) or bare RecordIO
 * records. `auto` tells the two apart by the first bytes.
 */
import { linearOffsets, RecordTyper } from '../analysis/body-decode.ts';
import { isMesosWireError } from '../errors.ts';
import type { PbType } from '../proto/schema.ts';
import { RecordIoDecoder } from '../recordio/decoder.ts';
import { RawSessionDecoder } from './decode-sessions.ts';
import type { DecodedClose, DecodedDiagnostic, DecodedEvent, DecodedOpen } from './events.ts';
import { concatParts } from './session.ts';

/** What a raw stream holds: HTTP/1.x (libprocess traffic) or RecordIO records. */
export type RawInputKind = 'auto' | 'http' | 'recordio';

/** The events of a raw stream: no connections, and no diagnostics (raw streams report body errors as errors). */
export type RawStreamEvent = Exclude<DecodedEvent, DecodedDiagnostic | DecodedOpen | DecodedClose>;

/** Options of `RawStreamDecoder`. */
export interface RawStreamOptions {
  /** RecordIO `maxRecordBytes`. */
  maxRecordBytes?: number;
  /** Largest HTTP body collected (default 64 MiB); a bigger body is reported and skipped. RecordIO streams are never collected. */
  maxBodyBytes?: number;
  /** Type of every RecordIO record (`--type`); default: by endpoint, else detected. */
  recordType?: PbType;
  /** Decode bodies by wire name / endpoint and report undecodable ones (default true). */
  typed?: boolean;
}

// pcap (both byte orders, micro/nano) and pcapng section header magics.
const CAPTURE_MAGICS = [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a];
const DETECT_BYTES = 8;

/**
 * Decodes one raw byte stream into events: HTTP/1.x messages (libprocess messages classified as Mesos does, other
 * requests, responses paired with the requests before them) or RecordIO records. Bad input never throws: it becomes
 * an `error` event. HTTP decoding resynchronises at the next plausible message start and goes on; RecordIO decoding
 * stops at its first error (its length prefixes give no safe place to resume). `auto` looks at the first bytes: a
 * digit means RecordIO, an uppercase method or `HTTP/` means HTTP.
 *
 * An undecodable body is followed by an `error` event (offset of the failing body byte). A response whose body is
 * RecordIO framed is a stream: the `response` event comes as soon as that is known, then each `record`, then
 * `stream-end`.
 */
export class RawStreamDecoder {
  private readonly emit: (event: RawStreamEvent) => void;
  private readonly options: RawStreamOptions;
  private kind: RawInputKind;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private http: RawSessionDecoder | undefined;
  private recordio: RecordIoDecoder | undefined;
  private recordTyper: RecordTyper | undefined;
  private stopped = false;
  private ownErrors = 0;

  constructor(kind: RawInputKind, emit: (event: RawStreamEvent) => void, options: RawStreamOptions = {}) {
    this.kind = kind;
    this.emit = emit;
    this.options = options;
  }

  /** Number of error events emitted. */
  get errors(): number {
    return this.ownErrors + (this.http?.errors ?? 0);
  }

  /** Feeds the next piece of the stream. */
  write(chunk: Uint8Array): void {
    if (this.stopped || chunk.length === 0) return;
    if (this.kind === 'auto') {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes < DETECT_BYTES) return;
      this.detect();
      return;
    }
    this.feed(chunk);
  }

  /** Declares the end of the stream. */
  end(): void {
    if (this.stopped) return;
    if (this.kind === 'auto') {
      if (this.pendingBytes === 0) return;
      this.detect();
      if (this.stopped) return;
    }
    this.http?.end();
    if (this.recordio !== undefined) {
      const decoder = this.recordio;
      this.guard(() => decoder.end());
    }
  }

  private detect(): void {
    const head = concatParts(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    const first = head[0]!;
    if (head.length >= 4) {
      const magic = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
      if (CAPTURE_MAGICS.includes(magic)) {
        this.stop('this is a pcap/pcapng capture, not a raw byte stream');
        return;
      }
    }
    if (first >= 0x30 && first <= 0x39) this.kind = 'recordio';
    else if (first >= 0x41 && first <= 0x5a) this.kind = 'http';
    else {
      this.stop(
        `cannot tell what the stream holds (first byte 0x${first.toString(16).padStart(2, '0')}); use --input http or --input recordio`,
      );
      return;
    }
    this.feed(head);
  }

  private feed(chunk: Uint8Array): void {
    if (this.kind === 'recordio') {
      this.recordio ??= new RecordIoDecoder({ maxRecordBytes: this.options.maxRecordBytes });
      this.recordTyper ??= new RecordTyper({ type: this.options.recordType });
      const decoder = this.recordio;
      const typer = this.recordTyper;
      const typed = this.options.typed !== false;
      this.guard(() =>
        decoder.write(chunk, (record, offset, dataOffset) => {
          const event: RawStreamEvent = { type: 'record', offset, dataOffset, length: record.length, body: record };
          if (typed) event.typed = typer.type(record, linearOffsets(dataOffset));
          this.emit(event);
          const error = event.typed !== undefined && 'error' in event.typed ? event.typed.error : undefined;
          if (error !== undefined) this.report(error.code, error.offset, error.message);
        }),
      );
      return;
    }
    this.http ??= new RawSessionDecoder(this.emit as (event: DecodedEvent) => void, {
      maxRecordBytes: this.options.maxRecordBytes,
      maxBodyBytes: this.options.maxBodyBytes,
      recordType: this.options.recordType,
      typed: this.options.typed,
      bodyErrors: 'error',
      responseLabels: 'api-target',
      diagnostics: false,
    });
    this.http.write(chunk);
  }

  /** Runs a RecordIO decoder call: its first error is an error event and ends decoding. */
  private guard(call: () => void): void {
    try {
      call();
    } catch (error) {
      if (!isMesosWireError(error) || error.code === 'MW_DECODER_FAILED') throw error; // a bug, not bad input
      this.report(error.code, error.offset, error.message);
      this.stopped = true;
    }
  }

  private report(code: string, offset: number | undefined, message: string): void {
    this.ownErrors++;
    this.emit({ type: 'error', code, offset, message });
  }

  private stop(message: string): void {
    this.report('MW_CAPTURE_UNKNOWN_FORMAT', 0, message);
    this.stopped = true;
  }
}
