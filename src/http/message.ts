/**
 * The objects the decoder hands out. One object per message serves as the head (onHead) and, once complete, the
 * message (onMessage). Header fields, the request target and the reason phrase are kept as byte offsets into the
 * head bytes and turned into strings only when first read: most consumers of a libprocess stream never look at
 * most headers, and string creation dominates framing cost.
 *
 * Retention: a message keeps the written chunk that holds its head (and its body view) alive while it is referenced.
 * Consumers that keep messages for long should copy what they need.
 */

import { COLON, CR, HTAB, LF, latin1String, SP } from '../bytes/ascii.ts';
import { isReleased } from '../bytes/release.ts';
import { MesosWireError } from '../errors.ts';
import { RepeatedBytes } from './repeated-bytes.ts';
import type { BodyFraming, HttpHeader, HttpRequestMessage, HttpResponseMessage } from './types.ts';

/** Shared empty body (zero length, so sharing it is harmless). */
export const EMPTY_BODY: Uint8Array = new Uint8Array(0);
/** Shared empty header list. */
export const NO_HEADERS: readonly HttpHeader[] = Object.freeze([]);
/** Shared (frozen) chunk-size list of messages that are not chunked. */
const NO_CHUNKS = Object.freeze([]) as unknown as number[];

/**
 * Chunk sizes a message lists, at most (the rest are counted): a long-lived event stream is one response of millions
 * of chunks, and a body of one-byte chunks would otherwise keep 8 bytes of list per body byte.
 */
export const MAX_LISTED_CHUNKS = 4096;

/**
 * Header fields found in O(1) by `getHeader` on a reused head: the fields libprocess, the v1 API and the pipeline ask
 * for. A kept head (see KeptHead) locates all of them in one pass over its lines at the first lookup, and keeps their
 * strings once made (shared by every message that reuses the head). KNOWN_HEADERS[k] is the canonical spelling.
 */
export const KNOWN_HEADERS = [
  'Libprocess-From',
  'User-Agent',
  'Content-Type',
  'Content-Encoding',
  'Content-Length',
  'Transfer-Encoding',
  'Accept',
  'Connection',
  'Host',
  'Message-Content-Type',
  'Mesos-Stream-Id',
  'Accept-Encoding',
  'Date',
] as const;

/** Lowercase name -> index in KNOWN_HEADERS; also keyed by the canonical spelling (callers mostly pass that). */
const KNOWN_INDEX = new Map<string, number>();
for (let k = 0; k < KNOWN_HEADERS.length; k++) {
  KNOWN_INDEX.set(KNOWN_HEADERS[k], k);
  KNOWN_INDEX.set(KNOWN_HEADERS[k].toLowerCase(), k);
}

/** Index in KNOWN_HEADERS of a header name given in canonical or lowercase spelling, or -1. */
export function knownHeaderIndexOf(name: string): number {
  return KNOWN_INDEX.get(name) ?? -1;
}

/** KNOWN_BY_LENGTH[n]: indexes of the known names of n bytes, and KNOWN_LOWER[k]: their lowercase bytes. */
const KNOWN_LOWER_NAMES: string[] = KNOWN_HEADERS.map((name) => name.toLowerCase());
const KNOWN_LOWER: Uint8Array[] = KNOWN_HEADERS.map((name) => {
  const lower = name.toLowerCase();
  const out = new Uint8Array(lower.length);
  for (let i = 0; i < lower.length; i++) out[i] = lower.charCodeAt(i);
  return out;
});
const KNOWN_BY_LENGTH: number[][] = [];
for (let k = 0; k < KNOWN_HEADERS.length; k++) (KNOWN_BY_LENGTH[KNOWN_HEADERS[k].length] ??= []).push(k);

/**
 * Index in KNOWN_HEADERS of the field name b[s, s + n), compared case-insensitively, or -1. The name must consist of
 * token bytes (the decoder checked it): for those, `| 0x20` folds exactly the letters and leaves `-` alone.
 */
export function knownHeaderIndexAt(b: Uint8Array, s: number, n: number): number {
  const candidates = KNOWN_BY_LENGTH[n];
  if (candidates === undefined) return -1;
  for (let c = 0; c < candidates.length; c++) {
    const k = candidates[c]!;
    const lower = KNOWN_LOWER[k]!;
    let i = 0;
    while (i < n && (b[s + i]! | 0x20) === lower[i]) i++;
    if (i === n) return k;
  }
  return -1;
}

/**
 * The parse of a head the decoder keeps for reuse: its bytes (copied into memory the decoder owns, so that no written
 * chunk is kept alive), the start-line facts and the framing facts. Byte-identical heads parse identically, so every
 * message whose head repeats these bytes takes them from here instead of parsing (libprocess sends the same head for
 * every message of a name; a server the same `202 Accepted`), and the strings read from it are made once for all.
 *
 * Only heads seen twice are kept: a message whose head is parsed afresh has no KeptHead (a ParsedHead of its own).
 */
export class KeptHead {
  readonly src: Uint8Array;
  /** Where the head starts in src, and its bytes (start line + header lines + blank line: headerBytes). */
  readonly start: number;
  readonly length: number;
  readonly isResponse: boolean;
  readonly version: '1.0' | '1.1';
  readonly method: string;
  readonly status: number;
  /** In src: the request target or reason phrase [textStart, textEnd), the header lines [fieldsStart, fieldsEnd). */
  readonly textStart: number;
  readonly textEnd: number;
  readonly fieldsStart: number;
  readonly fieldsEnd: number;
  readonly folded: boolean;
  /** Framing facts; the *At positions are relative to the head's first byte (for error offsets). */
  readonly contentLength: number;
  readonly contentLengthAt: number;
  readonly hasTransferEncoding: boolean;
  readonly chunkedFinal: boolean;
  readonly transferEncodingAt: number;
  /** A request whose body is chunked (every libprocess message): its body may be taken in one step. */
  readonly oneChunkRequest: boolean;
  /**
   * What layers above derived from these bytes (see DecodedHttpMessage.deriveFromHead), and under which keys: the two
   * most recent derivations (a capture classifies every head and its output guesses the style of each).
   */
  derivedKey: object | undefined = undefined;
  derived: unknown = undefined;
  derivedKey2: object | undefined = undefined;
  derived2: unknown = undefined;
  /** The bytes as compared with later input (made at the first comparison). */
  #bytes: RepeatedBytes | undefined = undefined;
  #text: string | undefined = undefined;
  #headers: readonly HttpHeader[] | undefined = undefined;
  /** The known fields' last values [known[2k], known[2k + 1]) in src, or known[2k] = -1; then their strings. */
  #known: Int32Array | undefined = undefined;
  #knownText: (string | undefined)[] | undefined = undefined;

  constructor(
    src: Uint8Array,
    start: number,
    length: number,
    isResponse: boolean,
    version: '1.0' | '1.1',
    method: string,
    status: number,
    textStart: number,
    textEnd: number,
    fieldsStart: number,
    fieldsEnd: number,
    folded: boolean,
    contentLength: number,
    contentLengthAt: number,
    hasTransferEncoding: boolean,
    chunkedFinal: boolean,
    transferEncodingAt: number,
  ) {
    this.src = src;
    this.start = start;
    this.length = length;
    this.isResponse = isResponse;
    this.version = version;
    this.method = method;
    this.status = status;
    this.textStart = textStart;
    this.textEnd = textEnd;
    this.fieldsStart = fieldsStart;
    this.fieldsEnd = fieldsEnd;
    this.folded = folded;
    this.contentLength = contentLength;
    this.contentLengthAt = contentLengthAt;
    this.hasTransferEncoding = hasTransferEncoding;
    this.chunkedFinal = chunkedFinal;
    this.transferEncodingAt = transferEncodingAt;
    this.oneChunkRequest = !isResponse && hasTransferEncoding && chunkedFinal;
  }

  /**
   * Whether b[at, at + length) repeats this head's bytes exactly. `words` is `wordsOf(b)` (eight bytes per step,
   * see RepeatedBytes), or undefined for a small write (byte by byte: a view costs more than it saves there).
   */
  sameBytes(b: Uint8Array, words: Float64Array | undefined, at: number): boolean {
    return (this.#bytes ??= new RepeatedBytes(this.src, this.start, this.length)).equalAt(b, words, at);
  }

  /** The request target or reason phrase, made once. */
  startLineText(): string {
    return (this.#text ??= internLatin1(this.src, this.textStart, this.textEnd));
  }

  /** Header fields in order and case as sent, made once. */
  headers(): readonly HttpHeader[] {
    return (this.#headers ??= materialiseHeaders(this.src, this.fieldsStart, this.fieldsEnd));
  }

  /** The last value of the header whose lowercase name is `lowerName`. */
  lastHeaderValue(lowerName: string): string | undefined {
    const k = KNOWN_INDEX.get(lowerName);
    if (k !== undefined) return this.knownValue(k);
    if (this.folded) return lastValueIn(this.headers(), lowerName);
    return scanLastValue(this.src, this.fieldsStart, this.fieldsEnd, lowerName);
  }

  /** The last value of KNOWN_HEADERS[k]: located with the others in one pass at the first lookup, made once. */
  knownValue(k: number): string | undefined {
    if (this.folded) return lastValueIn(this.headers(), KNOWN_LOWER_NAMES[k]!);
    const known = (this.#known ??= this.#locateKnown());
    const vs = known[2 * k]!;
    if (vs < 0) return undefined;
    const texts = (this.#knownText ??= new Array<string | undefined>(KNOWN_HEADERS.length));
    return (texts[k] ??= internLatin1(this.src, vs, known[2 * k + 1]!));
  }

  #locateKnown(): Int32Array {
    const known = new Int32Array(2 * KNOWN_HEADERS.length).fill(-1);
    const b = this.src;
    // The head was validated while decoding and has no folds here: every line is `name:value` ending in LF.
    for (let i = this.fieldsStart; i < this.fieldsEnd; ) {
      let colon = i;
      while (b[colon] !== COLON) colon++;
      const lf = b.indexOf(LF, colon);
      const k = knownHeaderIndexAt(b, i, colon - i);
      if (k >= 0) {
        let vs = colon + 1;
        let ve = lf;
        if (ve > vs && b[ve - 1] === CR) ve--;
        while (vs < ve && (b[vs] === SP || b[vs] === HTAB)) vs++;
        while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HTAB)) ve--;
        known[2 * k] = vs;
        known[2 * k + 1] = ve;
      }
      i = lf + 1;
    }
    return known;
  }
}

/**
 * A cheap 32-bit fingerprint of b[at, at + n): its length and eight bytes spread over it (n >= 8; every head is
 * longer). The decoder uses it to keep only heads that came before.
 */
export function headPrint(b: Uint8Array, at: number, n: number): number {
  const q = n >> 3;
  let h = Math.imul(n, 0x9e3779b1);
  for (let i = 1; i < 8; i++) h = Math.imul(h ^ b[at + i * q]!, 0x01000193);
  return (Math.imul(h ^ b[at + n - 1]!, 0x01000193) ^ b[at + n - 5]!) | 0;
}

/**
 * The bytes of a head parsed afresh, and the strings read from them (made on first access, then kept): one per such
 * message. A message whose head repeats a kept head reads the KeptHead instead (its strings shared by all of them),
 * so that the message objects made for every libprocess message carry none of these fields.
 */
class ParsedHead {
  // Header lines span src[fieldsStart, fieldsEnd) (fieldsEnd is where the blank line starts); the start-line text
  // (request target or reason phrase) is src[textStart, textEnd).
  src: Uint8Array;
  textStart: number;
  textEnd: number;
  fieldsStart: number;
  fieldsEnd: number;
  readonly folded: boolean;
  /** Whether src is the message's own copy of its head (see detachHead). */
  owned = false;
  text: string | undefined = undefined;
  headers: readonly HttpHeader[] | undefined = undefined;

  constructor(
    src: Uint8Array,
    fieldsStart: number,
    fieldsEnd: number,
    folded: boolean,
    textStart: number,
    textEnd: number,
  ) {
    this.src = src;
    this.fieldsStart = fieldsStart;
    this.fieldsEnd = fieldsEnd;
    this.folded = folded;
    this.textStart = textStart;
    this.textEnd = textEnd;
  }
}

/**
 * A decoded request or response (`kind`): the head (onHead) and, once complete, the whole message. Fields are set by
 * the decoder while the message progresses.
 *
 * One class for both kinds, not a base class with a subclass per kind: V8 constructs instances of derived classes
 * several times slower (the super() call, and fields beyond the base's estimate stored out of the object), which
 * was a tenth of the decoder's time per libprocess message. The kind-specific parts are getters over one slot each.
 */
export class DecodedHttpMessage {
  readonly kind: 'request' | 'response';
  offset: number;
  version: '1.0' | '1.1';
  headerBytes: number;
  framing: BodyFraming = 'none';
  contentLength: number | undefined = undefined;
  /** Absolute offset of the first body byte (after its chunk-size line when chunked); undefined without body. */
  bodyOffset: number | undefined = undefined;
  trailers: readonly HttpHeader[] = NO_HEADERS;
  end = -1;
  // The body: #body, or, when #bodySrc is set, the bytes #bodySrc[#bodyAt, #bodyAt + #bodyLength) of one written
  // chunk, made into a view when first read (most readers of a libprocess stream never read some bodies: no view
  // is made for them). The view aliases the same bytes an eager one would.
  #body: Uint8Array = EMPTY_BODY;
  #bodySrc: Uint8Array | undefined = undefined;
  #bodyAt = 0;
  #bodyLength = 0;
  /** #body is the array the decoder collected the body into (pieces from several writes), no one else's. */
  #bodyCollected = false;
  /** The kept head this message's head repeats (its strings are shared), or undefined for a head parsed afresh. */
  #kept: KeptHead | undefined;
  /** The head parsed afresh (undefined when #kept is set). */
  #parsed: ParsedHead | undefined;
  // Chunk sizes: a lone first size stays a number (a libprocess body is one chunk), the list is made when read or
  // when a second chunk comes.
  #firstChunk = -1;
  #chunks: number[] = NO_CHUNKS;
  /** Chunks beyond the MAX_LISTED_CHUNKS listed (counted, not kept: an endless stream has endless chunks). */
  #unlistedChunks = 0;
  // Requests: the method; responses: the status (set by the decoder once the head is framed).
  #method = '';
  #status = 0;

  constructor(
    kind: 'request' | 'response',
    offset: number,
    version: '1.0' | '1.1',
    headerBytes: number,
    kept: KeptHead | undefined,
    parsed: ParsedHead | undefined,
  ) {
    this.kind = kind;
    this.offset = offset;
    this.version = version;
    this.headerBytes = headerBytes;
    this.#kept = kept;
    this.#parsed = parsed;
  }

  /**
   * @internal A message whose head was parsed afresh: its header lines are src[fieldsStart, fieldsEnd), its start-line
   * text src[textStart, textEnd) (read lazily from src, the written input, until detachHead).
   */
  static parsed(
    kind: 'request' | 'response',
    offset: number,
    version: '1.0' | '1.1',
    headerBytes: number,
    src: Uint8Array,
    fieldsStart: number,
    fieldsEnd: number,
    folded: boolean,
    textStart: number,
    textEnd: number,
  ): DecodedHttpMessage {
    const parsed = new ParsedHead(src, fieldsStart, fieldsEnd, folded, textStart, textEnd);
    return new DecodedHttpMessage(kind, offset, version, headerBytes, undefined, parsed);
  }

  /** @internal A message whose head repeats `kept` (no per-message head state). */
  static repeating(kind: 'request' | 'response', offset: number, kept: KeptHead): DecodedHttpMessage {
    return new DecodedHttpMessage(kind, offset, kept.version, kept.length, kept, undefined);
  }

  /**
   * Copies the head bytes that are read lazily (start-line text, header lines) out of the written input. Until then
   * they are read from the written chunk: a layer that keeps the message past the chunk (a message spanning packets
   * of a capture) calls this so as not to keep the chunk alive. A reused head owns its bytes already.
   */
  detachHead(): void {
    const head = this.#parsed;
    if (head === undefined || head.owned) return;
    const from = head.textStart;
    head.src = head.src.slice(from, head.fieldsEnd);
    head.textStart -= from;
    head.textEnd -= from;
    head.fieldsStart -= from;
    head.fieldsEnd -= from;
    head.owned = true;
  }

  /** The whole body (see HttpMessageBody.body). */
  get body(): Uint8Array {
    const src = this.#bodySrc;
    if (src !== undefined) {
      if (isReleased(src.buffer)) throw this.released('body');
      const at = this.#bodyAt;
      const length = this.#bodyLength;
      // new Uint8Array(buffer, ...) rather than subarray(): subarray goes through a species lookup (slower).
      this.#body = at === 0 && length === src.length ? src : new Uint8Array(src.buffer, src.byteOffset + at, length);
      this.#bodySrc = undefined;
    }
    const body = this.#body;
    // A view of released bytes reads as empty: only an empty body can be one (no cost for the others).
    if (body.byteLength === 0 && isReleased(body.buffer)) throw this.released('body');
    return body;
  }

  set body(bytes: Uint8Array) {
    this.#body = bytes;
    this.#bodySrc = undefined;
    this.#bodyCollected = false;
  }

  /** @internal The decoder's own array holding the body, collected from pieces of several writes. */
  collectedBody(bytes: Uint8Array): void {
    this.#body = bytes;
    this.#bodySrc = undefined;
    this.#bodyCollected = true;
  }

  /**
   * @internal The body when it is the decoder's collected array (see collectedBody) and was not replaced: a reader
   * done with the message may free it (releaseBytes); undefined for a body that is a view of the written input.
   */
  get ownBody(): Uint8Array | undefined {
    return this.#bodyCollected ? this.#body : undefined;
  }

  /**
   * @internal Whether this message still reads bytes of `buffer` (a written chunk's): its head parsed afresh, read
   * lazily, or its body not yet made into a view. The decoder asks it of the message in progress (HttpDecoder.holds).
   */
  readsFrom(buffer: ArrayBufferLike): boolean {
    const head = this.#parsed;
    return (head !== undefined && !head.owned && head.src.buffer === buffer) || this.#bodySrc?.buffer === buffer;
  }

  /** The error for reading `what` after the reader released the chunk it lies in (see releaseBytes). */
  private released(what: string): MesosWireError {
    return new MesosWireError(
      'MW_HTTP_INPUT_RELEASED',
      `the ${what} of the message at offset ${this.offset} was read after its bytes were released (copy what you keep while the message is handed to you)`,
      { offset: this.offset },
    );
  }

  /** The head parsed afresh, checked to be still readable (its bytes not released by the reader). */
  private readableHead(head: ParsedHead): ParsedHead {
    if (!head.owned && isReleased(head.src.buffer)) throw this.released('head');
    return head;
  }

  /** @internal The body is `src[at, at + length)` (a written chunk): its view is made when `body` is first read. */
  bodyIn(src: Uint8Array, at: number, length: number): void {
    this.#bodySrc = src;
    this.#bodyAt = at;
    this.#bodyLength = length;
  }

  /**
   * Sizes of the first MAX_LISTED_CHUNKS chunks as sent (the final 0 excluded); the shared frozen [] unless chunked.
   * `chunkCount` counts them all.
   */
  get chunks(): number[] {
    if (this.#firstChunk >= 0) {
      this.#chunks = [this.#firstChunk];
      this.#firstChunk = -1;
    }
    return this.#chunks;
  }

  /** Chunks of the body (the final 0 excluded), listed in `chunks` or not. */
  get chunkCount(): number {
    return this.#firstChunk >= 0 ? 1 : this.#chunks.length + this.#unlistedChunks;
  }

  /** @internal The decoder read a chunk-size line announcing `size` (> 0) bytes. */
  addChunk(size: number): void {
    if (this.#chunks.length > 0) {
      if (this.#chunks.length < MAX_LISTED_CHUNKS) this.#chunks.push(size);
      else this.#unlistedChunks++;
    } else if (this.#firstChunk < 0) this.#firstChunk = size;
    else {
      this.#chunks = [this.#firstChunk, size];
      this.#firstChunk = -1;
    }
  }

  /**
   * `derive(this)`, computed once for all the messages whose head repeats the same kept head (see KeptHead): the
   * first such message computes it, the others get that value. Messages with a head parsed afresh compute it every
   * time. `derive` must depend only on the head's bytes (start line, header fields; not body, offsets or time), so
   * that the shared value is the one it would compute; `key` names the derivation (a head keeps the values of the
   * last two keys: a third replaces the older one). Layers above use it for facts they read from every head
   * (libprocess classification, the style guess).
   */
  deriveFromHead<T>(key: object, derive: (head: this) => T): T {
    const kept = this.#kept;
    if (kept === undefined) return derive(this);
    if (kept.derivedKey === key) return kept.derived as T;
    if (kept.derivedKey2 === key) return kept.derived2 as T;
    const value = derive(this);
    kept.derivedKey2 = kept.derivedKey;
    kept.derived2 = kept.derived;
    kept.derivedKey = key;
    kept.derived = value;
    return value;
  }

  /** The target (requests) or reason phrase (responses) as sent, made into a string on first access. */
  private startLineText(): string {
    const head = this.#parsed;
    if (head === undefined) return this.#kept!.startLineText();
    if (head.text !== undefined) return head.text;
    const readable = this.readableHead(head);
    return (head.text = internLatin1(readable.src, readable.textStart, readable.textEnd));
  }

  /** Header fields in order and case as sent (materialised on first access, then cached). */
  get headers(): readonly HttpHeader[] {
    const head = this.#parsed;
    if (head === undefined) return this.#kept!.headers();
    if (head.headers !== undefined) return head.headers;
    const readable = this.readableHead(head);
    return (head.headers = materialiseHeaders(readable.src, readable.fieldsStart, readable.fieldsEnd));
  }

  /** The last value of the header whose lowercase name is `lowerName` (see getHeader). */
  lastHeaderValue(lowerName: string): string | undefined {
    const head = this.#parsed;
    if (head === undefined) return this.#kept!.lastHeaderValue(lowerName);
    if (head.folded || head.headers !== undefined) return lastValueIn(this.headers, lowerName);
    const readable = this.readableHead(head);
    return scanLastValue(readable.src, readable.fieldsStart, readable.fieldsEnd, lowerName);
  }

  /** The last value of KNOWN_HEADERS[k] (see getHeader): O(1) on a reused head once it located its known fields. */
  knownHeaderValue(k: number): string | undefined {
    if (this.#kept !== undefined) return this.#kept.knownValue(k);
    return this.lastHeaderValue(KNOWN_LOWER_NAMES[k]!);
  }

  /** Requests: the method (empty for a response). */
  get method(): string {
    return this.#method;
  }

  set method(method: string) {
    this.#method = method;
  }

  /** Responses: the status code (0 for a request). */
  get status(): number {
    return this.#status;
  }

  set status(status: number) {
    this.#status = status;
  }

  /** Requests: the target exactly as sent. */
  get target(): string {
    return this.startLineText();
  }

  /** Responses: the reason phrase as sent (may be empty). */
  get reason(): string {
    return this.startLineText();
  }

  /** Plain data (getters resolved, body as its length) for logging and JSON. */
  toJSON(): Record<string, unknown> {
    return this.kind === 'request'
      ? { kind: this.kind, method: this.method, target: this.target, ...this.plainFields() }
      : { kind: this.kind, status: this.status, reason: this.reason, ...this.plainFields() };
  }

  private plainFields(): Record<string, unknown> {
    return {
      offset: this.offset,
      version: this.version,
      headers: this.headers,
      headerBytes: this.headerBytes,
      framing: this.framing,
      contentLength: this.contentLength,
      chunks: this.chunks,
      bodyLength: this.body.length,
      trailers: this.trailers,
      end: this.end,
    };
  }
}

function lastValueIn(headers: readonly HttpHeader[], lowerName: string): string | undefined {
  for (let i = headers.length - 1; i >= 0; i--) {
    if (headers[i]!.name.toLowerCase() === lowerName) return headers[i]!.value;
  }
  return undefined;
}

/** The last value of header `lowerName` among the validated, unfolded `name:value` lines b[start, end). */
function scanLastValue(b: Uint8Array, start: number, end: number, lowerName: string): string | undefined {
  const n = lowerName.length;
  let foundAt = -1;
  let foundEnd = -1;
  for (let i = start; i < end; ) {
    const lf = b.indexOf(LF, i);
    // Validated when decoded; bounded anyway, so bytes changed since (a reused buffer) cannot make this loop forever.
    if (lf < 0 || lf >= end) break;
    if (i + n < lf && b[i + n] === COLON && sameLowerName(b, i, lowerName)) {
      foundAt = i + n + 1;
      foundEnd = lf;
    }
    i = lf + 1;
  }
  return foundAt < 0 ? undefined : trimmedValue(b, foundAt, foundEnd);
}

function materialiseHeaders(b: Uint8Array, start: number, end: number): readonly HttpHeader[] {
  // The head was validated while decoding: every line is `name:value` or a fold, and ends in LF. The scans stop at
  // `end` all the same: bytes changed since (a reused buffer) give wrong headers, never an endless loop.
  const out: HttpHeader[] = [];
  for (let i = start; i < end; ) {
    let vs = i;
    if (b[i] !== SP && b[i] !== HTAB) {
      while (vs < end && b[vs] !== COLON) vs++;
      vs++;
    }
    while (vs < end && (b[vs] === SP || b[vs] === HTAB)) vs++;
    let lf = vs;
    while (lf < end && b[lf] !== LF) lf++;
    let ve = lf;
    if (ve > vs && b[ve - 1] === CR) ve--;
    while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HTAB)) ve--;
    if (b[i] === SP || b[i] === HTAB) {
      // obs-fold continuation (only with the obsFold leniency): joined to the previous value with one SP.
      const prev = out[out.length - 1];
      if (prev === undefined) {
        // Only when the bytes changed since decoding: a fold cannot come first in a validated head.
        i = lf + 1;
        continue;
      }
      const more = internLatin1(b, vs, ve);
      const value = more === '' ? prev.value : prev.value === '' ? more : `${prev.value} ${more}`;
      out[out.length - 1] = { name: prev.name, value };
    } else {
      let nameEnd = i;
      while (nameEnd < end && b[nameEnd] !== COLON) nameEnd++;
      out.push({ name: internLatin1(b, i, nameEnd), value: internLatin1(b, vs, ve) });
    }
    i = lf + 1;
  }
  return Object.freeze(out);
}

function sameLowerName(b: Uint8Array, at: number, lowerName: string): boolean {
  for (let k = 0; k < lowerName.length; k++) {
    let c = b[at + k]!;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lowerName.charCodeAt(k)) return false;
  }
  return true;
}

/** latin1 text of b[start, lf) without the CR before lf and without surrounding SP/HTAB. */
function trimmedValue(b: Uint8Array, start: number, lf: number): string {
  let e = lf;
  if (e > start && b[e - 1] === CR) e--;
  while (start < e && (b[start] === SP || b[start] === HTAB)) start++;
  while (e > start && (b[e - 1] === SP || b[e - 1] === HTAB)) e--;
  return internLatin1(b, start, e);
}

/**
 * Recently made strings for short byte spans. A libprocess stream repeats the same header names, UPIDs and paths over
 * and over; finding the string again (one byte comparison) is cheaper than building it. Bounded: one slot per hash.
 * The first table's slot hash reads four bytes (cheap); spans that collide there with a string of the same length
 * (targets and UPIDs that differ in one digit: `/slave(1)/X` vs `/slave(5)/X`) go to a second table whose slot hash
 * reads every byte, so that both are found again instead of evicting each other.
 */
const INTERN_SLOTS = 1024;
const INTERN_MAX_BYTES = 64;
const interned: (string | undefined)[] = new Array(INTERN_SLOTS);
const internedByAllBytes: (string | undefined)[] = new Array(INTERN_SLOTS);

/** latin1 text of b[s, e), reusing a recent equal string when there is one. */
export function internLatin1(b: Uint8Array, s: number, e: number): string {
  const n = e - s;
  if (n === 0) return '';
  if (n > INTERN_MAX_BYTES) return latin1String(b, s, e);
  const slot = (n * 31 + b[s]! * 7 + b[e - 1]! * 13 + b[s + (n >> 1)]!) & (INTERN_SLOTS - 1);
  const hit = interned[slot];
  if (hit !== undefined && hit.length === n) {
    if (sameLatin1(hit, b, s, n)) return hit;
    let h = n;
    for (let i = s; i < e; i++) h = (Math.imul(h, 31) + b[i]!) | 0;
    const slot2 = (h ^ (h >>> 10)) & (INTERN_SLOTS - 1);
    const hit2 = internedByAllBytes[slot2];
    if (hit2 !== undefined && hit2.length === n && sameLatin1(hit2, b, s, n)) return hit2;
    const text = String.fromCharCode.apply(null, b.subarray(s, e) as unknown as number[]);
    internedByAllBytes[slot2] = text;
    return text;
  }
  const text = String.fromCharCode.apply(null, b.subarray(s, e) as unknown as number[]);
  interned[slot] = text;
  return text;
}

function sameLatin1(text: string, b: Uint8Array, s: number, n: number): boolean {
  let i = 0;
  while (i < n && text.charCodeAt(i) === b[s + i]) i++;
  return i === n;
}

/** A decoded request (see DecodedHttpMessage). */
export type DecodedRequest = DecodedHttpMessage & HttpRequestMessage;
/** A decoded response (see DecodedHttpMessage). */
export type DecodedResponse = DecodedHttpMessage & HttpResponseMessage;
export type DecodedMessage = DecodedRequest | DecodedResponse;
