import { encodeMessage, type MessageStyle, type Upid } from '../libprocess/index.ts';
import type { EncodedMessage } from './peer-connection.ts';

/** `\r\n0\r\n\r\n`: the CRLF after the one chunk's data, then the last chunk. */
const CHUNK_TAIL = [0x0d, 0x0a, 0x30, 0x0d, 0x0a, 0x0d, 0x0a];
/** Bytes after the head when the body is one byte: `1\r\n`, the byte, then CHUNK_TAIL. */
const ONE_BYTE_FRAMING = 3 + 1 + CHUNK_TAIL.length;
const ONE_BYTE_BODY = new Uint8Array(1);
/** Distinct (style, from, to, name) heads remembered; all are forgotten when full (bounded memory). */
const MAX_HEADS = 256;
const HEX_DIGITS = '0123456789abcdef';

/**
 * One prepared message: either a cached head plus the body framed as one chunk, or whole bytes from
 * `encodeMessage`. Reused by its encoder for every message (valid until the next `prepare`).
 */
class PreparedMessage implements EncodedMessage {
  byteLength = 0;
  /** The cached head, or the whole message when `body` is undefined. */
  head: Uint8Array = ONE_BYTE_BODY;
  body: Uint8Array | undefined;
  /** Hex digits of the body length. */
  sizeDigits = 0;

  writeTo(target: Uint8Array, offset: number): void {
    const head = this.head;
    target.set(head, offset);
    const body = this.body;
    if (body === undefined) return;
    let at = offset + head.length;
    // The chunk-size line: lowercase hex digits written last to first (no string per message), then CRLF.
    let rest = body.length;
    for (let i = this.sizeDigits - 1; i >= 0; i--) {
      target[at + i] = HEX_DIGITS.charCodeAt(rest & 0xf);
      rest = Math.floor(rest / 16);
    }
    at += this.sizeDigits;
    target[at++] = 0x0d;
    target[at++] = 0x0a;
    target.set(body, at);
    at += body.length;
    for (let i = 0; i < CHUNK_TAIL.length; i++) target[at++] = CHUNK_TAIL[i]!;
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
  // Hex digits of the last body length (most senders repeat one).
  private lastLength = -1;
  private lastDigits = 0;

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
  prepare(name: string, from: Upid, to: Upid, body: Uint8Array | undefined, style: MessageStyle): EncodedMessage {
    const prepared = this.prepared;
    if (body === undefined || body.length === 0 || style === 'content-length') {
      const whole = encodeMessage({ name, from, to, body }, style);
      prepared.head = whole;
      prepared.body = undefined;
      prepared.byteLength = whole.length;
      return prepared;
    }
    const head = this.headFor(name, from, to, style);
    const length = body.length;
    let digits = this.lastDigits;
    if (length !== this.lastLength) {
      digits = 1;
      for (let rest = length; rest >= 16; rest = Math.floor(rest / 16)) digits++;
      this.lastLength = length;
      this.lastDigits = digits;
    }
    prepared.head = head;
    prepared.body = body;
    prepared.sizeDigits = digits;
    prepared.byteLength = head.length + digits + 2 + length + CHUNK_TAIL.length;
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
