/**
 * Request classification with a fast path, and the libprocess message event: shared by the session layer
 * (session.ts) and by anything that shows single HTTP messages (`httpEvent`: `listen`, the mock master).
 */
import type { BodyOffsetMap, TypedBody } from '../analysis/body-decode.ts';
import type { TcpDirection } from '../diagnostics.ts';
import { deriveFromHead, getHeader, type HttpHead, type HttpHeader, type HttpMessage } from '../http/types.ts';
import {
  type ClassifiedMessage,
  classifyRequest,
  formatUpid,
  guessMessageStyle,
  parseUpidLikeMesosDetailed,
  targetPath,
  type Upid,
} from '../libprocess/index.ts';
import type { PacketRef } from '../pcap/packet.ts';
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
  return quickMessageOf(target, libprocessFrom, slim.length > 0 ? slim[0]!.value : undefined);
}

/** `quickMessage` with the User-Agent value itself (no header list to build). */
function quickMessageOf(
  target: string,
  libprocessFrom: string | undefined,
  agent: string | undefined,
): MessageFacts | undefined {
  let fromText: string;
  let fromSource: ClassifiedMessage['fromSource'];
  if (libprocessFrom !== undefined) {
    fromText = libprocessFrom.trim();
    fromSource = 'Libprocess-From';
  } else {
    if (agent === undefined || !agent.startsWith('libprocess/')) return undefined;
    fromText = agent.slice('libprocess/'.length);
    fromSource = 'User-Agent';
  }
  if (target.charCodeAt(0) !== 0x2f) return undefined; // absolute-form and others: the full rules
  const path = targetPath(target);
  const slash = path.indexOf('/', 1);
  const rawId = slash < 0 ? path.slice(1) : path.slice(1, slash);
  if (rawId.includes('%') || rawId.includes('+')) return undefined;
  return {
    kind: 'message',
    fromText,
    fromSource,
    to: rawId,
    name: slash < 0 ? '' : canonicalName(path.slice(slash + 1)),
  };
}

/** Slots of the message-name table (a power of two); names longer than NAME_MAX_CHARS are not kept. */
const NAME_SLOTS = 256;
const NAME_MAX_CHARS = 128;
const names: (string | undefined)[] = new Array(NAME_SLOTS);

/**
 * An earlier string equal to `name` when its slot still holds one, else `name` (kept for next time): a stream
 * repeats a few message names, and the name is looked up in Maps downstream (wire-name registry, registration
 * names, stats rows). A string looked up before carries its hash; a new slice of the target would be hashed at every
 * lookup, which costs more than one comparison. Same text either way; colliding names just replace each other.
 */
function canonicalName(name: string): string {
  const n = name.length;
  if (n === 0 || n > NAME_MAX_CHARS) return name;
  const slot =
    (n * 31 + name.charCodeAt(n >> 1) * 7 + name.charCodeAt(Math.max(n - 8, 0)) * 13 + name.charCodeAt((n * 3) >> 2)) &
    (NAME_SLOTS - 1);
  const known = names[slot];
  if (known === name) return known;
  names[slot] = name;
  return name;
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
  const fast = method === 'POST' ? quickMessageOf(target, from, from === undefined ? agent : undefined) : undefined;
  if (fast !== undefined) return fast;
  const slim: HttpHeader[] = [];
  if (from !== undefined) slim.push({ name: 'Libprocess-From', value: from });
  else if (agent !== undefined) slim.push({ name: 'User-Agent', value: agent });
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

/** Most distinct sender texts whose parse is remembered (texts are attacker-controlled in captures). */
const MAX_SENDERS = 4096;

/**
 * A sender UPID text and what Mesos parses it to, computed on first use and shared by every event with that text:
 * a connection repeats one sender for all its messages, and the parse (BigInt port arithmetic) is the costly part.
 * The parsed UPID is frozen, since events share it.
 */
class SenderInfo {
  readonly text: string;
  #upid: Upid | undefined;
  #valid: boolean | undefined;
  #formatted: string | undefined;

  constructor(text: string, upid?: Upid, valid?: boolean) {
    this.text = text;
    this.#upid = upid;
    this.#valid = valid;
  }

  get upid(): Upid {
    if (this.#upid === undefined) {
      const { upid, valid } = parseUpidLikeMesosDetailed(this.text);
      this.#upid = Object.isFrozen(upid) ? upid : Object.freeze(upid);
      this.#valid = valid;
    }
    return this.#upid;
  }

  get valid(): boolean {
    if (this.#valid === undefined) void this.upid;
    return this.#valid!;
  }

  get formatted(): string {
    this.#formatted ??= formatUpid(this.upid);
    return this.#formatted;
  }
}

const senders = new Map<string, SenderInfo>();

let lastSender: SenderInfo | undefined;

/** The shared SenderInfo of a sender text (a fresh one when classification already parsed it: no lookup needed). */
function senderInfo(c: MessageFacts): SenderInfo {
  if (c.from !== undefined) return new SenderInfo(c.fromText, c.from, c.fromValid);
  // Consecutive messages mostly share their sender: a string comparison is cheaper than hashing a new string.
  if (lastSender !== undefined && lastSender.text === c.fromText) return lastSender;
  let info = senders.get(c.fromText);
  if (info === undefined) {
    if (senders.size >= MAX_SENDERS) senders.clear();
    info = new SenderInfo(c.fromText);
    senders.set(c.fromText, info);
  }
  lastSender = info;
  return info;
}

/** Where a direction of a capture runs: the capture fields every item of that direction shares. */
export interface CapturePlace {
  readonly flow: string;
  readonly connection: number | undefined;
  readonly direction: TcpDirection | undefined;
}

/** An event that may carry capture fields. */
type PlacedEvent = CaptureFields & { endFrame?: number };

/**
 * Writes the capture fields of an item whose first byte came in `packet` and last in `endPacket` (frame and time
 * only when the packet is known, endFrame only when the last packet is given). Raw-stream items get none.
 */
function placeEvent(
  event: PlacedEvent,
  place: CapturePlace | undefined,
  packet: PacketRef | undefined,
  endPacket: PacketRef | undefined,
): void {
  if (place === undefined) return;
  event.flow = place.flow;
  event.connection = place.connection;
  event.direction = place.direction;
  if (packet !== undefined) {
    event.frame = packet.index;
    event.time = packet.timestamp;
  }
  if (endPacket !== undefined) event.endFrame = endPacket.index;
}

/**
 * What every event built from one HTTP message has. Events are classes rather than literals with getters: lazy
 * fields (header list, sender, style) live on the prototype, with no closure and no slow-mode object per event.
 */
abstract class HttpEventFields {
  offset: number;
  end: number;
  version: '1.0' | '1.1';
  framing: HttpMessage['framing'];
  chunks: number[];
  chunkCount?: number;
  body: Uint8Array;
  trailers: HttpMessage['trailers'];
  bodyOffsets?: BodyOffsetMap;
  typed?: TypedBody;
  // Capture fields: declared only (no own property on raw-stream events, which never have them).
  declare flow?: string;
  declare connection?: number;
  declare direction?: DecodedResponse['direction'];
  declare frame?: number;
  declare time?: DecodedResponse['time'];
  declare endFrame?: number;
  readonly #message: HttpMessage;

  constructor(m: HttpMessage, body: Uint8Array, offsets: BodyOffsetMap | undefined) {
    this.offset = m.offset;
    this.end = m.end;
    this.version = m.version;
    this.framing = m.framing;
    this.chunks = m.chunks;
    if (m.chunkCount !== undefined && m.chunkCount > m.chunks.length) this.chunkCount = m.chunkCount;
    this.body = body;
    this.trailers = m.trailers;
    if (offsets !== undefined) this.bodyOffsets = offsets;
    this.#message = m;
  }

  /** The decoded message this event was built from (a getter: not an own, enumerable property). */
  protected get httpMessage(): HttpMessage {
    return this.#message;
  }
}

/** Request and response events also show the header list, read from the message on first access. */
abstract class HttpEventBase extends HttpEventFields {
  get headers(): readonly HttpHeader[] {
    return this.httpMessage.headers;
  }
}

/** The derivation key of the style guess on decoded heads (see deriveFromHead). */
const STYLE_KEY = {};

/**
 * A libprocess message event. The sender UPID (`fromUpid`, `fromValid`, `from`) and `style` are computed on first
 * access: stats and the benchmarks never read them, and a class keeps the accessors on the prototype (no closures
 * per event). The sender's parse is shared by every event with the same sender text.
 */
export class MessageEventImpl extends HttpEventFields implements DecodedMessage {
  readonly type = 'message' as const;
  fromText: string;
  fromSource: DecodedMessage['fromSource'];
  to: string;
  name: string;
  #sender: SenderInfo;
  #style: DecodedMessage['style'] | undefined;

  constructor(
    m: HttpMessage,
    c: MessageFacts,
    body: Uint8Array = m.body,
    offsets?: BodyOffsetMap,
    place?: CapturePlace,
    packet?: PacketRef,
    endPacket?: PacketRef,
  ) {
    super(m, body, offsets);
    this.fromText = c.fromText;
    this.fromSource = c.fromSource;
    this.to = c.to;
    this.name = c.name;
    this.#sender = senderInfo(c);
    placeEvent(this, place, packet, endPacket);
  }

  /** The sender as Mesos parses it (the empty UPID when it does not parse), parsed on first use. */
  get fromUpid(): Upid {
    return this.#sender.upid;
  }

  get fromValid(): boolean {
    return this.#sender.valid;
  }

  get from(): string {
    return this.#sender.formatted;
  }

  get style(): DecodedMessage['style'] {
    // The style depends only on the head: messages repeating a head the decoder kept share one guess.
    this.#style ??= deriveFromHead(this.httpMessage as HttpMessage & { kind: 'request' }, STYLE_KEY, guessMessageStyle);
    return this.#style;
  }
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

/** A response event (body untyped). */
class ResponseEventImpl extends HttpEventBase implements DecodedResponse {
  readonly type = 'response' as const;
  status: number;
  reason: string;
  declare stream?: 'recordio';
  declare request?: string;
  declare requestFrame?: number;

  constructor(m: HttpMessage & { kind: 'response' }, body: Uint8Array, offsets: BodyOffsetMap | undefined) {
    super(m, body, offsets);
    this.status = m.status;
    this.reason = m.reason;
  }
}

/** A request event that is not a libprocess message (body untyped). */
class RequestEventImpl extends HttpEventBase implements DecodedRequest {
  readonly type = 'request' as const;
  method: string;
  target: string;
  declare rejected?: { status: number; code: string; message: string };

  constructor(m: HttpMessage & { kind: 'request' }, body: Uint8Array, offsets: BodyOffsetMap | undefined) {
    super(m, body, offsets);
    this.method = m.method;
    this.target = m.target;
  }
}

/** The event of a response (body untyped). Its header list is read on first access. */
export function responseEvent(
  m: HttpMessage & { kind: 'response' },
  body: Uint8Array = m.body,
  offsets?: BodyOffsetMap,
  place?: CapturePlace,
  packet?: PacketRef,
  endPacket?: PacketRef,
): DecodedResponse {
  const event = new ResponseEventImpl(m, body, offsets);
  placeEvent(event, place, packet, endPacket);
  return event;
}

/** The event of a request that is not a libprocess message (body untyped). Its header list is read on first access. */
export function requestEvent(
  m: HttpMessage & { kind: 'request' },
  c: Exclude<RequestFacts, MessageFacts>,
  body: Uint8Array = m.body,
  offsets?: BodyOffsetMap,
  place?: CapturePlace,
  packet?: PacketRef,
  endPacket?: PacketRef,
): DecodedRequest {
  const event = new RequestEventImpl(m, body, offsets);
  if (c.kind === 'rejected') event.rejected = { status: c.status, code: c.error.code, message: c.error.message };
  placeEvent(event, place, packet, endPacket);
  return event;
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
