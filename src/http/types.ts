/**
 * Shapes of decoded HTTP/1.x messages. The decoder (decoder.ts) produces them; encoders take similar plain objects.
 * Header names keep their case and order as sent; values are the bytes as latin1 text without surrounding OWS.
 */

import { knownHeaderIndexOf } from './message.ts';

/** One header field as sent: name with its original case, value without surrounding optional whitespace. */
export interface HttpHeader {
  readonly name: string;
  readonly value: string;
}

/**
 * How a message body is delimited (RFC 9112 §6.3): `chunked` (Transfer-Encoding), `content-length`, `none` (no body:
 * a request without framing headers, or a response to HEAD / 1xx / 204 / 304), `until-close` (a response without
 * length, ended by the end of the stream).
 */
export type BodyFraming = 'chunked' | 'content-length' | 'none' | 'until-close';

interface HeadCommon {
  /** Absolute stream offset of the first byte of the message. */
  readonly offset: number;
  readonly version: '1.0' | '1.1';
  /** Header fields in order and case as sent (materialised lazily from the head bytes on first access). */
  readonly headers: readonly HttpHeader[];
  /** Bytes of the start line and header block, including the blank line. */
  readonly headerBytes: number;
  readonly framing: BodyFraming;
  /** The Content-Length value when framing is `content-length`. */
  readonly contentLength?: number | undefined;
}

/** A request head: `<method> <target> HTTP/1.x`. */
export interface HttpRequestHead extends HeadCommon {
  readonly kind: 'request';
  readonly method: string;
  /** The request target exactly as sent (origin-form `/a/b?c`, absolute-form, `*`, ...). */
  readonly target: string;
}

/** A response head: `HTTP/1.x <status> <reason>`. */
export interface HttpResponseHead extends HeadCommon {
  readonly kind: 'response';
  readonly status: number;
  /** The reason phrase as sent (may be empty). */
  readonly reason: string;
}

export type HttpHead = HttpRequestHead | HttpResponseHead;

/** The body part of a complete message. */
export interface HttpMessageBody {
  /**
   * Chunk sizes as sent (the hex length prefixes as numbers, the final 0 excluded), of the first MAX_LISTED_CHUNKS
   * (4096) chunks; [] unless chunked (a shared, frozen [] then).
   */
  readonly chunks: number[];
  /**
   * How many chunks the body had (the final 0 excluded), also those beyond `chunks`. Set by the decoder (plain
   * objects may leave it out: then it is `chunks.length`).
   */
  readonly chunkCount?: number;
  /**
   * The whole body: a view into the written input when it lies in one written chunk, else one copy.
   * Empty when the decoder runs with `streamBodies` (bodies then only reach `onBody`).
   */
  readonly body: Uint8Array;
  /**
   * Absolute offset of the first body byte (after its chunk-size line when chunked), also with `streamBodies`;
   * undefined when the message has no body bytes. Set by the decoder (plain objects may leave it out).
   */
  readonly bodyOffset?: number | undefined;
  /** Trailer fields after the last chunk, in order (empty unless chunked with trailers). */
  readonly trailers: readonly HttpHeader[];
  /** Absolute offset just after the message's last byte. */
  readonly end: number;
}

export type HttpRequestMessage = HttpRequestHead & HttpMessageBody;
export type HttpResponseMessage = HttpResponseHead & HttpMessageBody;
/** A complete decoded message: its head plus body, chunk sizes, trailers and end offset. */
export type HttpMessage = HttpRequestMessage | HttpResponseMessage;

/** Implemented by decoded heads: find a header without materialising all of them. */
interface FastHeaderLookup {
  lastHeaderValue(lowerName: string): string | undefined;
  knownHeaderValue(k: number): string | undefined;
}

function hasFastLookup(head: object): head is FastHeaderLookup {
  return typeof (head as Partial<FastHeaderLookup>).knownHeaderValue === 'function';
}

/**
 * The value of header `name` (case-insensitive), or undefined. When a header appears several times the **last** one
 * wins, as in Mesos (no comma-joining). On decoded heads the common names (KNOWN_HEADERS, in canonical or lowercase
 * spelling) are found in O(1) when the head repeats one the decoder kept (it locates them all in one pass at the
 * first lookup); other decoded heads scan their header lines without making strings for the others.
 */
export function getHeader(head: { readonly headers: readonly HttpHeader[] }, name: string): string | undefined {
  if (hasFastLookup(head)) {
    const k = knownHeaderIndexOf(name);
    return k >= 0 ? head.knownHeaderValue(k) : head.lastHeaderValue(name.toLowerCase());
  }
  const lower = name.toLowerCase();
  const headers = head.headers;
  for (let i = headers.length - 1; i >= 0; i--) {
    if (headers[i]!.name.toLowerCase() === lower) return headers[i]!.value;
  }
  return undefined;
}

/** Implemented by decoded heads: a value derived from a kept head's bytes, shared by the messages repeating it. */
interface DerivableHead {
  deriveFromHead<T>(key: object, derive: (head: never) => T): T;
}

/**
 * `derive(head)`, computed once for all the decoded messages whose head repeats the same bytes (a head the decoder
 * kept: every message of a libprocess sender's burst); other heads (parsed afresh, or plain objects) compute it each
 * time. `derive` must depend only on the head (start line and header fields: not body, offsets, time or state that
 * changes), so that the shared value is what it would compute for each; `key` names the derivation (use one constant
 * object per kind of value; a head keeps the values of its last two keys, so a third replaces the older).
 */
export function deriveFromHead<H extends HttpHead, T>(head: H, key: object, derive: (head: H) => T): T {
  if (typeof (head as Partial<DerivableHead>).deriveFromHead === 'function') {
    return (head as unknown as DerivableHead).deriveFromHead(key, derive as (head: never) => T);
  }
  return derive(head);
}

/** Implemented by decoded heads: copy the head bytes they read lazily out of the written input. */
interface DetachableHead {
  detachHead(): void;
}

/**
 * Makes a decoded head stop reading its start line and header fields from the written input (one copy of its head
 * bytes): for a layer that keeps a head past the chunk it came in, when that chunk may be reused or should be freed.
 * Heads that own their bytes already (repeats of a kept head) and plain objects are left as they are.
 */
export function detachHead(head: object): void {
  if (typeof (head as Partial<DetachableHead>).detachHead === 'function') (head as DetachableHead).detachHead();
}

/**
 * The array a decoded message's body was collected into by the decoder (a body that came in pieces of several writes),
 * which nothing but the message reads: a layer done with the message may free it (releaseBytes). Undefined for a body
 * that is a view of the written input, one set by someone else, and plain objects.
 */
export function collectedBodyOf(message: object): Uint8Array | undefined {
  return (message as { readonly ownBody?: Uint8Array }).ownBody;
}
