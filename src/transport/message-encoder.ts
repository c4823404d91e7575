import { mwError } from '../errors.ts';
import { encodeMessage, type MessageStyle, type Upid } from '../libprocess/index.ts';
import type { DeferredMessage, PartsWriter } from './peer-connection.ts';

/**
 * `\r\n0\r\n\r\n`: the CRLF after the one chunk's data, then the last chunk. Written as it is after a large body (see
 * ChunkedBodyWriter.pieces), so never changed.
 */
const CHUNK_TAIL = Uint8Array.of(0x0d, 0x0a, 0x30, 0x0d, 0x0a, 0x0d, 0x0a);
/** Bytes after the head when the body is one byte: `1\r\n`, the byte, then CHUNK_TAIL. */
const ONE_BYTE_FRAMING = 3 + 1 + CHUNK_TAIL.length;
const ONE_BYTE_BODY = new Uint8Array(1);
/** Distinct (style, from, to, name) heads remembered; all are forgotten when full (bounded memory). */
const MAX_HEADS = 256;
/** Heads found without the map (see CachedMessageEncoder.recent). */
const RECENT_HEADS = 16;
/** ASCII of the lowercase hex digits. */
const HEX_DIGITS = new TextEncoder().encode('0123456789abcdef');

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
    // CHUNK_TAIL, byte by byte: cheaper than a loop over it, or a set() call, for seven bytes.
    target[at] = 0x0d;
    target[at + 1] = 0x0a;
    target[at + 2] = 0x30;
    target[at + 3] = 0x0d;
    target[at + 4] = 0x0a;
    target[at + 5] = 0x0d;
    target[at + 6] = 0x0a;
    return at + 7;
  }

  /** The head and the chunk-size line, the body itself, then CHUNK_TAIL (see PartsWriter.pieces). */
  pieces(head: Uint8Array, body: Uint8Array): Uint8Array[] {
    const prefix = new Uint8Array(head.length + this.digitsOf(body.length) + 2);
    prefix.set(head);
    this.writeSizeLine(body.length, prefix, head.length);
    return [prefix, body, CHUNK_TAIL];
  }

  /** The chunk-size line of a `length`-byte chunk at target[at]: lowercase hex digits, then CRLF; the index after. */
  private writeSizeLine(length: number, target: Uint8Array, at: number): number {
    const digits = this.digitsOf(length);
    // Digits written last to first (no string per message); shifts while the length fits 31 bits.
    let rest = length;
    for (let i = digits - 1; i >= 0; i--) {
      target[at + i] = HEX_DIGITS[rest & 0xf]!;
      rest = rest <= 0x7fffffff ? rest >>> 4 : Math.floor(rest / 16);
    }
    at += digits;
    target[at++] = 0x0d;
    target[at++] = 0x0a;
    return at;
  }

  byteLengthOf(head: Uint8Array, bodyLength: number): number {
    return head.length + this.digitsOf(bodyLength) + 2 + bodyLength + CHUNK_TAIL.length;
  }

  /** Hex digits of a body length. */
  private digitsOf(length: number): number {
    if (length === this.lastLength) return this.lastDigits;
    let digits = 1;
    for (let rest = length; rest >= 16; rest = Math.floor(rest / 16)) digits++;
    this.lastLength = length;
    this.lastDigits = digits;
    return digits;
  }
}

const CHUNKED_BODY_WRITER = new ChunkedBodyWriter();

/** `Content-Length: ` as the content-length style writes it, before the body's length. */
const CONTENT_LENGTH_FIELD = new TextEncoder().encode('\r\nContent-Length: ');

/** Decimal digits of a length. */
function decimalDigits(length: number): number {
  let digits = 1;
  for (let rest = length; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  return digits;
}

/**
 * Writes a content-length style message kept as (head up to `Content-Length: `, body): the body's length in decimal,
 * then the rest of the head (`after`: the same for every message of one head), then the body. One per cached head.
 */
class ContentLengthWriter implements PartsWriter {
  private readonly after: Uint8Array;

  constructor(after: Uint8Array) {
    this.after = after;
  }

  writeParts(before: Uint8Array, body: Uint8Array | undefined, target: Uint8Array, offset: number): number {
    target.set(before, offset);
    let at = offset + before.length;
    if (body === undefined) return at;
    at = this.writeLength(body.length, target, at);
    target.set(body, at);
    return at + body.length;
  }

  pieces(before: Uint8Array, body: Uint8Array): Uint8Array[] {
    const prefix = new Uint8Array(before.length + decimalDigits(body.length) + this.after.length);
    prefix.set(before);
    this.writeLength(body.length, prefix, before.length);
    return [prefix, body];
  }

  byteLengthOf(before: Uint8Array, bodyLength: number): number {
    return before.length + decimalDigits(bodyLength) + this.after.length + bodyLength;
  }

  /** The length's digits (last to first: no string per message), then the rest of the head; the index after. */
  private writeLength(length: number, target: Uint8Array, at: number): number {
    const digits = decimalDigits(length);
    let rest = length;
    for (let i = digits - 1; i >= 0; i--) {
      target[at + i] = 0x30 + (rest % 10);
      rest = Math.floor(rest / 10);
    }
    at += digits;
    target.set(this.after, at);
    return at + this.after.length;
  }
}

/** What one (style, from, to, name) encodes to, made once (see CachedMessageEncoder). */
interface CachedHead {
  readonly style: MessageStyle;
  readonly name: string;
  readonly from: Upid;
  readonly to: Upid;
  /** The bytes before the body's framing: the whole head (libprocess styles), or up to `Content-Length: `. */
  readonly head: Uint8Array;
  /** CHUNKED_BODY_WRITER, or this head's ContentLengthWriter. */
  readonly writer: ChunkedBodyWriter | ContentLengthWriter;
  /** The whole message with an empty body (made when first needed). */
  empty: Uint8Array | undefined;
}

/**
 * One prepared message: a cached head plus the body in its framing, or whole bytes (then `second` is undefined).
 * Reused by its encoder for every message (valid until the next `prepare`); a connection keeps its parts, not the
 * object (see DeferredMessage).
 */
class PreparedMessage implements DeferredMessage {
  byteLength = 0;
  /** The cached head, or the whole message when `second` is undefined. */
  first: Uint8Array = ONE_BYTE_BODY;
  /** The body. */
  second: Uint8Array | undefined;
  writer: PartsWriter = CHUNKED_BODY_WRITER;

  writeTo(target: Uint8Array, offset: number): void {
    this.writer.writeParts(this.first, this.second, target, offset);
  }
}

/**
 * `encodeMessage` for a sender that writes the same kind of message over and over. What goes before the body
 * depends only on (style, from, to, name), and on the body's length in its framing line: the head is encoded once by
 * `encodeMessage` (so it is validated and byte-identical) and reused, with the length written per message; a message
 * with an empty body is the same bytes every time, kept whole.
 */
export class CachedMessageEncoder {
  private readonly heads = new Map<string, CachedHead>();
  // The heads used last, checked field by field before the map (whose key is a string built per
  // look-up): a sender interleaving a few message names or peers finds each here. UPIDs are plain objects a caller
  // could change between sends, so the fields are compared every time.
  private readonly recent: CachedHead[] = [];
  /** The index in `recent` of the head found last: looked at first, then the ones after it (names in turns). */
  private recentHit = 0;
  /** Where the next head goes once `recent` is full: the slots in turn, skipping the one found last. */
  private recentNext = 0;
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
    const cached = this.headFor(name, from, to, style);
    if (body === undefined || body.length === 0) {
      // Shared and never changed: the connection copies it into its batch like any whole bytes.
      const whole = (cached.empty ??= encodeMessage({ name, from, to }, style));
      prepared.first = whole;
      prepared.second = undefined;
      prepared.writer = CHUNKED_BODY_WRITER;
      prepared.byteLength = whole.length;
      return prepared;
    }
    const writer = cached.writer;
    prepared.first = cached.head;
    prepared.second = body;
    prepared.writer = writer;
    prepared.byteLength = writer.byteLengthOf(cached.head, body.length);
    return prepared;
  }

  private headFor(name: string, from: Upid, to: Upid, style: MessageStyle): CachedHead {
    const recent = this.recent;
    const count = recent.length;
    let r = this.recentHit;
    for (let tries = 0; tries < count; tries++) {
      const cached = recent[r]!;
      if (cached.name === name && cached.style === style && sameUpid(cached.to, to) && sameUpid(cached.from, from)) {
        this.recentHit = r;
        return cached;
      }
      r = r + 1 === count ? 0 : r + 1;
    }
    const key = `${style} ${name} ${from.id}@${from.host}:${from.port}:${from.hostKind} ${to.id}@${to.host}:${to.port}:${to.hostKind}`;
    let cached = this.heads.get(key);
    if (cached === undefined) {
      // Throws (and caches nothing) for whatever encodeMessage refuses.
      const whole = encodeMessage({ name, from, to, body: ONE_BYTE_BODY }, style);
      let head: Uint8Array;
      let writer: ChunkedBodyWriter | ContentLengthWriter;
      if (style === 'content-length') {
        // `...\r\nContent-Length: 1\r\n...\r\n\r\n` and the one-byte body: split around the `1`.
        const field = Buffer.from(whole.buffer, whole.byteOffset, whole.length).indexOf(CONTENT_LENGTH_FIELD);
        if (field < 0) throw mwError('MW_INTERNAL', 'a content-length style head without its Content-Length field');
        const digit = field + CONTENT_LENGTH_FIELD.length;
        head = whole.slice(0, digit);
        writer = new ContentLengthWriter(whole.slice(digit + 1, whole.length - 1));
      } else {
        head = whole.slice(0, whole.length - ONE_BYTE_FRAMING);
        writer = CHUNKED_BODY_WRITER;
      }
      cached = { style, name, from: { ...from }, to: { ...to }, head, writer, empty: undefined };
      if (this.heads.size >= MAX_HEADS) this.heads.clear();
      this.heads.set(key, cached);
    }
    if (count < RECENT_HEADS) this.recentHit = recent.push(cached) - 1;
    else {
      let slot = this.recentNext;
      if (slot === this.recentHit) slot = (slot + 1) % RECENT_HEADS;
      this.recentNext = (slot + 1) % RECENT_HEADS;
      recent[slot] = cached;
      this.recentHit = slot;
    }
    return cached;
  }
}

function sameUpid(a: Upid, b: Upid): boolean {
  return a.id === b.id && a.host === b.host && a.port === b.port && a.hostKind === b.hostKind;
}
