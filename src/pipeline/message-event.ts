/**
 * Request classification with a fast path, and the libprocess message event: shared by the session layer
 * (session.ts) and by anything that shows single HTTP messages (`httpEvent`: `listen`, the mock master).
 */
import type { BodyOffsetMap, TypedBody } from '../analysis/body-decode.ts';
import { getHeader, type HttpHead, type HttpHeader, type HttpMessage } from '../http/types.ts';
import {
  type ClassifiedMessage,
  classifyRequest,
  formatUpid,
  guessMessageStyle,
  parseUpidLikeMesosDetailed,
  targetPath,
  type Upid,
} from '../libprocess/index.ts';
import type { CaptureFields, DecodedMessage, DecodedRequest, DecodedResponse } from './events.ts';

/** What a message event needs from classification; `from`/`fromValid` may be parsed later (`from` undefined). */
export interface MessageFacts {
  kind: 'message';
  fromText: string;
  fromSource: ClassifiedMessage['fromSource'];
  to: string;
  name: string;
  from?: Upid;
  fromValid?: boolean;
}

/** A request classified: a message (sender maybe not parsed yet), or what `classifyRequest` says otherwise. */
export type RequestFacts = MessageFacts | Exclude<ReturnType<typeof classifyRequest>, { kind: 'message' }>;

/**
 * The common case of `classifyRequest` without parsing the sender UPID yet (it is parsed when `from` or `fromValid`
 * is first read): a POST with a sender header and a path `/<id>/<name>` whose id needs no percent-decoding. Anything
 * else (rejections included) returns undefined and goes through `classifyRequest`. Same rules: Libprocess-From
 * (trimmed) wins, else the User-Agent text after `libprocess/`; a fast-check property checks the two agree.
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
  return { kind: 'message', fromText, fromSource, to: rawId, name: slash < 0 ? '' : path.slice(slash + 1) };
}

/**
 * Classifies a request as Mesos does (`classifyRequest`), through `quickMessage` when it answers. classifyRequest
 * reads only Libprocess-From and, when it is absent, User-Agent (last one wins): `from` and `agent` are those.
 */
export function classifyHttpRequest(
  method: string,
  target: string,
  from: string | undefined,
  agent: string | undefined,
): RequestFacts {
  const slim: HttpHeader[] = [];
  if (from !== undefined) slim.push({ name: 'Libprocess-From', value: from });
  else if (agent !== undefined) slim.push({ name: 'User-Agent', value: agent });
  const fast = method === 'POST' ? quickMessage(target, from, slim) : undefined;
  if (fast !== undefined) return fast;
  const c = classifyRequest({ method, target, headers: slim });
  if (c.kind !== 'message') return c;
  return {
    kind: 'message',
    fromText: c.fromText,
    fromSource: c.fromSource,
    to: c.to,
    name: c.name,
    from: c.from,
    fromValid: c.fromValid,
  };
}

/**
 * A libprocess message event. The sender UPID (`fromUpid`, `fromValid`, `from`) and `style` are computed on first
 * access: stats and the benchmarks never read them, and a class keeps the accessors on the prototype (no closures
 * per event).
 */
export class MessageEventImpl implements DecodedMessage {
  readonly type = 'message' as const;
  offset: number;
  end: number;
  version: '1.0' | '1.1';
  framing: DecodedMessage['framing'];
  chunks: number[];
  body: Uint8Array;
  trailers: DecodedMessage['trailers'];
  bodyOffsets?: BodyOffsetMap;
  fromText: string;
  fromSource: DecodedMessage['fromSource'];
  to: string;
  name: string;
  typed?: TypedBody;
  // Capture fields: declared only (no own property on raw-stream events, which never have them).
  declare flow?: string;
  declare connection?: number;
  declare direction?: DecodedMessage['direction'];
  declare frame?: number;
  declare time?: DecodedMessage['time'];
  declare endFrame?: number;
  #message: HttpMessage;
  #upid: Upid | undefined;
  #fromValid: boolean | undefined;
  #from: string | undefined;
  #style: DecodedMessage['style'] | undefined;

  constructor(
    m: HttpMessage,
    c: MessageFacts,
    body: Uint8Array = m.body,
    offsets?: BodyOffsetMap,
    fields?: EventFields,
  ) {
    this.offset = m.offset;
    this.end = m.end;
    this.version = m.version;
    this.framing = m.framing;
    this.chunks = m.chunks;
    this.body = body;
    this.trailers = m.trailers;
    if (offsets !== undefined) this.bodyOffsets = offsets;
    this.fromText = c.fromText;
    this.fromSource = c.fromSource;
    this.to = c.to;
    this.name = c.name;
    this.#message = m;
    this.#upid = c.from;
    this.#fromValid = c.fromValid;
    if (fields?.flow !== undefined) {
      this.flow = fields.flow;
      this.connection = fields.connection;
      this.direction = fields.direction;
      this.frame = fields.frame;
      this.time = fields.time;
      this.endFrame = fields.endFrame;
    }
  }

  /** The sender as Mesos parses it (the empty UPID when it does not parse), parsed on first use. */
  get fromUpid(): Upid {
    if (this.#upid === undefined) {
      const { upid, valid } = parseUpidLikeMesosDetailed(this.fromText);
      this.#upid = upid;
      this.#fromValid = valid;
    }
    return this.#upid;
  }

  get fromValid(): boolean {
    if (this.#fromValid === undefined) void this.fromUpid;
    return this.#fromValid!;
  }

  get from(): string {
    this.#from ??= formatUpid(this.fromUpid);
    return this.#from;
  }

  get style(): DecodedMessage['style'] {
    this.#style ??= guessMessageStyle(this.#message as HttpMessage & { kind: 'request' });
    return this.#style;
  }
}

/** Where an event was seen in a capture, and the frame of its last byte (absent for raw streams). */
export type EventFields = CaptureFields & { endFrame?: number };

/** Copies capture fields onto an event (nothing for raw streams). */
function placeEvent<T extends object>(event: T, fields: EventFields | undefined): T {
  return fields?.flow === undefined ? event : Object.assign(event, fields);
}

/** A message whose head is known and whose body is still to come (a RecordIO stream shown as soon as it starts). */
export function startedMessage(head: HttpHead): HttpMessage {
  const common = {
    offset: head.offset,
    version: head.version,
    headerBytes: head.headerBytes,
    framing: head.framing,
    contentLength: head.contentLength,
    chunks: [],
    body: EMPTY,
    trailers: [],
    end: 0,
  };
  return head.kind === 'response'
    ? { ...common, kind: 'response', status: head.status, reason: head.reason, headers: head.headers }
    : { ...common, kind: 'request', method: head.method, target: head.target, headers: head.headers };
}

/** The event of a response (body untyped). Its header list is read on first access. */
export function responseEvent(
  m: HttpMessage & { kind: 'response' },
  body: Uint8Array = m.body,
  offsets?: BodyOffsetMap,
  fields?: EventFields,
): DecodedResponse {
  const event: DecodedResponse = {
    type: 'response',
    offset: m.offset,
    end: m.end,
    version: m.version,
    framing: m.framing,
    chunks: m.chunks,
    body,
    trailers: m.trailers,
    status: m.status,
    reason: m.reason,
    get headers() {
      return m.headers;
    },
  };
  if (offsets !== undefined) event.bodyOffsets = offsets;
  return placeEvent(event, fields);
}

/** The event of a request that is not a libprocess message (body untyped). Its header list is read on first access. */
export function requestEvent(
  m: HttpMessage & { kind: 'request' },
  c: Exclude<RequestFacts, MessageFacts>,
  body: Uint8Array = m.body,
  offsets?: BodyOffsetMap,
  fields?: EventFields,
): DecodedRequest {
  const event: DecodedRequest = {
    type: 'request',
    offset: m.offset,
    end: m.end,
    version: m.version,
    framing: m.framing,
    chunks: m.chunks,
    body,
    trailers: m.trailers,
    method: m.method,
    target: m.target,
    get headers() {
      return m.headers;
    },
  };
  if (offsets !== undefined) event.bodyOffsets = offsets;
  if (c.kind === 'rejected') event.rejected = { status: c.status, code: c.error.code, message: c.error.message };
  return placeEvent(event, fields);
}

/**
 * The event for one decoded HTTP message, body untyped (renderers type it on demand). Header lists, the sender's
 * formatted UPID and the sender style are read on first access (decoded heads materialise header fields lazily).
 */
export function httpEvent(m: HttpMessage): DecodedMessage | DecodedRequest | DecodedResponse {
  if (m.kind === 'response') return responseEvent(m);
  const from = getHeader(m, 'Libprocess-From');
  const c = classifyHttpRequest(m.method, m.target, from, from === undefined ? getHeader(m, 'User-Agent') : undefined);
  return c.kind === 'message' ? new MessageEventImpl(m, c) : requestEvent(m, c);
}

const EMPTY = new Uint8Array(0);
