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
import type { BodyFraming, HttpHeader, HttpRequestMessage, HttpResponseMessage } from './types.ts';

/** Shared empty body (zero length, so sharing it is harmless). */
export const EMPTY_BODY: Uint8Array = new Uint8Array(0);
/** Shared empty header list. */
export const NO_HEADERS: readonly HttpHeader[] = Object.freeze([]);
/** Shared (frozen) chunk-size list of messages that are not chunked. */
const NO_CHUNKS = Object.freeze([]) as unknown as number[];

/**
 * Header fields found in O(1) by `getHeader`: the fields libprocess, the v1 API and the pipeline ask for. A header
 * block locates all of them in one pass over its lines at the first lookup, and keeps their strings once made (shared
 * by every message that reuses the block). KNOWN_HEADERS[k] is the canonical spelling.
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
 * The header block of a head (its field lines and the blank line), as the decoder parsed it: where the known fields
 * lie and the framing facts. A libprocess peer sends the same block with every message (only the request line names
 * another message), so the decoder reuses the block of a recent head when the bytes after a new start line repeat it,
 * and the strings read from it (header values, the header list) are made once for all those messages.
 *
 * Positions are relative to the block's first byte. The bytes are first those of the written chunk; a block the decoder
 * keeps for reuse is moved into a copy it owns (`keepIn`), so that no written chunk is kept alive by it.
 */
export class FieldBlock {
  #src: Uint8Array;
  #start: number;
  #view: DataView | undefined = undefined;
  /** Bytes of the field lines and the blank line. */
  readonly length: number;
  /** Where the blank line starts. */
  readonly fieldsEnd: number;
  /** obs-fold continuation lines present (obsFold leniency): lookups then go through the materialised list. */
  readonly folded: boolean;
  /** Content-Length value, or -1 (and where its value starts, for error offsets). */
  readonly contentLength: number;
  readonly contentLengthAt: number;
  readonly hasTransferEncoding: boolean;
  readonly chunkedFinal: boolean;
  readonly transferEncodingAt: number;
  #headers: readonly HttpHeader[] | undefined = undefined;
  /**
   * Where the known fields are, found by one pass over the lines at the first lookup: the last value of
   * KNOWN_HEADERS[k] is [known[2k], known[2k + 1]) (OWS trimmed), or known[2k] is -1. Then their strings.
   */
  #known: number[] | undefined = undefined;
  #knownText: (string | undefined)[] | undefined = undefined;

  constructor(
    src: Uint8Array,
    start: number,
    length: number,
    fieldsEnd: number,
    folded: boolean,
    contentLength: number,
    contentLengthAt: number,
    hasTransferEncoding: boolean,
    chunkedFinal: boolean,
    transferEncodingAt: number,
  ) {
    this.#src = src;
    this.#start = start;
    this.length = length;
    this.fieldsEnd = fieldsEnd;
    this.folded = folded;
    this.contentLength = contentLength;
    this.contentLengthAt = contentLengthAt;
    this.hasTransferEncoding = hasTransferEncoding;
    this.chunkedFinal = chunkedFinal;
    this.transferEncodingAt = transferEncodingAt;
  }

  /** Copy the block's bytes to slab[at, at + length) (`view` is a DataView over the slab) and read them there. */
  keepIn(slab: Uint8Array, view: DataView, at: number): void {
    slab.set(this.#src.subarray(this.#start, this.#start + this.length), at);
    this.#src = slab;
    this.#start = at;
    this.#view = view;
  }

  /** Whether b[at, at + length) repeats this block's bytes exactly (see sameSpan). */
  sameBytes(b: Uint8Array, bv: DataView | undefined, at: number): boolean {
    this.#view ??= new DataView(this.#src.buffer);
    return sameSpan(b, bv, at, this.#src, this.#view, this.#start, this.length);
  }

  /** The last value of KNOWN_HEADERS[k], or undefined. */
  knownValue(k: number): string | undefined {
    if (this.folded) return lastValueIn(this.allHeaders(), KNOWN_HEADERS[k]!.toLowerCase());
    const known = (this.#known ??= this.#locateKnown());
    const vs = known[2 * k]!;
    if (vs < 0) return undefined;
    const texts = (this.#knownText ??= new Array<string | undefined>(KNOWN_HEADERS.length));
    let text = texts[k];
    if (text === undefined) {
      text = internLatin1(this.#src, this.#start + vs, this.#start + known[2 * k + 1]!);
      texts[k] = text;
    }
    return text;
  }

  /** Positions of the known fields' last values (see #known); the block was validated, and has no folds here. */
  #locateKnown(): number[] {
    const known = new Array<number>(2 * KNOWN_HEADERS.length).fill(-1);
    const b = this.#src;
    const s = this.#start;
    const end = s + this.fieldsEnd;
    for (let i = s; i < end; ) {
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
        known[2 * k] = vs - s;
        known[2 * k + 1] = ve - s;
      }
      i = lf + 1;
    }
    return known;
  }

  /** Header fields in order and case as sent (materialised on first access, then shared). */
  allHeaders(): readonly HttpHeader[] {
    if (this.#headers === undefined) {
      this.#headers = materialiseHeaders(this.#src, this.#start, this.#start + this.fieldsEnd);
    }
    return this.#headers;
  }

  /** The last value of the header whose lowercase name is `lowerName`. */
  lastHeaderValue(lowerName: string): string | undefined {
    const k = KNOWN_INDEX.get(lowerName);
    if (k !== undefined) return this.knownValue(k);
    if (this.folded || this.#headers !== undefined) return lastValueIn(this.allHeaders(), lowerName);
    // The head was validated while decoding, so every line here is `name:value` ending in LF.
    const b = this.#src;
    const end = this.#start + this.fieldsEnd;
    const n = lowerName.length;
    let foundAt = -1;
    let foundEnd = -1;
    for (let i = this.#start; i < end; ) {
      const lf = b.indexOf(LF, i);
      if (i + n < lf && b[i + n] === COLON && sameLowerName(b, i, lowerName)) {
        foundAt = i + n + 1;
        foundEnd = lf;
      }
      i = lf + 1;
    }
    return foundAt < 0 ? undefined : trimmedValue(b, foundAt, foundEnd);
  }
}

/**
 * Whether b[at, at + n) equals src[start, start + n). `bv` and `sv` are DataViews over all of b's and src's
 * ArrayBuffers: four bytes per step, as this runs for every message of a repeating stream. Without `bv` (a small
 * write, where making a view costs more than it saves) byte by byte.
 */
function sameSpan(
  b: Uint8Array,
  bv: DataView | undefined,
  at: number,
  src: Uint8Array,
  sv: DataView,
  start: number,
  n: number,
): boolean {
  // The last bytes first (the blank line): spans of another length mostly fail here, before the loop.
  if (n >= 3 && (b[at + n - 1] !== src[start + n - 1] || b[at + n - 3] !== src[start + n - 3])) return false;
  let i = 0;
  if (bv === undefined) {
    for (; i < n; i++) if (b[at + i] !== src[start + i]) return false;
    return true;
  }
  const bo = b.byteOffset + at;
  const so = src.byteOffset + start;
  for (; i + 4 <= n; i += 4) if (bv.getInt32(bo + i, true) !== sv.getInt32(so + i, true)) return false;
  for (; i < n; i++) if (b[at + i] !== src[start + i]) return false;
  return true;
}

/**
 * What the decoder learnt from one head's bytes: the start line and its header block. Byte-identical heads give
 * identical ParsedHeads, so the decoder reuses one for every message whose head repeats the bytes of a recent one
 * (libprocess sends the same head for every message of a name; a server the same `202 Accepted`).
 *
 * Positions are relative to the head's first byte; a head kept for reuse is moved into a copy the decoder owns.
 */
export class ParsedHead {
  #src: Uint8Array;
  #start: number;
  #view: DataView | undefined = undefined;
  /** Bytes of start line + header block + blank line (headerBytes). */
  readonly length: number;
  readonly isResponse: boolean;
  readonly version: '1.0' | '1.1';
  readonly method: string;
  readonly status: number;
  /** The request target or the reason phrase: [textStart, textEnd). */
  readonly textStart: number;
  readonly textEnd: number;
  /** Where the header block starts. */
  readonly fieldsStart: number;
  readonly block: FieldBlock;
  #text: string | undefined = undefined;

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
    block: FieldBlock,
  ) {
    this.#src = src;
    this.#start = start;
    this.length = length;
    this.isResponse = isResponse;
    this.version = version;
    this.method = method;
    this.status = status;
    this.textStart = textStart;
    this.textEnd = textEnd;
    this.fieldsStart = fieldsStart;
    this.block = block;
  }

  /** Copy the head's bytes to slab[at, at + length) (`view` is a DataView over the slab) and read them there. */
  keepIn(slab: Uint8Array, view: DataView, at: number): void {
    slab.set(this.#src.subarray(this.#start, this.#start + this.length), at);
    this.#src = slab;
    this.#start = at;
    this.#view = view;
  }

  /** Whether b[at, at + length) repeats this head's bytes exactly (see sameSpan). */
  sameBytes(b: Uint8Array, bv: DataView | undefined, at: number): boolean {
    this.#view ??= new DataView(this.#src.buffer);
    return sameSpan(b, bv, at, this.#src, this.#view, this.#start, this.length);
  }

  /** The request target or reason phrase. */
  startLineText(): string {
    if (this.#text === undefined) {
      this.#text = internLatin1(this.#src, this.#start + this.textStart, this.#start + this.textEnd);
    }
    return this.#text;
  }
}

function lastValueIn(headers: readonly HttpHeader[], lowerName: string): string | undefined {
  for (let i = headers.length - 1; i >= 0; i--) {
    if (headers[i]!.name.toLowerCase() === lowerName) return headers[i]!.value;
  }
  return undefined;
}

function materialiseHeaders(b: Uint8Array, start: number, end: number): readonly HttpHeader[] {
  // The head was validated while decoding: every line is `name:value` or a fold, and ends in LF.
  const out: HttpHeader[] = [];
  for (let i = start; i < end; ) {
    let vs = i;
    if (b[i] !== SP && b[i] !== HTAB) {
      while (b[vs] !== COLON) vs++;
      vs++;
    }
    while (b[vs] === SP || b[vs] === HTAB) vs++;
    let lf = vs;
    while (b[lf] !== LF) lf++;
    let ve = lf;
    if (ve > vs && b[ve - 1] === CR) ve--;
    while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HTAB)) ve--;
    if (b[i] === SP || b[i] === HTAB) {
      // obs-fold continuation (only with the obsFold leniency): joined to the previous value with one SP.
      const prev = out[out.length - 1]!;
      const more = internLatin1(b, vs, ve);
      const value = more === '' ? prev.value : prev.value === '' ? more : `${prev.value} ${more}`;
      out[out.length - 1] = { name: prev.name, value };
    } else {
      let nameEnd = i;
      while (b[nameEnd] !== COLON) nameEnd++;
      out.push({ name: internLatin1(b, i, nameEnd), value: internLatin1(b, vs, ve) });
    }
    i = lf + 1;
  }
  return Object.freeze(out);
}

/** Common part of decoded requests and responses. Fields are set by the decoder while the message progresses. */
abstract class DecodedMessageBase {
  offset: number;
  version: '1.0' | '1.1';
  headerBytes: number;
  framing: BodyFraming = 'none';
  contentLength: number | undefined = undefined;
  chunks: number[] = NO_CHUNKS;
  body: Uint8Array = EMPTY_BODY;
  trailers: readonly HttpHeader[] = NO_HEADERS;
  end = -1;
  /** The parsed head, possibly shared with earlier messages whose head had the same bytes. */
  readonly #head: ParsedHead;

  constructor(offset: number, head: ParsedHead) {
    this.offset = offset;
    this.version = head.version;
    this.headerBytes = head.length;
    this.#head = head;
  }

  /** The target (requests) or reason phrase (responses) as sent, made into a string on first access. */
  protected startLineText(): string {
    return this.#head.startLineText();
  }

  /** Header fields in order and case as sent (materialised on first access, then cached). */
  get headers(): readonly HttpHeader[] {
    return this.#head.block.allHeaders();
  }

  /** The last value of the header whose lowercase name is `lowerName` (see getHeader). */
  lastHeaderValue(lowerName: string): string | undefined {
    return this.#head.block.lastHeaderValue(lowerName);
  }

  /** The last value of KNOWN_HEADERS[k] (see getHeader): O(1) once the header block located its known fields. */
  knownHeaderValue(k: number): string | undefined {
    return this.#head.block.knownValue(k);
  }

  protected plainFields(): Record<string, unknown> {
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
 */
const INTERN_SLOTS = 1024;
const INTERN_MAX_BYTES = 64;
const interned: (string | undefined)[] = new Array(INTERN_SLOTS);

/** latin1 text of b[s, e), reusing a recent equal string when there is one. */
export function internLatin1(b: Uint8Array, s: number, e: number): string {
  const n = e - s;
  if (n === 0) return '';
  if (n > INTERN_MAX_BYTES) return latin1String(b, s, e);
  const slot = (n * 31 + b[s]! * 7 + b[e - 1]! * 13 + b[s + (n >> 1)]!) & (INTERN_SLOTS - 1);
  const hit = interned[slot];
  if (hit !== undefined && hit.length === n) {
    let i = 0;
    while (i < n && hit.charCodeAt(i) === b[s + i]) i++;
    if (i === n) return hit;
  }
  const text = String.fromCharCode.apply(null, b.subarray(s, e) as unknown as number[]);
  interned[slot] = text;
  return text;
}

/** A decoded request (head, and once complete, the whole message). */
export class DecodedRequest extends DecodedMessageBase implements HttpRequestMessage {
  readonly kind = 'request' as const;
  method: string;

  constructor(offset: number, head: ParsedHead) {
    super(offset, head);
    this.method = head.method;
  }

  /** The request target exactly as sent. */
  get target(): string {
    return this.startLineText();
  }

  /** Plain data (getters resolved, body as its length) for logging and JSON. */
  toJSON(): Record<string, unknown> {
    return { kind: this.kind, method: this.method, target: this.target, ...this.plainFields() };
  }
}

/** A decoded response (head, and once complete, the whole message). */
export class DecodedResponse extends DecodedMessageBase implements HttpResponseMessage {
  readonly kind = 'response' as const;
  status: number;

  constructor(offset: number, head: ParsedHead) {
    super(offset, head);
    this.status = head.status;
  }

  /** The reason phrase as sent (may be empty). */
  get reason(): string {
    return this.startLineText();
  }

  /** Plain data (getters resolved, body as its length) for logging and JSON. */
  toJSON(): Record<string, unknown> {
    return { kind: this.kind, status: this.status, reason: this.reason, ...this.plainFields() };
  }
}

export type DecodedMessage = DecodedRequest | DecodedResponse;
