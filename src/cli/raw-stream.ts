import {
  type BodyOffsetMap,
  BodySegments,
  endpointTypes,
  linearOffsets,
  RecordTyper,
  type TypedBody,
} from '../analysis/body-decode.ts';
import { isMesosWireError, type MesosWireError } from '../errors.ts';
import { getHeader, HttpDecoder, type HttpHead, type HttpMessage } from '../http/index.ts';
import {
  type ClassifiedMessage,
  classifyRequest,
  formatUpid,
  guessMessageStyle,
  parseUpidLikeMesosDetailed,
  targetPath,
} from '../libprocess/index.ts';
import type { PbType } from '../proto/schema.ts';
import { RecordIoDecoder } from '../recordio/index.ts';
import type { DecodeEvent, MessageEvent, ResponseEvent } from './events.ts';
import { typedBodyOf } from './render/body.ts';

/** What a raw stream holds: HTTP/1.x (libprocess traffic) or RecordIO records. */
export type RawInputKind = 'auto' | 'http' | 'recordio';

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
const MAX_BODY_BYTES_DEFAULT = 64 * 1024 * 1024;
/** Requests remembered to pair responses with (a stream of messages never answered must not grow it). */
const MAX_PENDING_REQUESTS = 64;
/** A RecordIO length line is at most 20 digits and its LF. */
const RECORDIO_SNIFF_BYTES = 21;

// What happens to the body of the message being decoded.
const COLLECT = 0; // kept whole for the message event
const SNIFF = 1; // first bytes held until they tell whether the body is a RecordIO stream
const STREAM = 2; // a RecordIO stream: records are decoded as the bytes arrive, nothing is kept
const SKIP = 3; // dropped (too large, or a failed RecordIO stream)

/** A request seen on the stream, waiting for its response. */
interface PendingRequest {
  target: string;
  endpoint: ReturnType<typeof endpointTypes>;
}

/** Body state of the message in flight. */
interface BodyState {
  head: HttpHead;
  mode: number;
  parts: Uint8Array[];
  size: number;
  segments: BodySegments;
  paired: PendingRequest | undefined;
  recordio: RecordIoDecoder | undefined;
  typer: RecordTyper | undefined;
  records: number;
  event: ResponseEvent | undefined;
}

/**
 * Does a body start like RecordIO (1 to 20 decimal digits without a leading zero, then LF)?
 * 1 yes, 0 no, -1 not enough bytes yet.
 */
export function sniffRecordIo(parts: readonly Uint8Array[]): number {
  let n = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      const b = part[i]!;
      if (b === 0x0a) return n > 0 ? 1 : 0;
      if (b < 0x30 || b > 0x39 || (n === 0 && b === 0x30) || n >= RECORDIO_SNIFF_BYTES - 1) return 0;
      n++;
    }
  }
  return -1;
}

/**
 * Decodes one raw byte stream into `DecodeEvent`s: HTTP/1.x messages (libprocess messages
 * classified as Mesos does, other requests, responses) or RecordIO records. Bad input never
 * throws: it becomes an `error` event. HTTP decoding resynchronises at the next plausible
 * message start (`HttpDecoder.resync`) and goes on; RecordIO decoding stops at its first error
 * (its length prefixes give no safe place to resume). `auto` looks at the first bytes: a digit
 * means RecordIO, an uppercase method or `HTTP/` means HTTP.
 *
 * Bodies are decoded by type (libprocess wire name, v1 API endpoint, RecordIO detection) and
 * an undecodable body is followed by an `error` event (offset of the failing body byte). A
 * response whose body is RecordIO framed (recognised by its bytes, whatever its Content-Type)
 * is a stream: the `response` event comes as soon as that is known, then each `record` as it
 * arrives, then `stream-end`.
 */
export class RawStreamDecoder {
  private readonly emit: (event: DecodeEvent) => void;
  private readonly options: RawStreamOptions;
  private readonly typed: boolean;
  private readonly maxBodyBytes: number;
  private kind: RawInputKind;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private http: HttpDecoder | undefined;
  private recordio: RecordIoDecoder | undefined;
  private recordTyper: RecordTyper | undefined;
  private body: BodyState | undefined;
  /** Requests waiting for their responses: a ring of MAX_PENDING_REQUESTS, oldest overwritten. */
  private requests: (PendingRequest | undefined)[] = new Array(MAX_PENDING_REQUESTS);
  private requestsHead = 0;
  private requestsCount = 0;
  private stopped = false;
  /** Number of error events emitted. */
  errors = 0;

  constructor(kind: RawInputKind, emit: (event: DecodeEvent) => void, options: RawStreamOptions = {}) {
    this.kind = kind;
    this.emit = emit;
    this.options = options;
    this.typed = options.typed !== false;
    this.maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES_DEFAULT;
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
      this.recordTyper ??= new RecordTyper({ type: this.options.recordType });
      const decoder = this.recordio;
      const typer = this.recordTyper;
      this.guard(() =>
        decoder.write(chunk, (record, offset, dataOffset) => {
          const event: DecodeEvent = { type: 'record', offset, dataOffset, length: record.length, body: record };
          if (this.typed) event.typed = typer.type(record, linearOffsets(dataOffset));
          this.emitTyped(event);
        }),
      );
      return;
    }
    this.http ??= new HttpDecoder(
      {
        onHead: (head) => this.onHead(head),
        onBody: (_head, piece, offset) => this.onBody(piece, offset),
        onMessage: (m) => this.onMessage(m),
      },
      { expect: 'any', streamBodies: true },
    );
    const decoder = this.http;
    this.guard(() => decoder.write(chunk));
  }

  private onHead(head: HttpHead): void {
    let paired: PendingRequest | undefined;
    let mode = COLLECT;
    if (head.kind === 'response') {
      paired = this.takeRequest();
      mode = SNIFF;
    } else if (
      // Streamed RecordIO requests exist only on the agent operator API (ATTACH_CONTAINER_INPUT): spare libprocess
      // messages the header lookup.
      head.target.includes('/api/v1') &&
      getHeader(head, 'Content-Type')?.toLowerCase() === 'application/recordio'
    )
      mode = SNIFF;
    this.body = {
      head,
      mode,
      parts: [],
      size: 0,
      segments: new BodySegments(),
      paired,
      recordio: undefined,
      typer: undefined,
      records: 0,
      event: undefined,
    };
  }

  private onBody(piece: Uint8Array, offset: number): void {
    const body = this.body!;
    body.segments.add(piece.length, offset);
    switch (body.mode) {
      case COLLECT:
        this.collect(body, piece, offset);
        return;
      case SNIFF: {
        this.collect(body, piece, offset);
        if (body.mode !== SNIFF) return;
        const verdict = sniffRecordIo(body.parts);
        // Content-Length bodies are finite: they are checked whole when complete (a protobuf may start like RecordIO).
        if (verdict === 0) body.mode = COLLECT;
        else if (verdict === 1 && body.head.framing !== 'content-length') this.startStream(body);
        return;
      }
      case STREAM:
        this.streamPiece(body, piece);
        return;
    }
  }

  private collect(body: BodyState, piece: Uint8Array, offset: number): void {
    if (body.size + piece.length > this.maxBodyBytes) {
      body.mode = SKIP;
      body.parts = [];
      this.report({
        code: 'MW_HTTP_BODY_TOO_LARGE',
        message: `body larger than ${this.maxBodyBytes} bytes (maxBodyBytes); skipped`,
        offset,
      });
      return;
    }
    body.parts.push(piece);
    body.size += piece.length;
  }

  /** Turns the held bytes of a response into a RecordIO stream: emits the response now, then its records. */
  private startStream(body: BodyState): void {
    body.mode = STREAM;
    const head = body.head;
    const event = httpEvent({
      ...headFields(head),
      chunks: [],
      body: EMPTY,
      trailers: [],
      end: 0,
    } as unknown as HttpMessage);
    if (event.type === 'response') {
      event.stream = 'recordio';
      if (body.paired?.endpoint !== undefined) event.request = body.paired.target;
      body.event = event;
    }
    this.emit(event);
    body.recordio = new RecordIoDecoder({ maxRecordBytes: this.options.maxRecordBytes });
    body.typer = new RecordTyper({
      type: this.options.recordType,
      streamType: body.paired?.endpoint?.event,
      contentType: getHeader(head, 'Message-Content-Type') ?? getHeader(head, 'Content-Type'),
    });
    const held = body.parts;
    body.parts = [];
    body.size = 0;
    for (const part of held) {
      if (body.mode !== STREAM) break;
      this.streamPiece(body, part);
    }
  }

  private streamPiece(body: BodyState, piece: Uint8Array): void {
    const decoder = body.recordio!;
    try {
      decoder.write(piece, (record, offset, dataOffset) => this.onStreamRecord(body, record, offset, dataOffset));
    } catch (error) {
      if (!isMesosWireError(error) || error.code === 'MW_DECODER_FAILED') throw error;
      body.mode = SKIP;
      this.report(rebased(error, body.segments.map));
    }
  }

  private onStreamRecord(body: BodyState, record: Uint8Array, offset: number, dataOffset: number): void {
    body.records++;
    const map = body.segments.map;
    const start = map(dataOffset);
    const event: DecodeEvent = {
      type: 'record',
      offset: map(offset),
      dataOffset: start,
      length: record.length,
      body: record,
      response: body.head.offset,
    };
    if (this.typed) event.typed = body.typer!.type(record, (i) => map(dataOffset + i));
    this.emitTyped(event);
    body.segments.forgetBefore(dataOffset + record.length);
  }

  private onMessage(m: HttpMessage): void {
    const body = this.body!;
    this.body = undefined;
    if (body.mode === SNIFF && body.head.framing === 'content-length' && this.isWholeRecordIo(body)) {
      this.startStream(body);
    }
    if (body.mode === STREAM || body.event !== undefined) {
      if (body.mode === STREAM) {
        try {
          body.recordio!.end();
        } catch (error) {
          if (!isMesosWireError(error)) throw error;
          this.report(rebased(error, body.segments.map));
        }
      }
      this.emit({
        type: 'stream-end',
        offset: m.offset,
        end: m.end,
        framing: m.framing,
        chunks: m.chunks,
        bodyLength: body.segments.length,
        records: body.records,
        trailers: m.trailers,
      });
      return;
    }
    const event = httpEvent(m);
    if (event.type !== 'message' && event.type !== 'request' && event.type !== 'response') return;
    event.body = concat(body.parts, body.size);
    event.bodyOffsets = body.segments.map;
    if (event.type === 'response' && body.paired?.endpoint !== undefined) event.request = body.paired.target;
    if (event.type !== 'response') {
      this.putRequest({
        target: event.type === 'message' ? event.name : event.target,
        endpoint: event.type === 'request' ? endpointTypes(event.target) : undefined,
      });
    }
    if (this.typed) event.typed = typedBodyOf(event, body.paired?.endpoint);
    this.emitTyped(event);
  }

  private putRequest(request: PendingRequest): void {
    const at = (this.requestsHead + this.requestsCount) % MAX_PENDING_REQUESTS;
    this.requests[at] = request;
    if (this.requestsCount < MAX_PENDING_REQUESTS) this.requestsCount++;
    else this.requestsHead = (this.requestsHead + 1) % MAX_PENDING_REQUESTS;
  }

  private takeRequest(): PendingRequest | undefined {
    if (this.requestsCount === 0) return undefined;
    const request = this.requests[this.requestsHead];
    this.requests[this.requestsHead] = undefined;
    this.requestsHead = (this.requestsHead + 1) % MAX_PENDING_REQUESTS;
    this.requestsCount--;
    return request;
  }

  /** A complete Content-Length body that starts like RecordIO and is nothing but whole records. */
  private isWholeRecordIo(body: BodyState): boolean {
    if (sniffRecordIo(body.parts) !== 1) return false;
    const probe = new RecordIoDecoder({ maxRecordBytes: this.options.maxRecordBytes });
    try {
      for (const part of body.parts) probe.write(part, () => {});
      probe.end();
      return true;
    } catch {
      return false;
    }
  }

  /** Emits an event, then an error event for its body when the body did not decode with its type. */
  private emitTyped(event: DecodeEvent): void {
    this.emit(event);
    const typed = (event as { typed?: TypedBody }).typed;
    const error = typed !== undefined && 'error' in typed ? typed.error : undefined;
    if (error !== undefined) this.report(error);
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
          this.body = undefined;
          const http = this.http;
          next = () => http.resync();
        } else {
          this.stopped = true;
          next = undefined;
        }
      }
    }
  }

  private report(error: Problem): void {
    this.errors++;
    this.emit({ type: 'error', code: error.code, offset: error.offset, message: error.message });
  }

  private reportStop(code: 'MW_CAPTURE_UNKNOWN_FORMAT', message: string, offset: number): void {
    this.errors++;
    this.stopped = true;
    this.emit({ type: 'error', code, offset, message });
  }
}

const EMPTY = new Uint8Array(0);

/** What an error event reports. */
interface Problem {
  code: string;
  offset: number | undefined;
  message: string;
}

/** An error of a body decoder (offsets in body indexes) with its offset in the stream. */
function rebased(error: MesosWireError, map: BodyOffsetMap): Problem {
  return {
    code: error.code,
    message: error.message,
    offset: error.offset === undefined ? undefined : map(error.offset),
  };
}

/** The head fields of a decoded head as a plain object (heads may keep fields behind getters). */
function headFields(head: HttpHead): Record<string, unknown> {
  const common = {
    offset: head.offset,
    version: head.version,
    headers: head.headers,
    headerBytes: head.headerBytes,
    framing: head.framing,
    contentLength: head.contentLength,
  };
  return head.kind === 'response'
    ? { ...common, kind: 'response', status: head.status, reason: head.reason }
    : { ...common, kind: 'request', method: head.method, target: head.target };
}

/**
 * The event for one decoded HTTP message. Header lists, the sender's formatted UPID and the sender style are read
 * on first access (decoded heads materialise header fields lazily, and `stats` never needs them).
 */
export function httpEvent(m: HttpMessage): DecodeEvent {
  if (m.kind === 'response') {
    return {
      type: 'response',
      offset: m.offset,
      end: m.end,
      version: m.version,
      framing: m.framing,
      chunks: m.chunks,
      body: m.body,
      trailers: m.trailers,
      status: m.status,
      reason: m.reason,
      get headers() {
        return m.headers;
      },
    };
  }
  // classifyRequest reads only Libprocess-From and, when it is absent, User-Agent (last one wins, any case): look
  // them up without materialising every header.
  const from = getHeader(m, 'Libprocess-From');
  const slim: { name: string; value: string }[] = [];
  if (from !== undefined) slim.push({ name: 'Libprocess-From', value: from });
  else {
    const agent = getHeader(m, 'User-Agent');
    if (agent !== undefined) slim.push({ name: 'User-Agent', value: agent });
  }
  const fast = m.method === 'POST' ? quickMessage(m.target, from, slim) : undefined;
  if (fast !== undefined) return new LibprocessMessageEvent(m, fast);
  const c = classifyRequest({ method: m.method, target: m.target, headers: slim });
  if (c.kind === 'message') return new LibprocessMessageEvent(m, c);
  const event: DecodeEvent = {
    type: 'request',
    offset: m.offset,
    end: m.end,
    version: m.version,
    framing: m.framing,
    chunks: m.chunks,
    body: m.body,
    trailers: m.trailers,
    method: m.method,
    target: m.target,
    get headers() {
      return m.headers;
    },
  };
  if (c.kind === 'rejected') {
    event.rejected = { status: c.status, code: c.error.code, message: c.error.message };
  }
  return event;
}

/** What a message event needs from classification; `from`/`fromValid` may be parsed later (`upid` undefined). */
interface MessageFacts {
  fromText: string;
  fromSource: ClassifiedMessage['fromSource'];
  to: string;
  name: string;
  from?: ClassifiedMessage['from'];
  fromValid?: boolean;
}

/**
 * The common case of `classifyRequest` without parsing the sender UPID yet (it is parsed when `from` or `fromValid`
 * is first read): a POST with a sender header and a path `/<id>/<name>` whose id needs no percent-decoding. Anything
 * else (rejections included) returns undefined and goes through `classifyRequest`. Same rules: Libprocess-From
 * (trimmed) wins, else the User-Agent text after `libprocess/`; a test checks the two agree.
 */
export function quickMessage(
  target: string,
  libprocessFrom: string | undefined,
  slim: readonly { name: string; value: string }[],
): MessageFacts | undefined {
  let fromText: string;
  let fromSource: ClassifiedMessage['fromSource'];
  if (libprocessFrom !== undefined) {
    fromText = libprocessFrom.trim();
    fromSource = 'Libprocess-From';
  } else {
    const agent = slim.length > 0 ? slim[0]!.value : undefined;
    if (agent === undefined || !agent.startsWith('libprocess/')) return undefined;
    fromText = agent.slice('libprocess/'.length);
    fromSource = 'User-Agent';
  }
  if (target.charCodeAt(0) !== 0x2f) return undefined; // absolute-form and others: the full rules
  const path = targetPath(target);
  const slash = path.indexOf('/', 1);
  const rawId = slash < 0 ? path.slice(1) : path.slice(1, slash);
  if (rawId.includes('%') || rawId.includes('+')) return undefined;
  return { fromText, fromSource, to: rawId, name: slash < 0 ? '' : path.slice(slash + 1) };
}

/**
 * A libprocess message event. `from` (the formatted UPID) and `style` are computed on first access: `stats` and the
 * benchmarks never read them, and a class keeps the accessors on the prototype (no closures per event).
 */
class LibprocessMessageEvent implements MessageEvent {
  readonly type = 'message' as const;
  offset: number;
  end: number;
  version: '1.0' | '1.1';
  framing: MessageEvent['framing'];
  chunks: number[];
  body: Uint8Array;
  trailers: MessageEvent['trailers'];
  fromText: string;
  fromSource: MessageEvent['fromSource'];
  to: string;
  name: string;
  typed?: TypedBody;
  bodyOffsets?: BodyOffsetMap;
  #message: HttpMessage;
  #upid: ClassifiedMessage['from'] | undefined;
  #fromValid: boolean | undefined;
  #from: string | undefined;
  #style: MessageEvent['style'] | undefined;

  constructor(m: HttpMessage, c: MessageFacts) {
    this.offset = m.offset;
    this.end = m.end;
    this.version = m.version;
    this.framing = m.framing;
    this.chunks = m.chunks;
    this.body = m.body;
    this.trailers = m.trailers;
    this.fromText = c.fromText;
    this.fromSource = c.fromSource;
    this.to = c.to;
    this.name = c.name;
    this.#message = m;
    this.#upid = c.from;
    this.#fromValid = c.fromValid;
  }

  /** The sender as Mesos parses it (the empty UPID when it does not parse), parsed on first use. */
  #sender(): ClassifiedMessage['from'] {
    if (this.#upid === undefined) {
      const { upid, valid } = parseUpidLikeMesosDetailed(this.fromText);
      this.#upid = upid;
      this.#fromValid = valid;
    }
    return this.#upid;
  }

  get from(): string {
    this.#from ??= formatUpid(this.#sender());
    return this.#from;
  }

  get fromValid(): boolean {
    this.#sender();
    return this.#fromValid!;
  }

  get style(): MessageEvent['style'] {
    this.#style ??= guessMessageStyle(this.#message as HttpMessage & { kind: 'request' });
    return this.#style;
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  if (total === 0) return EMPTY;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
