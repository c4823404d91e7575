/**
 * The session layer: HTTP messages of one direction (a raw stream, or one direction of a captured TCP connection)
 * -> typed `DecodedEvent`s. libprocess messages are classified as Mesos does and their bodies decoded by wire name;
 * responses are paired, in pipelined order, with the requests of the opposite direction (the same stream for a raw
 * file); v1 API calls are typed by endpoint and Content-Type; RecordIO bodies (event streams) are recognised by
 * their bytes and decoded record by record as they arrive. Protocol anomalies become `diagnostic` events.
 *
 * Input is the push-driven HttpDecoder handler trio (head, body pieces, message) with `streamBodies: true`, so an
 * endless event stream costs no memory; this module never throws on bad traffic.
 */
import {
  type BodyOffsetMap,
  BodySegments,
  decodeApiBody,
  decodeMessageBody,
  endpointTypes,
  linearOffsets,
  messageTypeTag,
  RecordTyper,
  type TypedBody,
} from '../analysis/body-decode.ts';
import type { Diagnostic } from '../diagnostics.ts';
import { isMesosWireError, type MesosWireError } from '../errors.ts';
import {
  deriveFromHead,
  detachHead,
  getHeader,
  type HttpHead,
  type HttpHeader,
  type HttpMessage,
} from '../http/types.ts';
import { formatUpid, isEmptyUpid, parseUpidLikeMesos, type Upid } from '../libprocess/index.ts';
import type { PacketRef } from '../pcap/packet.ts';
import { timeMillis } from '../pcap/timestamp.ts';
import type { PbType } from '../proto/schema.ts';
import { decodeSchemaless, printableText } from '../proto/schemaless.ts';
import { RecordIoDecoder } from '../recordio/decoder.ts';
import type { CaptureFields, DecodedEvent, DecodedResponse } from './events.ts';
import {
  type CapturePlace,
  classifyHttpRequest,
  MessageEventImpl,
  requestEvent,
  responseEvent,
  startedMessage,
} from './message-event.ts';

/** Options of the session layer. */
export interface SessionOptions {
  /** RecordIO `maxRecordBytes` (default 64 MiB). */
  maxRecordBytes?: number;
  /** Largest HTTP body collected (default 64 MiB); a bigger one is reported and skipped. Streams are never collected. */
  maxBodyBytes?: number;
  /** Type of every RecordIO record; default: by endpoint, else detected. */
  recordType?: PbType;
  /** Decode bodies by wire name / endpoint (default true). */
  typed?: boolean;
  /**
   * How body decode failures are reported: `diagnostic` (default: `message-unknown-name` / `body-undecodable`) or
   * `error` events (the raw-stream contract of issue 2).
   */
  bodyErrors?: 'diagnostic' | 'error';
  /**
   * Which paired responses get `request`, and what it says: `path` (default) on every paired response, the message
   * name or the request's path without its query; `api-target` (the raw-stream contract) only on responses to v1 API
   * requests, with the request target as sent (query included).
   */
  responseLabels?: 'path' | 'api-target';
  /**
   * Look for protocol anomalies and emit `diagnostic` events (default true); false: no diagnostic event at all and
   * no work for them (the raw-stream CLI path, which has no place to show them).
   */
  diagnostics?: boolean;
}

/** Registration attempts by one sender before `registration-repeated` is reported. */
export const REGISTRATION_REPEAT_THRESHOLD = 3;
/** A stream is reported silent after this many heartbeat intervals without a record. */
export const HEARTBEAT_MISSED_INTERVALS = 2;

const MAX_BODY_BYTES_DEFAULT = 64 * 1024 * 1024;
/** Requests remembered for pairing (a stream of messages never answered must not grow it). */
const MAX_PENDING_REQUESTS = 64;
/** Senders and (connection, UPID) pairs remembered for deduplication and loop detection. */
const MAX_TRACKED_KEYS = 65536;
/** Distinct per-connection anomalies (sender addresses, header mismatches) reported per direction at most. */
const MAX_REPORTED_PER_DIRECTION = 64;
/** A RecordIO length line is at most 20 digits and its LF. */
const RECORDIO_SNIFF_BYTES = 21;
/** Error-response bodies quoted in diagnostics up to this length. */
const REASON_MAX_CHARS = 200;

const REGISTRATION_NAMES = new Set([
  'mesos.internal.RegisterSlaveMessage',
  'mesos.internal.ReregisterSlaveMessage',
  'mesos.internal.RegisterFrameworkMessage',
  'mesos.internal.ReregisterFrameworkMessage',
  'mesos.internal.RegisterExecutorMessage',
  'mesos.internal.ReregisterExecutorMessage',
]);

// What happens to the body of the message in flight.
const COLLECT = 0; // kept whole for the message event
const SNIFF = 1; // first bytes held until they tell whether the body is a RecordIO stream
const STREAM = 2; // a RecordIO stream: records decoded as the bytes arrive, nothing kept
const SKIP = 3; // dropped (too large, or a failed RecordIO stream)

const EMPTY = new Uint8Array(0);
/** The capture fields of a raw stream's items: none (shared, never written to). */
const NO_FIELDS: CaptureFields = Object.freeze({});
/** The typed reading of every empty body (shared and frozen: it says nothing about the body it belongs to). */
const EMPTY_TYPED: TypedBody = Object.freeze({ kind: 'empty' });
const LIBPROCESS_AGENT = 'libprocess/';

/** Implemented by the HTTP decoder's heads: a header's last value without materialising the header list. */
interface FastHeaderLookup {
  lastHeaderValue(lowerName: string): string | undefined;
}

/**
 * `getHeader` with the name already in lower case: decoded heads answer from their bytes (no lower-casing of the
 * name per call); other heads go through getHeader, which gives the same answer.
 */
function headerValue(head: { readonly headers: readonly HttpHeader[] }, lowerName: string): string | undefined {
  const fast = head as Partial<FastHeaderLookup>;
  return typeof fast.lastHeaderValue === 'function' ? fast.lastHeaderValue(lowerName) : getHeader(head, lowerName);
}

/** A request waiting for its response. */
interface PendingRequest {
  kind: 'message' | 'request';
  /** Message name, or request target. */
  label: string;
  endpoint: ReturnType<typeof endpointTypes>;
  frame: number | undefined;
  /** The call's type tag once its body is typed (`SUBSCRIBE`). */
  call: string | undefined;
  /** Receiver id of a message. */
  to: string;
}

/**
 * Requests waiting for their responses, oldest first: a ring of MAX_PENDING_REQUESTS, the oldest dropped when full
 * (a stream of messages, never answered, must not grow it; an array's shift per message would cost on that path).
 */
class RequestQueue {
  private readonly ring: (PendingRequest | undefined)[] = new Array(MAX_PENDING_REQUESTS);
  private first = 0;
  private count = 0;

  push(request: PendingRequest): void {
    this.ring[(this.first + this.count) % MAX_PENDING_REQUESTS] = request;
    if (this.count < MAX_PENDING_REQUESTS) this.count++;
    else this.first = (this.first + 1) % MAX_PENDING_REQUESTS;
  }

  shift(): PendingRequest | undefined {
    if (this.count === 0) return undefined;
    const request = this.ring[this.first];
    this.ring[this.first] = undefined;
    this.first = (this.first + 1) % MAX_PENDING_REQUESTS;
    this.count--;
    return request;
  }

  clear(): void {
    this.ring.fill(undefined);
    this.first = 0;
    this.count = 0;
  }
}

/**
 * Body state of the message in flight. Kept small, since there is one per message: most bodies are one piece (no
 * parts array) lying in one run of stream bytes (no BodySegments), and only event streams need the stream fields.
 */
interface BodyState {
  head: HttpHead;
  packet: PacketRef | undefined;
  mode: number;
  /** The first piece held since the last release, while it is the only one (a view of the input). */
  first: Uint8Array | undefined;
  /** Every piece held since the last release, once there are two or more. */
  parts: Uint8Array[] | undefined;
  /**
   * Body bytes copied out of the input when a packet ended with the body unfinished (`releaseViews`): pieces are
   * views of the capture reader's chunks, and held across packets they would keep those chunks alive (a read
   * buffer per connection in flight, freed only by a full GC). Capacity may exceed `stored`; absent for the
   * usual body, which is whole within one packet and stays a view.
   */
  store: Uint8Array | undefined;
  stored: number;
  /** Body bytes held in all (stored and pieces). */
  size: number;
  /** Stream offset of the first body byte (-1: none yet) and just past the run of bytes that follows it. */
  runStart: number;
  runEnd: number;
  /** Where the body lies once it is not one run (or once it streams): takes over from runStart/runEnd. */
  segments: BodySegments | undefined;
  paired: PendingRequest | undefined;
  request: PendingRequest | undefined;
  stream: StreamState | undefined;
}

/** What an event stream (a RecordIO body) needs on top. */
interface StreamState {
  recordio: RecordIoDecoder;
  typer: RecordTyper;
  records: number;
  /** The response event shown when the stream started (undefined for a streamed request). */
  event: DecodedResponse | undefined;
  /** Heartbeat watch. */
  intervalMs: number;
  lastRecordMs: number;
}

/** Identity offsets: what the offset map of a body without any piece gives (BodySegments with nothing added). */
const NO_PIECE_OFFSETS: BodyOffsetMap = linearOffsets(0);

/** Records a piece of `size` body bytes at stream offset `offset` (BodySegments.add, without the object mostly). */
function addPiece(body: BodyState, size: number, offset: number): void {
  if (body.segments !== undefined) body.segments.add(size, offset);
  else if (body.runStart < 0) {
    body.runStart = offset;
    body.runEnd = offset + size;
  } else if (offset === body.runEnd) body.runEnd += size;
  else segmentsOf(body).add(size, offset);
}

/** The body's BodySegments, made from its run of bytes when it has none yet. */
function segmentsOf(body: BodyState): BodySegments {
  if (body.segments === undefined) {
    const segments = new BodySegments();
    if (body.runStart >= 0) segments.add(body.runEnd - body.runStart, body.runStart);
    body.segments = segments;
  }
  return body.segments;
}

/** The offset map of a finished body: the same numbers BodySegments' map gives for what was added. */
function offsetsOf(body: BodyState): BodyOffsetMap {
  if (body.segments !== undefined) return body.segments.map;
  return body.runStart < 0 ? NO_PIECE_OFFSETS : linearOffsets(body.runStart);
}

/** Body length so far. */
function bodyLength(body: BodyState): number {
  if (body.segments !== undefined) return body.segments.length;
  return body.runStart < 0 ? 0 : body.runEnd - body.runStart;
}

/** The pieces held, as an array (made only on the rare paths that need one). */
function heldParts(body: BodyState): Uint8Array[] {
  const views = body.parts ?? (body.first === undefined ? [] : [body.first]);
  return body.store === undefined ? views : [body.store.subarray(0, body.stored), ...views];
}

/** The whole body held: the one piece itself when there is nothing else (no copy). */
function heldBytes(body: BodyState): Uint8Array {
  if (body.store === undefined)
    return body.parts !== undefined ? concatParts(body.parts, body.size) : (body.first ?? EMPTY);
  storeViews(body, body.size);
  return body.store.length === body.stored ? body.store : body.store.subarray(0, body.stored);
}

/** Moves the held views into the body's own store (exact size first, then doubling up to `limit`). */
function storeViews(body: BodyState, limit: number): void {
  if (body.first === undefined && body.parts === undefined) return;
  let store = body.store;
  const size = body.size;
  if (store === undefined || store.length < size) {
    const grown = new Uint8Array(store === undefined ? size : Math.min(limit, Math.max(size, store.length * 2)));
    if (store !== undefined) grown.set(store.subarray(0, body.stored));
    body.store = store = grown;
  }
  let at = body.stored;
  if (body.first !== undefined) {
    store.set(body.first, at);
    at += body.first.length;
  } else {
    for (const part of body.parts!) {
      store.set(part, at);
      at += part.length;
    }
  }
  body.stored = at;
  body.first = undefined;
  body.parts = undefined;
}

/** Drops every byte held. */
function dropHeld(body: BodyState): void {
  body.first = undefined;
  body.parts = undefined;
  body.store = undefined;
  body.stored = 0;
  body.size = 0;
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

/** Milliseconds since the epoch of a capture timestamp (enough precision for latencies). */
export function timestampMillis(packet: PacketRef): number {
  // NaN for an unknown time: every comparison with it is false, so no silence is measured from it.
  return timeMillis(packet.timestamp) ?? Number.NaN;
}

/** The IP of `ip:port` or `[ipv6]:port`; IPv4-mapped IPv6 addresses as IPv4. */
export function endpointAddress(endpoint: string): string {
  let address: string;
  if (endpoint.startsWith('[')) address = endpoint.slice(1, endpoint.indexOf(']'));
  else address = endpoint.slice(0, endpoint.lastIndexOf(':'));
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** 127.0.0.0/8 and ::1. */
export function isLoopbackAddress(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

/** What onRequest reads from a request head (a function of the head alone, so shared by repeats of a kept head). */
interface RequestHeadFacts {
  readonly from: string | undefined;
  readonly agent: string | undefined;
  readonly classified: ReturnType<typeof classifyHttpRequest>;
  /** Both sender headers are present and User-Agent is not `libprocess/` + Libprocess-From. */
  readonly agentDiffers: boolean;
}

/** The derivation key of RequestHeadFacts (see deriveFromHead). */
const REQUEST_FACTS_KEY = {};

/**
 * Classification reads only Libprocess-From and, when it is absent, User-Agent: both are looked up without
 * materialising every header. The sender-mismatch diagnostic compares the two.
 */
function requestFactsOf(m: HttpMessage & { kind: 'request' }): RequestHeadFacts {
  const from = headerValue(m, 'libprocess-from');
  const agent = headerValue(m, 'user-agent');
  return {
    from,
    agent,
    classified: classifyHttpRequest(m.method, m.target, from, from === undefined ? agent : undefined),
    agentDiffers: from !== undefined && agent !== undefined && !isAgentOf(agent, from),
  };
}

/**
 * State shared by every direction of one decoder (all connections of a capture): registration counts per sender.
 */
export class SessionWatch {
  private readonly registrations = new Map<string, { attempts: number; firstFrame: number | undefined }>();

  /** Counts a registration attempt; returns the count when it reaches the threshold, else undefined. */
  registration(
    sender: string,
    name: string,
    frame: number | undefined,
  ): { attempts: number; firstFrame?: number } | undefined {
    const key = `${sender} ${name}`;
    let entry = this.registrations.get(key);
    if (entry === undefined) {
      if (this.registrations.size >= MAX_TRACKED_KEYS) this.registrations.clear();
      entry = { attempts: 0, firstFrame: frame };
      this.registrations.set(key, entry);
    }
    entry.attempts++;
    if (entry.attempts !== REGISTRATION_REPEAT_THRESHOLD) return undefined;
    return entry.firstFrame === undefined
      ? { attempts: entry.attempts }
      : { attempts: entry.attempts, firstFrame: entry.firstFrame };
  }
}

/** Where a direction runs (capture) — all absent for a raw stream. */
export interface DirectionContext {
  /** `source>destination`. */
  flow?: string;
  connection?: number;
  direction?: 'client-to-server' | 'server-to-client';
}

/**
 * One direction of HTTP traffic -> DecodedEvents. Feed it the HttpDecoder's head / body / message events (with
 * `streamBodies`), and `abort()` when the decoder dropped the message in flight (framing error, gap, close).
 * Responses take their request from `answers` (the opposite direction's queue; the same one for a raw stream).
 */
export class DirectionSession {
  private readonly emit: (event: DecodedEvent) => void;
  private readonly options: SessionOptions;
  private readonly typed: boolean;
  private readonly diagnostics: boolean;
  private readonly maxBodyBytes: number;
  private readonly watch: SessionWatch;
  private readonly context: DirectionContext;
  private readonly sourceAddress: string | undefined;
  /** Requests sent on this direction, waiting for their responses. */
  readonly requests = new RequestQueue();
  /** The queue this direction's responses answer. */
  answers: RequestQueue;
  private inFlight: BodyState | undefined;
  /** Error events emitted (`bodyErrors: 'error'`). */
  errors = 0;
  private pairing = true;
  /** Sender texts already checked against this connection's source address (most connections carry one). */
  private checkedSenders: string[] = [];
  /** The last sender text found in or added to checkedSenders (the same string object for repeats of a kept head). */
  private lastCheckedSender: string | undefined = undefined;
  /** What this direction already reported (per connection: freed with it). */
  private readonly reported = new Set<string>();
  /** Capture fields shared by every item of this direction (undefined for a raw stream). */
  private readonly place: CapturePlace | undefined;

  constructor(
    emit: (event: DecodedEvent) => void,
    options: SessionOptions,
    watch: SessionWatch,
    context: DirectionContext = {},
  ) {
    this.emit = emit;
    this.options = options;
    this.typed = options.typed !== false;
    this.diagnostics = options.diagnostics !== false;
    this.maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES_DEFAULT;
    this.watch = watch;
    this.context = context;
    this.answers = this.requests;
    const flow = context.flow;
    this.sourceAddress = flow === undefined ? undefined : endpointAddress(flow.slice(0, flow.indexOf('>')));
    this.place =
      flow === undefined ? undefined : { flow, connection: context.connection, direction: context.direction };
  }

  /** Pairs this direction's responses with `peer`'s requests (the two directions of a connection). */
  pairWith(peer: DirectionSession): void {
    this.answers = peer.requests;
    peer.answers = this.requests;
  }

  /** True the first time this direction reports `key` (bounded). */
  private firstTime(key: string): boolean {
    if (this.reported.has(key) || this.reported.size >= MAX_REPORTED_PER_DIRECTION) return false;
    this.reported.add(key);
    return true;
  }

  /** The message in flight was dropped by the HTTP layer (framing error, gap, end of its connection). */
  abort(): void {
    const body = this.inFlight;
    this.inFlight = undefined;
    if (body?.mode === STREAM) this.checkSilence(body, undefined);
  }

  /**
   * Stops pairing responses with requests: after a gap, a resync or a mid-connection start, requests or responses
   * may be missing, and pipelined order would pair the wrong ones. Responses are then shown unpaired.
   */
  stopPairing(): void {
    this.pairing = false;
    this.requests.clear();
  }

  head(head: HttpHead, packet?: PacketRef): void {
    let paired: PendingRequest | undefined;
    let request: PendingRequest | undefined;
    let mode = COLLECT;
    if (head.kind === 'response') {
      if (this.pairing) paired = this.answers.shift();
      mode = SNIFF;
    } else {
      request = {
        kind: 'request',
        label: head.target,
        endpoint: undefined,
        frame: packet?.index,
        call: undefined,
        to: '',
      };
      if (this.pairing) {
        this.requests.push(request);
      }
      // Streamed RecordIO requests exist only on the agent operator API (ATTACH_CONTAINER_INPUT).
      if (
        head.target.includes('/api/v1') &&
        headerValue(head, 'content-type')?.toLowerCase() === 'application/recordio'
      )
        mode = SNIFF;
    }
    // A new state per message, not one reused per direction: a long-lived state would be in the old generation, and
    // every young object written into it (head, packet, pieces) would cost a write barrier and a remembered slot.
    this.inFlight = {
      head,
      packet,
      mode,
      first: undefined,
      parts: undefined,
      store: undefined,
      stored: 0,
      size: 0,
      runStart: -1,
      runEnd: -1,
      segments: undefined,
      paired,
      request,
      stream: undefined,
    };
  }

  body(piece: Uint8Array, offset: number, packet?: PacketRef): void {
    const body = this.inFlight;
    if (body === undefined) return;
    addPiece(body, piece.length, offset);
    switch (body.mode) {
      case COLLECT:
        this.collect(body, piece, offset, packet);
        return;
      case SNIFF: {
        this.collect(body, piece, offset, packet);
        if (body.mode !== SNIFF) return;
        const verdict = sniffRecordIo(heldParts(body));
        // Content-Length bodies are finite: they are checked whole when complete (a protobuf may start like RecordIO).
        if (verdict === 0) body.mode = COLLECT;
        else if (verdict === 1 && body.head.framing !== 'content-length') this.startStream(body, packet);
        return;
      }
      case STREAM:
        this.streamPiece(body, piece, packet);
        return;
    }
  }

  message(m: HttpMessage, packet?: PacketRef, endPacket?: PacketRef): void {
    const body = this.inFlight;
    this.inFlight = undefined;
    if (body === undefined || body.head.offset !== m.offset) return;
    if (body.mode === SNIFF && body.head.framing === 'content-length' && this.isWholeRecordIo(body)) {
      this.startStream(body, endPacket);
    }
    const stream = body.stream;
    if (stream !== undefined && (body.mode === STREAM || stream.event !== undefined)) {
      if (body.mode === STREAM) {
        try {
          stream.recordio.end();
        } catch (error) {
          if (!isMesosWireError(error)) throw error;
          this.report(error, segmentsOf(body).map, endPacket);
        }
        this.checkSilence(body, endPacket);
      }
      this.emit({
        type: 'stream-end',
        offset: m.offset,
        end: m.end,
        framing: m.framing,
        chunks: m.chunks,
        ...(m.chunkCount !== undefined && m.chunkCount > m.chunks.length ? { chunkCount: m.chunkCount } : {}),
        bodyLength: bodyLength(body),
        records: stream.records,
        trailers: m.trailers,
        ...this.fields(endPacket),
      });
      return;
    }
    const bytes = heldBytes(body);
    const offsets = offsetsOf(body);
    const at = packet ?? body.packet;
    if (m.kind === 'response') this.onResponse(m, body, bytes, offsets, at, endPacket);
    else this.onRequest(m, body, bytes, offsets, at, endPacket);
  }

  private onRequest(
    m: HttpMessage & { kind: 'request' },
    body: BodyState,
    bytes: Uint8Array,
    offsets: BodyOffsetMap,
    packet: PacketRef | undefined,
    endPacket: PacketRef | undefined,
  ): void {
    // Once per kept head (every message of a sender's burst repeats one): see requestFactsOf.
    const facts = deriveFromHead(m, REQUEST_FACTS_KEY, requestFactsOf);
    const from = facts.from;
    const agent = from === undefined || this.diagnostics ? facts.agent : undefined;
    const c = facts.classified;
    const pending = body.request;
    if (c.kind === 'message') {
      const event = new MessageEventImpl(m, c, bytes, offsets, this.place, packet, endPacket);
      if (pending !== undefined) {
        pending.kind = 'message';
        pending.label = c.name;
        pending.to = c.to;
      }
      if (this.typed) {
        const typed = decodeMessageBody(c.name, bytes, offsets);
        event.typed = typed;
        if (pending !== undefined && c.name === 'mesos.scheduler.Call') pending.call = messageTypeTag(typed);
      }
      this.emit(event);
      this.checkMessage(event, from, agent, facts.agentDiffers, m.offset, packet);
      return;
    }
    const endpoint = endpointTypes(m.target);
    if (pending !== undefined) pending.endpoint = endpoint;
    const event = requestEvent(m, c, bytes, offsets, this.place, packet, endPacket);
    if (this.typed) {
      const typed = typeHttpBody(bytes, endpoint?.request, headerValue(m, 'content-type'), offsets);
      event.typed = typed;
      if (pending !== undefined && endpoint !== undefined) pending.call = messageTypeTag(typed);
    }
    this.emit(event);
    this.checkBody(event.typed, `${m.method} ${targetLabel(m.target)}`, m.offset, packet);
    if (
      pending?.call === 'SUBSCRIBE' &&
      event.typed?.kind === 'message' &&
      this.sourceAddress !== undefined &&
      this.diagnostics
    ) {
      const subscribe = (event.typed.message as { subscribe?: { framework_info?: { name?: string } } }).subscribe;
      const name = subscribe?.framework_info?.name ?? '';
      this.checkRegistration(`${name}@${this.sourceAddress}`, 'SUBSCRIBE', m.offset, packet);
    }
  }

  private onResponse(
    m: HttpMessage & { kind: 'response' },
    body: BodyState,
    bytes: Uint8Array,
    offsets: BodyOffsetMap,
    packet: PacketRef | undefined,
    endPacket: PacketRef | undefined,
  ): void {
    const event = responseEvent(m, bytes, offsets, this.place, packet, endPacket);
    const paired = body.paired;
    this.label(event, paired);
    if (this.typed) {
      // An empty body is `empty` whatever its type and Content-Type (typeHttpBody's first test): no header lookup.
      if (bytes.length === 0) event.typed = EMPTY_TYPED;
      else {
        const type = m.status >= 200 && m.status < 300 ? paired?.endpoint?.response : undefined;
        event.typed = typeHttpBody(bytes, type, headerValue(m, 'content-type'), offsets);
      }
    }
    this.emit(event);
    if (event.typed !== undefined && paired?.endpoint !== undefined) {
      this.checkBody(event.typed, `response to ${paired.label}`, m.offset, packet);
    }
    if (m.status >= 400 && paired !== undefined && this.diagnostics)
      this.checkErrorResponse(m.status, bytes, paired, m.offset, packet);
  }

  private label(event: DecodedResponse, paired: PendingRequest | undefined): void {
    if (paired === undefined) return;
    if (this.options.responseLabels === 'api-target') {
      if (paired.endpoint === undefined) return;
      event.request = paired.label;
    } else event.request = paired.kind === 'request' ? targetLabel(paired.label) : paired.label;
    if (paired.frame !== undefined) event.requestFrame = paired.frame;
  }

  private collect(body: BodyState, piece: Uint8Array, offset: number, packet: PacketRef | undefined): void {
    if (body.size + piece.length > this.maxBodyBytes) {
      body.mode = SKIP;
      dropHeld(body);
      this.problem(
        'MW_HTTP_BODY_TOO_LARGE',
        `body larger than ${this.maxBodyBytes} bytes (maxBodyBytes); skipped`,
        offset,
        packet,
      );
      return;
    }
    if (body.parts !== undefined) body.parts.push(piece);
    else if (body.first === undefined) body.first = piece;
    else {
      body.parts = [body.first, piece];
      body.first = undefined;
    }
    body.size += piece.length;
  }

  /**
   * The packet whose bytes were just decoded ends here, and the message in flight goes on in later ones: its head and
   * the body pieces held are views of this packet, so copy them (see BodyState.store). Event streams hold no pieces
   * (their RecordIO decoder copies what it keeps).
   */
  releaseViews(): void {
    const body = this.inFlight;
    if (body === undefined) return;
    detachHead(body.head);
    if (body.mode !== STREAM) storeViews(body, this.maxBodyBytes);
  }

  /** The held bytes of a response are a RecordIO stream: emit the response now, then its records. */
  private startStream(body: BodyState, packet: PacketRef | undefined): void {
    body.mode = STREAM;
    const head = body.head;
    const started = startedMessage(head);
    const segments = segmentsOf(body);
    let event: DecodedResponse | undefined;
    if (started.kind === 'response') {
      event = responseEvent(started, EMPTY, undefined, this.place, body.packet);
      event.stream = 'recordio';
      this.label(event, body.paired);
      this.emit(event);
    } else {
      // A streamed request (ATTACH_CONTAINER_INPUT): shown now, with its body to come as records and a stream-end.
      this.onRequest(started, body, EMPTY, segments.map, body.packet, undefined);
    }
    // A request's records are calls, not the endpoint's events (and /api/v1 serves master and agent): detected.
    const streamType = head.kind === 'response' ? body.paired?.endpoint?.event : undefined;
    body.stream = {
      recordio: new RecordIoDecoder({ maxRecordBytes: this.options.maxRecordBytes }),
      typer: new RecordTyper({
        type: this.options.recordType,
        streamType,
        contentType: getHeader(head, 'Message-Content-Type') ?? getHeader(head, 'Content-Type'),
      }),
      records: 0,
      event,
      intervalMs: 0,
      lastRecordMs: body.packet === undefined ? 0 : timestampMillis(body.packet),
    };
    const held = heldParts(body);
    dropHeld(body);
    for (const part of held) {
      if (body.mode !== STREAM) break;
      this.streamPiece(body, part, packet);
    }
  }

  private streamPiece(body: BodyState, piece: Uint8Array, packet: PacketRef | undefined): void {
    try {
      body.stream!.recordio.write(piece, (record, offset, dataOffset) =>
        this.onStreamRecord(body, record, offset, dataOffset, packet),
      );
    } catch (error) {
      if (!isMesosWireError(error) || error.code === 'MW_DECODER_FAILED') throw error;
      body.mode = SKIP;
      this.report(error, segmentsOf(body).map, packet);
    }
  }

  private onStreamRecord(
    body: BodyState,
    record: Uint8Array,
    offset: number,
    dataOffset: number,
    packet: PacketRef | undefined,
  ): void {
    const stream = body.stream!;
    stream.records++;
    const segments = segmentsOf(body);
    const map = segments.map;
    const start = map(dataOffset);
    this.checkSilence(body, packet);
    const event: DecodedEvent = {
      type: 'record',
      offset: map(offset),
      dataOffset: start,
      length: record.length,
      body: record,
      response: body.head.offset,
      ...this.fields(packet),
    };
    if (this.typed) {
      const typed = stream.typer.type(record, (i) => map(dataOffset + i));
      event.typed = typed;
      if (stream.intervalMs === 0 && typed.kind === 'message') {
        const subscribed = (typed.message as { subscribed?: { heartbeat_interval_seconds?: number } }).subscribed;
        const seconds = subscribed?.heartbeat_interval_seconds;
        if (typeof seconds === 'number' && seconds > 0) stream.intervalMs = seconds * 1000;
      }
    }
    this.emit(event);
    if (event.typed !== undefined) this.checkBody(event.typed, 'record', start, packet);
    segments.forgetBefore(dataOffset + record.length);
  }

  /** A complete Content-Length body that starts like RecordIO and is nothing but whole records. */
  private isWholeRecordIo(body: BodyState): boolean {
    const held = heldParts(body);
    if (sniffRecordIo(held) !== 1) return false;
    const probe = new RecordIoDecoder({ maxRecordBytes: this.options.maxRecordBytes });
    try {
      for (const part of held) probe.write(part, () => {});
      probe.end();
      return true;
    } catch {
      return false;
    }
  }

  /** Capture fields of an item whose first byte came in `packet` (and last in `endPacket`). */
  private fields(packet: PacketRef | undefined, endPacket?: PacketRef): CaptureFields & { endFrame?: number } {
    const c = this.context;
    if (c.flow === undefined) return NO_FIELDS;
    const out: CaptureFields & { endFrame?: number } = {
      flow: c.flow,
      connection: c.connection,
      direction: c.direction,
    };
    if (packet !== undefined) {
      out.frame = packet.index;
      out.time = packet.timestamp;
    }
    if (endPacket !== undefined) out.endFrame = endPacket.index;
    return out;
  }

  private diagnose(diagnostic: Diagnostic, packet: PacketRef | undefined): void {
    if (!this.diagnostics) return;
    const c = this.context;
    const d = diagnostic as Diagnostic & {
      flow?: string;
      connection?: number;
      direction?: string;
      frame?: number;
    };
    if (c.flow !== undefined) {
      d.flow = c.flow;
      d.connection = c.connection;
      d.direction = c.direction;
    }
    if (packet !== undefined) d.frame = packet.index;
    this.emit(
      packet === undefined
        ? { type: 'diagnostic', diagnostic }
        : { type: 'diagnostic', diagnostic, time: packet.timestamp },
    );
  }

  /** A framing/limit problem: an `error` event. */
  private problem(code: string, message: string, offset: number | undefined, packet: PacketRef | undefined): void {
    this.errors++;
    this.emit({ type: 'error', code, offset, message, ...this.fields(packet) });
  }

  private report(error: MesosWireError, map: BodyOffsetMap, packet: PacketRef | undefined): void {
    this.problem(error.code, error.message, error.offset === undefined ? undefined : map(error.offset), packet);
  }

  /** A body that did not decode with its type. */
  private checkBody(typed: TypedBody | undefined, item: string, offset: number, packet: PacketRef | undefined): void {
    const error = typed !== undefined && 'error' in typed ? typed.error : undefined;
    if (error === undefined) return;
    if (this.options.bodyErrors === 'error') {
      this.problem(error.code, error.message, error.offset, packet);
      return;
    }
    const diagnostic: Diagnostic = {
      kind: 'body-undecodable',
      streamOffset: error.offset ?? offset,
      item,
      code: error.code,
      message: error.message,
    };
    const typeName = error.typeName ?? (typed !== undefined && 'typeName' in typed ? typed.typeName : undefined);
    if (typeName !== undefined) diagnostic.typeName = typeName;
    this.diagnose(diagnostic, packet);
  }

  private checkMessage(
    event: MessageEventImpl,
    libprocessFrom: string | undefined,
    userAgent: string | undefined,
    agentDiffers: boolean,
    offset: number,
    packet: PacketRef | undefined,
  ): void {
    const typed = event.typed;
    if (typed !== undefined) {
      const error = 'error' in typed ? typed.error : undefined;
      if (error?.code === 'MW_PROTO_UNKNOWN_TYPE' && typed.kind === 'schemaless' && typed.typeName === undefined) {
        if (this.options.bodyErrors === 'error') this.problem(error.code, error.message, error.offset, packet);
        else this.diagnose({ kind: 'message-unknown-name', streamOffset: offset, name: event.name }, packet);
      } else this.checkBody(typed, event.name, offset, packet);
    }
    if (!this.diagnostics) return;
    // Both sender headers: Mesos uses Libprocess-From; a different User-Agent UPID points at a broken client/proxy.
    if (agentDiffers && libprocessFrom !== undefined && userAgent !== undefined) {
      const at = userAgent.indexOf('libprocess/');
      if (at >= 0) {
        const fromAgent = formatUpid(parseUpidLikeMesos(userAgent.slice(at + 'libprocess/'.length)));
        const fromHeader = event.from;
        if (fromAgent !== fromHeader && this.firstTime(`ua ${fromAgent} ${fromHeader}`)) {
          this.diagnose(
            {
              kind: 'libprocess-sender-mismatch',
              streamOffset: offset,
              userAgent: fromAgent,
              libprocessFrom: fromHeader,
            },
            packet,
          );
        }
      }
    }
    // checkedSenders holds only texts that parsed, so looking there first (no parse) decides the same way.
    const fromText = event.fromText;
    if (this.sourceAddress !== undefined && fromText !== this.lastCheckedSender) {
      if (this.checkedSenders.includes(fromText)) this.lastCheckedSender = fromText;
      else if (event.fromValid) {
        if (this.checkedSenders.length < 16) {
          this.checkedSenders.push(fromText);
          this.lastCheckedSender = fromText;
        }
        this.checkSenderAddress(event.fromUpid, offset, packet);
      }
    }
    const name = event.name;
    if (REGISTRATION_NAMES.has(name)) this.checkRegistration(event.from, name, offset, packet);
    else if (name === 'mesos.scheduler.Call' && typed !== undefined && messageTypeTag(typed) === 'SUBSCRIBE') {
      this.checkRegistration(event.from, 'mesos.scheduler.Call SUBSCRIBE', offset, packet);
    }
  }

  /** The NAT / LIBPROCESS_IP check: the sender UPID's IP against the connection's source address. */
  private checkSenderAddress(upid: Upid, offset: number, packet: PacketRef | undefined): void {
    if (isEmptyUpid(upid) || upid.hostKind === 'hostname') return;
    const source = this.sourceAddress!;
    const address = upid.host;
    if (address === source) return;
    const text = formatUpid(upid);
    if (!this.firstTime(`upid ${text}`)) return;
    const base = { streamOffset: offset, upid: text, upidAddress: address, sourceAddress: source };
    if (isLoopbackAddress(address) && !isLoopbackAddress(source)) {
      this.diagnose({ kind: 'upid-loopback-address', ...base }, packet);
      return;
    }
    const reason =
      address === '0.0.0.0' || address === '::'
        ? 'unspecified-address'
        : isLoopbackAddress(source)
          ? 'loopback-connection'
          : 'different-address';
    this.diagnose({ kind: 'upid-address-mismatch', ...base, reason }, packet);
  }

  private checkRegistration(sender: string, name: string, offset: number, packet: PacketRef | undefined): void {
    const repeated = this.watch.registration(sender, name, packet?.index);
    if (repeated === undefined) return;
    this.diagnose({ kind: 'registration-repeated', streamOffset: offset, sender, name, ...repeated }, packet);
  }

  private checkErrorResponse(
    status: number,
    bytes: Uint8Array,
    paired: PendingRequest,
    offset: number,
    packet: PacketRef | undefined,
  ): void {
    if (paired.kind === 'message') {
      this.diagnose(
        { kind: 'libprocess-error-response', streamOffset: offset, status, name: paired.label, to: paired.to },
        packet,
      );
      return;
    }
    if (paired.endpoint === undefined) return;
    const text = printableText(bytes);
    const extra: { call?: string; reason?: string } = {};
    if (paired.call !== undefined) extra.call = paired.call;
    if (text !== undefined && text.length > 0) extra.reason = text.slice(0, REASON_MAX_CHARS);
    if (status === 403 && paired.endpoint.endpoint === '/api/v1/scheduler') {
      this.diagnose({ kind: 'scheduler-not-subscribed', streamOffset: offset, ...extra }, packet);
      return;
    }
    this.diagnose(
      {
        kind: 'api-error-response',
        streamOffset: offset,
        status,
        request: `POST ${targetLabel(paired.label)}`,
        ...extra,
      },
      packet,
    );
  }

  /** Reports an event stream that went silent for more than two heartbeat intervals before `packet`. */
  private checkSilence(body: BodyState, packet: PacketRef | undefined): void {
    const stream = body.stream;
    if (packet === undefined || stream === undefined) return;
    const now = timestampMillis(packet);
    const silent = now - stream.lastRecordMs;
    if (stream.intervalMs > 0 && silent > HEARTBEAT_MISSED_INTERVALS * stream.intervalMs) {
      this.diagnose(
        {
          kind: 'heartbeat-missed',
          streamOffset: body.head.offset,
          intervalSeconds: stream.intervalMs / 1000,
          silentSeconds: Math.round(silent) / 1000,
        },
        packet,
      );
    }
    stream.lastRecordMs = now;
  }
}

/** `userAgent === 'libprocess/' + libprocessFrom`, without building the string. */
function isAgentOf(userAgent: string, libprocessFrom: string): boolean {
  return (
    userAgent.length === LIBPROCESS_AGENT.length + libprocessFrom.length &&
    userAgent.startsWith(LIBPROCESS_AGENT) &&
    userAgent.endsWith(libprocessFrom)
  );
}

/** The path of a target without its query (what endpoints are counted by). */
function targetLabel(target: string): string {
  const cut = target.search(/[?#]/);
  return cut < 0 ? target : target.slice(0, cut);
}

/** A request or response body: typed by its endpoint type when known, else text or schema-less. */
export function typeHttpBody(
  bytes: Uint8Array,
  type: PbType | undefined,
  contentType: string | undefined,
  offsets: BodyOffsetMap = linearOffsets(0),
): TypedBody {
  if (bytes.length === 0) return { kind: 'empty' };
  if (type !== undefined) return decodeApiBody(type, bytes, contentType, offsets);
  const text = printableText(bytes);
  if (text !== undefined) return { kind: 'text', text };
  const result = decodeSchemaless(bytes);
  return {
    kind: 'schemaless',
    typeName: undefined,
    fields: result.fields,
    error: undefined,
    schemalessError: result.error,
  };
}

/** The parts as one array (the part itself when there is one: no copy). */
export function concatParts(parts: Uint8Array[], total: number): Uint8Array {
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
