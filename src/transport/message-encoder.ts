import { encodeMessage, type MessageStyle, type Upid } from '../libprocess/index.ts';
import type { DeferredMessage, PartsWriter } from './peer-connection.ts';

/** `\r\n0\r\n\r\n`: the CRLF after the one chunk's data, then the last chunk. */
const CHUNK_TAIL = [0x0d, 0x0a, 0x30, 0x0d, 0x0a, 0x0d, 0x0a];
/** CHUNK_TAIL as bytes, written after every large body (see ChunkedBodyWriter.pieces); never changed. */
const CHUNK_TAIL_BYTES = new Uint8Array(CHUNK_TAIL);
/** Bytes after the head when the body is one byte: `1\r\n`, the byte, then CHUNK_TAIL. */
const ONE_BYTE_FRAMING = 3 + 1 + CHUNK_TAIL.length;
const ONE_BYTE_BODY = new Uint8Array(1);
/** Distinct (style, from, to, name) heads remembered; all are forgotten when full (bounded memory). */
const MAX_HEADS = 256;
const HEX_DIGITS = '0123456789abcdef';

/**
 * Writes a libprocess message kept as (head, body): the cached head, then the body framed as one chunk (size line,
 * data, CRLF, last chunk); with no body, the head is the whole message. One writer for every connection.
 */
class ChunkedBodyWriter implements PartsWriter {
  // Hex digits of the last body length (most senders repeat one).
  private lastLength = -1;
  private lastDigits = 0;

  writeParts(head: Uint8Array, body: Uint8Array | undefined, target: Uint8Array, offset: number): number {
    target.set(head, offset);
    let at = offset + head.length;
    if (body === undefined) return at;
    const length = body.length;
    at = this.writeSizeLine(length, target, at);
    target.set(body, at);
    at += length;
    for (let i = 0; i < CHUNK_TAIL.length; i++) target[at++] = CHUNK_TAIL[i]!;
    return at;
  }

  /** The head and the chunk-size line, the body itself, then CHUNK_TAIL (see PartsWriter.pieces). */
  pieces(head: Uint8Array, body: Uint8Array): Uint8Array[] {
    const prefix = new Uint8Array(head.length + this.digitsOf(body.length) + 2);
    prefix.set(head);
    this.writeSizeLine(body.length, prefix, head.length);
    return [prefix, body, CHUNK_TAIL_BYTES];
  }

  /** The chunk-size line of a `length`-byte chunk at target[at]: lowercase hex digits, then CRLF; the index after. */
  private writeSizeLine(length: number, target: Uint8Array, at: number): number {
    const digits = this.digitsOf(length);
    // Digits written last to first (no string per message).
    let rest = length;
    for (let i = digits - 1; i >= 0; i--) {
      target[at + i] = HEX_DIGITS.charCodeAt(rest & 0xf);
      rest = Math.floor(rest / 16);
    }
    at += digits;
    target[at++] = 0x0d;
    target[at++] = 0x0a;
    return at;
  }

  /** Hex digits of a body length. */
  digitsOf(length: number): number {
    if (length === this.lastLength) return this.lastDigits;
    let digits = 1;
    for (let rest = length; rest >= 16; rest = Math.floor(rest / 16)) digits++;
    this.lastLength = length;
    this.lastDigits = digits;
    return digits;
  }
}

const CHUNKED_BODY_WRITER = new ChunkedBodyWriter();

/**
 * One prepared message: a cached head plus the body framed as one chunk, or whole bytes from `encodeMessage` (then
 * `second` is undefined). Reused by its encoder for every message (valid until the next `prepare`); a connection
 * keeps its parts, not the object (see DeferredMessage).
 */
class PreparedMessage implements DeferredMessage {
  byteLength = 0;
  /** The cached head, or the whole message when `second` is undefined. */
  first: Uint8Array = ONE_BYTE_BODY;
  /** The body. */
  second: Uint8Array | undefined;
  readonly writer: PartsWriter = CHUNKED_BODY_WRITER;

  writeTo(target: Uint8Array, offset: number): void {
    CHUNKED_BODY_WRITER.writeParts(this.first, this.second, target, offset);
  }
}

/**
 * `encodeMessage` for a sender that writes the same kind of message over and over. In the libprocess styles the
 * request head (start line and headers) depends only on (style, from, to, name); with a non-empty body only the
 * chunk size line and the body change. The head is encoded once by `encodeMessage` (so it is validated and
 * byte-identical) and reused; the content-length style and empty bodies go through `encodeMessage` every time.
 */
export class CachedMessageEncoder {
  private readonly heads = new Map<string, Uint8Array>();
  // The last head used, checked field by field (UPIDs are plain objects a caller could change between sends).
  private last: { style: MessageStyle; name: string; from: Upid; to: Upid; head: Uint8Array } | undefined;
  private readonly prepared = new PreparedMessage();

  /** The bytes `encodeMessage({name, from, to, body}, style)` returns, in a new array. */
  encode(name: string, from: Upid, to: Upid, body: Uint8Array | undefined, style: MessageStyle): Uint8Array {
    const prepared = this.prepare(name, from, to, body, style);
    const out = new Uint8Array(prepared.byteLength);
    prepared.writeTo(out, 0);
    return out;
  }

  /**
   * The message, validated, ready to be written where its bytes go (a connection's outgoing batch), so that no
   * byte array is made for it. The object returned is this encoder's and is reused by the next call: write it
   * before preparing another message. Throws what `encodeMessage` throws.
   */
  prepare(name: string, from: Upid, to: Upid, body: Uint8Array | undefined, style: MessageStyle): DeferredMessage {
    const prepared = this.prepared;
    if (body === undefined || body.length === 0 || style === 'content-length') {
      const whole = encodeMessage({ name, from, to, body }, style);
      prepared.first = whole;
      prepared.second = undefined;
      prepared.byteLength = whole.length;
      return prepared;
    }
    const head = this.headFor(name, from, to, style);
    const length = body.length;
    prepared.first = head;
    prepared.second = body;
    prepared.byteLength = head.length + CHUNKED_BODY_WRITER.digitsOf(length) + 2 + length + CHUNK_TAIL.length;
    return prepared;
  }

  private headFor(name: string, from: Upid, to: Upid, style: MessageStyle): Uint8Array {
    const last = this.last;
    if (
      last !== undefined &&
      last.style === style &&
      last.name === name &&
      sameUpid(last.from, from) &&
      sameUpid(last.to, to)
    ) {
      return last.head;
    }
    const key = `${style} ${name} ${from.id}@${from.host}:${from.port}:${from.hostKind} ${to.id}@${to.host}:${to.port}:${to.hostKind}`;
    let head = this.heads.get(key);
    if (head === undefined) {
      // Throws (and caches nothing) for whatever encodeMessage refuses.
      const whole = encodeMessage({ name, from, to, body: ONE_BYTE_BODY }, style);
      head = whole.slice(0, whole.length - ONE_BYTE_FRAMING);
      if (this.heads.size >= MAX_HEADS) this.heads.clear();
      this.heads.set(key, head);
    }
    this.last = { style, name, from: { ...from }, to: { ...to }, head };
    return head;
  }
}

function sameUpid(a: Upid, b: Upid): boolean {
  return a.id === b.id && a.host === b.host && a.port === b.port && a.hostKind === b.hostKind;
}
