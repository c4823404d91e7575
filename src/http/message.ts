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
  // The head bytes: header lines span src[fieldsStart, fieldsEnd) (fieldsEnd is where the blank line starts).
  #src: Uint8Array;
  #fieldsStart: number;
  #fieldsEnd: number;
  #folded: boolean;
  #headers: readonly HttpHeader[] | undefined = undefined;
  // The start-line text kept lazily: the request target or the reason phrase, src[textStart, textEnd).
  #textStart: number;
  #textEnd: number;
  #text: string | undefined = undefined;

  constructor(
    offset: number,
    version: '1.0' | '1.1',
    headerBytes: number,
    src: Uint8Array,
    fieldsStart: number,
    fieldsEnd: number,
    folded: boolean,
    textStart: number,
    textEnd: number,
  ) {
    this.offset = offset;
    this.version = version;
    this.headerBytes = headerBytes;
    this.#src = src;
    this.#fieldsStart = fieldsStart;
    this.#fieldsEnd = fieldsEnd;
    this.#folded = folded;
    this.#textStart = textStart;
    this.#textEnd = textEnd;
  }

  /** The target (requests) or reason phrase (responses) as sent, made into a string on first access. */
  protected startLineText(): string {
    if (this.#text === undefined) this.#text = internLatin1(this.#src, this.#textStart, this.#textEnd);
    return this.#text;
  }

  /** Header fields in order and case as sent (materialised on first access, then cached). */
  get headers(): readonly HttpHeader[] {
    if (this.#headers === undefined) this.#headers = this.#materialiseHeaders();
    return this.#headers;
  }

  /** The last value of the header whose lowercase name is `lowerName` (see getHeader). */
  lastHeaderValue(lowerName: string): string | undefined {
    if (this.#folded || this.#headers !== undefined) {
      const headers = this.headers;
      for (let i = headers.length - 1; i >= 0; i--) {
        if (headers[i]!.name.toLowerCase() === lowerName) return headers[i]!.value;
      }
      return undefined;
    }
    // The head was validated while decoding, so every line here is `name:value` ending in LF.
    const b = this.#src;
    const end = this.#fieldsEnd;
    const n = lowerName.length;
    let foundAt = -1;
    let foundEnd = -1;
    for (let i = this.#fieldsStart; i < end; ) {
      const lf = b.indexOf(LF, i);
      if (i + n < lf && b[i + n] === COLON && sameLowerName(b, i, lowerName)) {
        foundAt = i + n + 1;
        foundEnd = lf;
      }
      i = lf + 1;
    }
    return foundAt < 0 ? undefined : trimmedValue(b, foundAt, foundEnd);
  }

  #materialiseHeaders(): readonly HttpHeader[] {
    // The head was validated while decoding: every line is `name:value` or a fold, and ends in LF.
    const b = this.#src;
    const end = this.#fieldsEnd;
    const out: HttpHeader[] = [];
    for (let i = this.#fieldsStart; i < end; ) {
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

/** A decoded request (head, and once complete, the whole message). The decoder sets `method` after construction. */
export class DecodedRequest extends DecodedMessageBase implements HttpRequestMessage {
  readonly kind = 'request' as const;
  method = '';

  /** The request target exactly as sent. */
  get target(): string {
    return this.startLineText();
  }

  /** Plain data (getters resolved, body as its length) for logging and JSON. */
  toJSON(): Record<string, unknown> {
    return { kind: this.kind, method: this.method, target: this.target, ...this.plainFields() };
  }
}

/** A decoded response (head, and once complete, the whole message). The decoder sets `status` after construction. */
export class DecodedResponse extends DecodedMessageBase implements HttpResponseMessage {
  readonly kind = 'response' as const;
  status = 0;

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
