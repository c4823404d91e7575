import { isMesosWireError, type MesosWireError } from '../errors.ts';
import { HttpDecoder, type HttpMessage } from '../http/index.ts';
import { classifyRequest, formatUpid, guessMessageStyle } from '../libprocess/index.ts';
import { RecordIoDecoder } from '../recordio/index.ts';
import type { DecodeEvent } from './events.ts';

/** What a raw stream holds: HTTP/1.x (libprocess traffic) or RecordIO records. */
export type RawInputKind = 'auto' | 'http' | 'recordio';

/** Options of `RawStreamDecoder`. */
export interface RawStreamOptions {
  /** RecordIO `maxRecordBytes`. */
  maxRecordBytes?: number;
}

// pcap (both byte orders, micro/nano) and pcapng section header magics.
const CAPTURE_MAGICS = [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a];
const DETECT_BYTES = 8;

/**
 * Decodes one raw byte stream into `DecodeEvent`s: HTTP/1.x messages (libprocess messages
 * classified as Mesos does, other requests, responses) or RecordIO records. Bad input never
 * throws: it becomes an `error` event. HTTP decoding resynchronises at the next plausible
 * message start (`HttpDecoder.resync`) and goes on; RecordIO decoding stops at its first error
 * (its length prefixes give no safe place to resume). `auto` looks at the first bytes: a digit
 * means RecordIO, an uppercase method or `HTTP/` means HTTP.
 */
export class RawStreamDecoder {
  private readonly emit: (event: DecodeEvent) => void;
  private readonly options: RawStreamOptions;
  private kind: RawInputKind;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private http: HttpDecoder | undefined;
  private recordio: RecordIoDecoder | undefined;
  private stopped = false;
  /** Number of error events emitted. */
  errors = 0;

  constructor(kind: RawInputKind, emit: (event: DecodeEvent) => void, options: RawStreamOptions = {}) {
    this.kind = kind;
    this.emit = emit;
    this.options = options;
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
    if (this.http !== undefined) this.guard(() => this.http!.end());
    if (this.recordio !== undefined) this.guard(() => this.recordio!.end());
  }

  private detect(): void {
    const head = concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    const first = head[0]!;
    if (head.length >= 4) {
      const magic = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
      if (CAPTURE_MAGICS.includes(magic)) {
        this.reportStop('MW_CAPTURE_UNKNOWN_FORMAT', 'this is a pcap/pcapng capture, not a raw byte stream', 0);
        return;
      }
    }
    if (first >= 0x30 && first <= 0x39) this.kind = 'recordio';
    else if (first >= 0x41 && first <= 0x5a) this.kind = 'http';
    else {
      this.reportStop(
        'MW_CAPTURE_UNKNOWN_FORMAT',
        `cannot tell what the stream holds (first byte 0x${first.toString(16).padStart(2, '0')}); use --input http or --input recordio`,
        0,
      );
      return;
    }
    this.feed(head);
  }

  private feed(chunk: Uint8Array): void {
    if (this.kind === 'recordio') {
      this.recordio ??= new RecordIoDecoder({ maxRecordBytes: this.options.maxRecordBytes });
      const decoder = this.recordio;
      this.guard(() =>
        decoder.write(chunk, (record, offset, dataOffset) =>
          this.emit({ type: 'record', offset, dataOffset, length: record.length, body: record }),
        ),
      );
      return;
    }
    this.http ??= new HttpDecoder({ onMessage: (m) => this.emit(httpEvent(m)) }, { expect: 'any' });
    const decoder = this.http;
    this.guard(() => decoder.write(chunk));
  }

  /** Runs a decoder call; turns its errors into events and resynchronises HTTP (which may raise again). */
  private guard(call: () => void): void {
    let next: (() => void) | undefined = call;
    while (next !== undefined) {
      try {
        next();
        next = undefined;
      } catch (error) {
        if (!isMesosWireError(error) || error.code === 'MW_DECODER_FAILED') throw error; // a bug, not bad input
        this.report(error);
        if (this.http !== undefined && this.kind === 'http') {
          const http = this.http;
          next = () => http.resync();
        } else {
          this.stopped = true;
          next = undefined;
        }
      }
    }
  }

  private report(error: MesosWireError): void {
    this.errors++;
    this.emit({ type: 'error', code: error.code, offset: error.offset, message: error.message });
  }

  private reportStop(code: 'MW_CAPTURE_UNKNOWN_FORMAT', message: string, offset: number): void {
    this.errors++;
    this.stopped = true;
    this.emit({ type: 'error', code, offset, message });
  }
}

/** The event for one decoded HTTP message. */
export function httpEvent(m: HttpMessage): DecodeEvent {
  const common = {
    offset: m.offset,
    end: m.end,
    version: m.version,
    framing: m.framing,
    chunks: m.chunks,
    body: m.body,
    trailers: m.trailers,
  };
  if (m.kind === 'response') {
    return { type: 'response', ...common, status: m.status, reason: m.reason, headers: m.headers };
  }
  const c = classifyRequest(m);
  if (c.kind === 'message') {
    return {
      type: 'message',
      ...common,
      from: formatUpid(c.from),
      fromText: c.fromText,
      fromValid: c.fromValid,
      fromSource: c.fromSource,
      to: c.to,
      name: c.name,
      style: guessMessageStyle(m),
    };
  }
  const event: DecodeEvent = { type: 'request', ...common, method: m.method, target: m.target, headers: m.headers };
  if (c.kind === 'rejected') {
    event.rejected = { status: c.status, code: c.error.code, message: c.error.message };
  }
  return event;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
