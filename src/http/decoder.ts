/**
 * HTTP/1.x framing decoder: a push-driven, synchronous state machine over Uint8Array.
 *
 * One decoder follows one byte stream (a TCP direction, a capture, a file) that may carry requests and responses back
 * to back (pipelined keep-alive). For each message it reports the head (start line, header fields, framing), the chunk
 * sizes as sent, body bytes as views into the input, trailers, and absolute stream offsets. Grammar: RFC 9112 (strict by
 * default; leniencies are named options).
 *
 * Input ownership: the decoder keeps references to written chunks (body views, lazily read header fields) instead of
 * copying. Do not modify a chunk after writing it.
 */

import { CR, HEX_VALUE, HTAB, LF, latin1String, SEMICOLON, SP } from '../bytes/ascii.ts';
import { releaseBytes } from '../bytes/release.ts';
import { unfilledBytes } from '../bytes/unfilled.ts';
import { type ErrorCode, MesosWireError } from '../errors.ts';
import { QDTEXT, QUOTED_PAIR_CHAR, TARGET_CHAR, TOKEN, VALUE_CHAR } from './chars.ts';
import {
  DecodedHttpMessage,
  type DecodedMessage,
  type DecodedRequest,
  EMPTY_BODY,
  headPrint,
  internLatin1,
  KeptHead,
} from './message.ts';
import { wordsOf } from './repeated-bytes.ts';
import { MAX_SHARED_HEAD_BYTES, SharedHeadCache, type SharedHeadTable } from './shared-heads.ts';
import { STATUS_REASONS } from './status-reasons.ts';
import type { HttpHead, HttpHeader, HttpMessage, HttpResponseHead } from './types.ts';

/** Default maxHeaderBytes: 80 KiB, http-parser's HTTP_MAX_HEADER_SIZE as used by libprocess. */
export const MAX_HEADER_BYTES_DEFAULT = 80 * 1024;
/** Default maxHeaderCount. */
export const MAX_HEADER_COUNT_DEFAULT = 128;
/** Default maxChunkSizeDigits (sizes are also capped at 2^53 - 1 so they stay exact). */
export const MAX_CHUNK_SIZE_DIGITS_DEFAULT = 16;
/** Default maxBodyBytes for collected bodies: 64 MiB. */
export const MAX_BODY_BYTES_DEFAULT = 64 * 1024 * 1024;
/**
 * Largest first capacity of a body that spans writes: the announced size up to this (or the bytes in hand, if more).
 * The buffer then doubles as bytes arrive: memory follows bytes received, so announcing 64 MiB and sending 2 bytes
 * costs 64 KiB.
 */
const BODY_CAPACITY_START = 64 * 1024;

/** Callbacks of HttpDecoder. Every callback is optional; pieces and bodies are views into the written input. */
export interface HttpDecoderHandler {
  /** The head of a message is complete (start line and header fields). */
  onHead?(head: HttpHead): void;
  /** A chunk-size line was read: `size` as sent, `offset` of the line's first byte. The last chunk reports size 0. */
  onChunk?(head: HttpHead, size: number, offset: number): void;
  /** Body bytes as they arrive (views into the input), `offset` of the piece's first byte. */
  onBody?(head: HttpHead, piece: Uint8Array, offset: number): void;
  /** The message is complete; the same object that onHead received, now with body, chunks, trailers and end. */
  onMessage?(message: HttpMessage): void;
}

/** Leniencies, all off by default (RFC 9112 strict). Each one exists because a real peer needs it. */
export interface HttpLeniency {
  /** Accept LF without CR as a line end (head, chunk lines, after chunk data, trailers, between messages). */
  bareLf?: boolean;
  /** Accept obsolete line folding in header and trailer fields; the fold is replaced by one SP (RFC 9112 §5.2). */
  obsFold?: boolean;
}

export interface HttpDecoderOptions {
  /** Which messages the stream holds. `any` (default): a message is a response iff it starts with `HTTP/`. */
  expect?: 'request' | 'response' | 'any';
  /**
   * Bodies go only to onBody and are never collected (for endless event streams); `body` is then empty and
   * maxBodyBytes does not apply. Default false.
   */
  streamBodies?: boolean;
  /**
   * Limit on start line + header block + blank line, also on the trailer section and on a chunk-size line.
   * Default 80 KiB (MAX_HEADER_BYTES_DEFAULT, http-parser's limit in libprocess).
   */
  maxHeaderBytes?: number;
  /** Limit on the number of header fields (and of trailer fields). Default 128 (MAX_HEADER_COUNT_DEFAULT). */
  maxHeaderCount?: number;
  /** Limit on hex digits in a chunk size (leading zeros count). Default 16 (MAX_CHUNK_SIZE_DIGITS_DEFAULT). */
  maxChunkSizeDigits?: number;
  /**
   * Limit on a collected body (ignored with streamBodies); checked against announced sizes before buffering.
   * Default 64 MiB (MAX_BODY_BYTES_DEFAULT).
   */
  maxBodyBytes?: number;
  /** Absolute offset of the first byte written (default 0). */
  startOffset?: number;
  lenient?: HttpLeniency;
  /**
   * For responses whose request the decoder cannot see (e.g. answers to HEAD): return true when the response has no
   * body. Called before framing is decided. 1xx, 204 and 304 never have bodies whatever this says.
   */
  responseHasNoBody?: (head: HttpResponseHead) => boolean;
  /** Reject status codes missing from STATUS_REASONS (libprocess's response decoder does: `999` fails). */
  rejectUnknownStatus?: boolean;
  /**
   * Reuse the parse of a recent head when a new head repeats its bytes exactly (default true). The events, strings and
   * errors are the same either way (a head's parse depends only on its bytes and the options); false parses every head
   * afresh, for comparison. A SharedHeadCache shares the kept heads with the other decoders given the same cache (a
   * capture's decoders, one per direction of each connection: heads repeat across connections); each decoder then
   * looks every head up there instead of in a few heads of its own.
   */
  headCache?: boolean | SharedHeadCache;
  /**
   * Fail with MW_HTTP_TRAILERS_REJECTED at the first trailer field line, as a libprocess server does (its decoder
   * fails and the connection is closed; wire-protocol.md §2.1, §6.8). Default false: trailers are decoded as data.
   */
  rejectTrailers?: boolean;
}

/** What each state waits for. */
const STATE = {
  /** The first byte of a message (empty lines between messages are skipped). */
  MESSAGE_START: 0,
  /** The LF of an empty line between messages. */
  START_LF: 1,
  /** The rest of a head that spans writes (kept in headBuf). */
  HEAD: 2,
  /** Content-Length body bytes. */
  BODY_LENGTH: 3,
  /** A chunk-size line. */
  CHUNK_SIZE: 4,
  /** Chunk data bytes. */
  CHUNK_DATA: 5,
  /** The CR after chunk data. */
  CHUNK_DATA_CR: 6,
  /** The LF after chunk data. */
  CHUNK_DATA_LF: 7,
  /** A trailer field line or the final empty line. */
  TRAILER: 8,
  /** Body bytes until the end of the stream. */
  BODY_UNTIL_CLOSE: 9,
  /** A plausible message start after resync(). */
  RESYNC: 10,
  /** Nothing: the decoder failed (see `error`). */
  FAILED: 11,
} as const;
type State = (typeof STATE)[keyof typeof STATE];

const EXPECT_ANY = 0;
const EXPECT_REQUEST = 1;
const EXPECT_RESPONSE = 2;

// Lowercase names compared with (byte | 0x20); exact for the letters and '-' these names consist of.
const CONTENT_LENGTH = bytesOf('content-length');
const TRANSFER_ENCODING = bytesOf('transfer-encoding');
const CHUNKED = bytesOf('chunked');
const HTTP_1_DOT = bytesOf('HTTP/1.');

/** Chunk sizes of up to this many hex digits (52 bits) are read by the CHUNK_SIZE fast path: exact, no overflow. */
const FAST_CHUNK_SIZE_DIGITS = 13;
/** Content-Length digits allowed: 15 decimal digits stay below 2^53. */
const MAX_CONTENT_LENGTH_DIGITS = 15;
/** Bytes of a possible message start kept across writes while resynchronising. */
const RESYNC_PROBE_BYTES = 24;
const MAX_RESYNC_METHOD = 20;
/**
 * Recent distinct heads kept per decoder for reuse: a libprocess connection repeats the head of each message name
 * (and a server its `202 Accepted` head), so a few cover the names in flight on one stream.
 */
const HEAD_CACHE_SIZE = 16;
/**
 * Heads looked for and not found, remembered by fingerprint: one among them that comes again is kept. More than the
 * heads kept, so that heads coming in turns with more of them than are kept still get kept again in their turn.
 */
const MISSED_HEAD_PRINTS = 64;
/**
 * Kept heads are copied into slabs of this size shared by all decoders (a capture runs thousands of decoders, each
 * keeping a few heads: one slab each would cost more than the heads). A longer head gets its own copy. A slab is
 * freed once no kept head reads it any more.
 */
const HEAD_SLAB_BYTES = 8 * 1024;
/**
 * The kept-head list of a decoder that kept none (shared, never written): a capture runs a decoder per direction of
 * every connection, most of which keep nothing, so their lists and fingerprint rings are made on first use.
 */
const NO_KEPT_HEADS: KeptHead[] = Object.freeze([]) as unknown as KeptHead[];
const keptBytes = { slab: EMPTY_BODY, used: 0 };
/**
 * A small body that arrives in several pieces is gathered in a slab shared by all decoders rather than in an array
 * of its own: V8 allocates (and later sweeps) the store of every typed array over 64 bytes on its own, ~1 µs each,
 * the cost of decoding about ten whole libprocess messages. As with Node's Buffer pool, a body kept alive keeps its
 * slab alive.
 */
const BODY_SLAB_BYTES = 16 * 1024;
const BODY_IN_SLAB_MAX = 4 * 1024;
const bodyBytes = { slab: EMPTY_BODY, used: 0 };

/** `n` bytes (at most BODY_IN_SLAB_MAX) of the shared body slab, as a view no one else is given. */
function bodySpace(n: number): Uint8Array {
  let slab = bodyBytes.slab;
  if (bodyBytes.used + n > slab.length) {
    slab = new Uint8Array(BODY_SLAB_BYTES);
    bodyBytes.slab = slab;
    bodyBytes.used = 0;
  }
  const at = bodyBytes.used;
  bodyBytes.used = at + n;
  return new Uint8Array(slab.buffer, at, n);
}
/**
 * Heads are looked for right after a reuse or a keep, and otherwise on every n-th head (a probe), n from
 * HEAD_PROBE_EVERY: doubled (up to HEAD_PROBE_MAX) by every look that finds nothing, back to HEAD_PROBE_EVERY at the
 * first reuse. A stream that does not repeat its heads back to back then pays for almost no looks or keeps.
 */
const HEAD_PROBE_EVERY = 16;
const HEAD_PROBE_MAX = 512;
/**
 * Writes shorter than this compare heads byte by byte (see #wordsFor): shorter than most libprocess heads, they hold
 * at most one. The view costs less than one byte-by-byte comparison of a ~220-byte head: with 4096 here, writes of
 * 336-2896 bytes (a message, a TCP segment) cost 270-360 ns per message, 90-190 ns with 256.
 */
const VIEW_MIN_BYTES = 256;

function bytesOf(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function matchLower(buf: Uint8Array, at: number, lower: Uint8Array): boolean {
  for (let k = 0; k < lower.length; k++) if ((buf[at + k]! | 0x20) !== lower[k]) return false;
  return true;
}

function byteName(b: number): string {
  return `0x${b.toString(16).padStart(2, '0')}`;
}

/** Common methods as constant strings, so the hot path creates no string for them. */
function methodName(buf: Uint8Array, s: number, e: number): string {
  const c = buf[s];
  switch (e - s) {
    case 3:
      if (c === 0x47 && buf[s + 1] === 0x45 && buf[s + 2] === 0x54) return 'GET';
      if (c === 0x50 && buf[s + 1] === 0x55 && buf[s + 2] === 0x54) return 'PUT';
      break;
    case 4:
      if (c === 0x50 && buf[s + 1] === 0x4f && buf[s + 2] === 0x53 && buf[s + 3] === 0x54) return 'POST';
      if (c === 0x48 && buf[s + 1] === 0x45 && buf[s + 2] === 0x41 && buf[s + 3] === 0x44) return 'HEAD';
      break;
  }
  return internLatin1(buf, s, e);
}

const PLAUSIBLE_NO = 0;
const PLAUSIBLE_YES = 1;
const PLAUSIBLE_MORE = 2;

/** Does buf[p, end) start like a message (`HTTP/1.` or `<METHOD> /` with an uppercase method)? */
function plausibleStart(buf: Uint8Array, p: number, end: number): number {
  let verdict = PLAUSIBLE_NO;
  // Status line.
  let k = 0;
  while (k < HTTP_1_DOT.length && p + k < end && buf[p + k] === HTTP_1_DOT[k]) k++;
  if (k === HTTP_1_DOT.length) return PLAUSIBLE_YES;
  if (p + k === end) verdict = PLAUSIBLE_MORE;
  // Request line.
  let i = p;
  while (i < end && i - p <= MAX_RESYNC_METHOD && buf[i]! >= 0x41 && buf[i]! <= 0x5a) i++;
  const len = i - p;
  if (len > MAX_RESYNC_METHOD) return verdict;
  if (i === end) return PLAUSIBLE_MORE;
  if (len === 0 || buf[i] !== SP) return verdict;
  if (i + 1 === end) return PLAUSIBLE_MORE;
  return buf[i + 1] === 0x2f ? PLAUSIBLE_YES : verdict;
}

/**
 * The HTTP/1.x framing decoder. Feed bytes with write(); events arrive synchronously through the handler.
 *
 * - Errors: write() delivers every event complete before the offending byte, then throws a MesosWireError with an
 *   `MW_HTTP_*` code and the absolute `offset` of that byte. The decoder then stays failed (write() re-throws) until
 *   resync().
 * - A line (start line, field line, chunk-size line) is judged once its LF has arrived, so every way of cutting the
 *   input into writes gives the same events and errors.
 * - Limits (options) are checked before anything is buffered: bytes past maxHeaderBytes fail as soon as they arrive,
 *   an announced 2^60-byte chunk fails at its size line.
 * - Bodies are views into the input when they lie in one written chunk. Otherwise they are copied into a buffer that
 *   grows with the bytes received (the announced size up to 64 KiB, or the bytes in hand; then doubling), so a body's
 *   memory is at most max(64 KiB, 2 x bytes received) whatever length the peer announces.
 * - Framing follows RFC 9112 §6.3: 1xx/204/304 (and responseHasNoBody) have no body whatever their headers say; a
 *   response whose Transfer-Encoding does not end in chunked, or that has no length, runs until the end of stream;
 *   a request without framing headers has no body. Repeated identical Content-Length values are accepted (RFC 9110
 *   §8.6), different ones are not. CRLFs between messages are skipped (RFC 9112 §2.2).
 * - HTTP/1.0 with `Transfer-Encoding: chunked` is accepted (pre-0.22 Mesos sends it), unlike RFC 9112 §6.1.
 * - A handler that throws fails the decoder too (code MW_DECODER_FAILED, the handler's error as cause); write()
 *   rethrows the handler's own error.
 */
export class HttpDecoder {
  readonly #handler: HttpDecoderHandler;
  readonly #hasOnHead: boolean;
  readonly #hasOnChunk: boolean;
  readonly #hasOnBody: boolean;
  readonly #hasOnMessage: boolean;
  /** No onChunk handler: a one-chunk message after a kept head may be taken in one step (#oneChunkRequest). */
  readonly #oneStepBodies: boolean;
  readonly #expect: number;
  readonly #streamBodies: boolean;
  readonly #maxHeaderBytes: number;
  readonly #maxHeaderCount: number;
  readonly #maxChunkSizeDigits: number;
  readonly #maxBodyBytes: number;
  readonly #bareLf: boolean;
  readonly #obsFold: boolean;
  readonly #responseHasNoBody: ((head: HttpResponseHead) => boolean) | undefined;
  readonly #rejectUnknownStatus: boolean;
  readonly #rejectTrailers: boolean;
  readonly #headCache: boolean;
  /** The shared kept heads of decoders with these options, when a SharedHeadCache was given. */
  readonly #sharedHeads: SharedHeadTable | undefined;

  #state: State = STATE.MESSAGE_START;
  /** Absolute offset just after the last byte written. */
  #offset: number;
  #error: MesosWireError | undefined = undefined;
  #lastRaised: MesosWireError | undefined = undefined;
  #resyncTail: Uint8Array | undefined = undefined;
  #resyncTailBase = 0;

  // --- the head being parsed (positions are absolute offsets) ---
  #msgStartAbs = 0;
  #headLimitAbs = 0;
  #headScanAbs = 0;
  #scanTo = 0; // data end and head limit (indexes) of the buffer being scanned, for #lineError
  #scanLimitIdx = 0;
  #lineNo = 0;
  #fieldCount = 0;
  #folded = false;
  #lastFieldFraming = false;
  #isResponse = false;
  #version: '1.0' | '1.1' = '1.1';
  #method = '';
  #status = 0;
  #spanStartAbs = 0; // target (request) or reason (response)
  #spanEndAbs = 0;
  #fieldsStartAbs = 0;
  #fieldsEndAbs = 0;
  #contentLength = -1;
  #contentLengthAbs = 0;
  #hasTransferEncoding = false;
  #transferEncodingAbs = 0;
  #sawChunked = false;
  #chunkedFinal = false;
  /** A head that spans writes, copied here (at most maxHeaderBytes). */
  #headBuf: Uint8Array = EMPTY_BODY;
  /**
   * #headBuf became a message's head bytes (parsed afresh, read lazily): the next head that spans writes needs a new
   * one. Otherwise (a kept head continued, the usual case) it is reused: a new array per spanning head cost ~1 µs.
   */
  #headBufTaken = true;
  /** Recently kept heads, in the order kept (see #keep). */
  #recentHeads: KeptHead[] = NO_KEPT_HEADS;
  /** The index of the kept head found (or kept) last: looked at first. */
  #recentHit = 0;
  /** The state of the choice of the slot a kept head replaces (see #keep). */
  #recentReplace = 0x9e3779b9 | 0;
  /**
   * Kept heads are looked for right after a head was reused or kept, and otherwise on every HEAD_PROBE_EVERY-th head
   * (a probe): a stream either repeats its heads back to back (a sender's burst of one message name, a server's 202s)
   * or rarely (a capture of many peers), where failed looks would only cost.
   */
  #lastHeadReused = false;
  /** The first head is a probe. */
  #headProbe = HEAD_PROBE_EVERY - 1;
  #headProbeEvery = HEAD_PROBE_EVERY;
  /** Whether the head being parsed was looked for: then it is kept if it came before (see #seenBefore). */
  #keepHead = false;
  /** Fingerprints (headPrint) of the last heads looked for and not kept, a ring; the last slot is the next to write. */
  #missPrints: Int32Array | undefined = undefined;
  /** A Float64Array over the buffer of #wordsOf, for the write being decoded (dropped after it). */
  #words: Float64Array | undefined = undefined;
  #wordsOf: Uint8Array | undefined = undefined;
  #headLen = 0;

  // --- a line (chunk size, trailer) that spans writes ---
  #lineBuf: Uint8Array = EMPTY_BODY;
  #lineLen = 0;
  #lineStartAbs = 0;
  #lineSrc: Uint8Array = EMPTY_BODY;
  #lineS = 0;
  #lineLf = 0;
  #lineDelta = 0;

  // --- the message being decoded ---
  #message: DecodedMessage | undefined = undefined;
  #remaining = 0;
  /**
   * The body being collected: its first piece is `#firstSrc[#firstAt, #firstAt + #firstLen)` of a written chunk (no
   * view made: a body in one piece becomes a view only when the message's `body` is read); once a second piece
   * comes, everything is copied into #acc (the announced size up to 64 KiB, or the bytes in hand; then doubling), so
   * tiny writes never pile up views.
   */
  #firstSrc: Uint8Array | undefined = undefined;
  #firstAt = 0;
  #firstLen = 0;
  #acc: Uint8Array = EMPTY_BODY;
  #accLen = 0;
  /** #acc took its body's announced size once (see #collect). */
  #accSized = false;
  #bodyLen = 0;
  #trailers: HttpHeader[] | undefined = undefined;
  #trailerStartAbs = 0;
  #crAbs = 0;

  // --- resync ---
  #atLineStart = false;
  /** Whether the write before the current one ended with LF (a resync tail starting there is at a line start). */
  #prevEndedWithLf = false;
  #endedWithLf = false;
  #resyncAtLineStart = false;
  #probe: Uint8Array = EMPTY_BODY;
  #probeAbs = 0;

  constructor(handler: HttpDecoderHandler, options: HttpDecoderOptions = {}) {
    this.#handler = handler;
    this.#hasOnHead = typeof handler.onHead === 'function';
    this.#hasOnChunk = typeof handler.onChunk === 'function';
    this.#hasOnBody = typeof handler.onBody === 'function';
    this.#hasOnMessage = typeof handler.onMessage === 'function';
    this.#oneStepBodies = !this.#hasOnChunk;
    const expect = options.expect ?? 'any';
    this.#expect = expect === 'request' ? EXPECT_REQUEST : expect === 'response' ? EXPECT_RESPONSE : EXPECT_ANY;
    this.#streamBodies = options.streamBodies === true;
    this.#maxHeaderBytes = positiveLimit('maxHeaderBytes', options.maxHeaderBytes, MAX_HEADER_BYTES_DEFAULT);
    this.#maxHeaderCount = positiveLimit('maxHeaderCount', options.maxHeaderCount, MAX_HEADER_COUNT_DEFAULT, true);
    this.#maxChunkSizeDigits = positiveLimit(
      'maxChunkSizeDigits',
      options.maxChunkSizeDigits,
      MAX_CHUNK_SIZE_DIGITS_DEFAULT,
    );
    this.#maxBodyBytes = positiveLimit('maxBodyBytes', options.maxBodyBytes, MAX_BODY_BYTES_DEFAULT, true);
    this.#offset = options.startOffset ?? 0;
    this.#bareLf = options.lenient?.bareLf === true;
    this.#obsFold = options.lenient?.obsFold === true;
    this.#responseHasNoBody = options.responseHasNoBody;
    this.#rejectUnknownStatus = options.rejectUnknownStatus === true;
    this.#rejectTrailers = options.rejectTrailers === true;
    this.#headCache = options.headCache !== false;
    // Everything a head's parse and framing depend on besides its bytes (responseHasNoBody is asked per message).
    this.#sharedHeads =
      options.headCache instanceof SharedHeadCache
        ? options.headCache.table(
            [
              this.#expect,
              this.#streamBodies,
              this.#maxHeaderBytes,
              this.#maxHeaderCount,
              this.#maxChunkSizeDigits,
              this.#maxBodyBytes,
              this.#bareLf,
              this.#obsFold,
              this.#rejectUnknownStatus,
              this.#rejectTrailers,
            ].join(' '),
          )
        : undefined;
  }

  /** Absolute offset of the next byte to be written (startOffset + bytes written so far). */
  get offset(): number {
    return this.#offset;
  }

  /** The error that failed the decoder, until resync(). */
  get error(): MesosWireError | undefined {
    return this.#error;
  }

  /**
   * Whether the decoder still reads bytes of the ArrayBuffer under `bytes` (an earlier write's) after write()
   * returned: the message in progress has its head or the first piece of its body there, or a failed decoder keeps
   * the tail to resync from. Other written buffers may be reused or freed (see releaseBytes) once the messages
   * decoded from them are done with: the decoder copies what it keeps of them.
   */
  holds(bytes: Uint8Array): boolean {
    const buffer = bytes.buffer;
    return (
      this.#firstSrc?.buffer === buffer ||
      this.#message?.readsFrom(buffer) === true ||
      this.#resyncTail?.buffer === buffer
    );
  }

  /** Decode the next bytes of the stream. Synchronous; throws on bad input (see the class doc). */
  write(bytes: Uint8Array): void {
    if (this.#error !== undefined) throw this.#error;
    // Plain Uint8Array views: subarray() on Buffer subclasses goes through a slow species lookup.
    const chunk =
      bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    const base = this.#offset;
    this.#offset = base + chunk.length;
    this.#prevEndedWithLf = this.#endedWithLf;
    if (chunk.length > 0) this.#endedWithLf = chunk[chunk.length - 1] === LF;
    this.#feed(chunk, base);
  }

  /**
   * End of stream: completes a body that runs until close; throws MW_HTTP_TRUNCATED (offset = end of stream) when the
   * stream stops inside a message. The decoder can be written again afterwards (a new stream continuing the offsets).
   */
  end(): void {
    if (this.#error !== undefined) throw this.#error;
    try {
      switch (this.#state) {
        case STATE.MESSAGE_START:
        case STATE.START_LF: // a CR between messages: no message is cut short
        case STATE.RESYNC:
          return;
        case STATE.BODY_UNTIL_CLOSE:
          this.#complete(this.#offset);
          return;
        default:
          throw this.#raise(
            'MW_HTTP_TRUNCATED',
            `stream ended inside the message that starts at offset ${this.#msgStartAbs}`,
            this.#offset,
          );
      }
    } catch (e) {
      this.#fail(e, EMPTY_BODY, this.#offset);
      throw e;
    }
  }

  /**
   * Leave the failed state: drop the message in progress and skip input up to the next plausible message start, a
   * line beginning with `HTTP/1.` or with an uppercase method followed by ` /`. The search starts at the offending byte
   * of the failed write and continues into later writes; bytes of writes rejected while failed are lost. Events
   * (and a new error) may be delivered by this call, from the rest of the failed write. No-op unless failed.
   */
  resync(): void {
    if (this.#error === undefined) return;
    this.#error = undefined;
    this.#lastRaised = undefined;
    this.#message = undefined;
    this.#firstSrc = undefined;
    this.#acc = EMPTY_BODY;
    this.#accLen = 0;
    this.#accSized = false;
    this.#bodyLen = 0;
    this.#headLen = 0;
    this.#lineLen = 0;
    this.#trailers = undefined;
    this.#probe = EMPTY_BODY;
    this.#atLineStart = this.#resyncAtLineStart;
    this.#state = STATE.RESYNC;
    const tail = this.#resyncTail;
    this.#resyncTail = undefined;
    if (tail !== undefined && tail.length > 0) this.#feed(tail, this.#resyncTailBase);
  }

  #feed(chunk: Uint8Array, base: number): void {
    try {
      this.#run(chunk, base);
    } catch (e) {
      this.#fail(e, chunk, base);
      throw e;
    } finally {
      // Kept past the write, the view would keep the written buffer alive.
      this.#words = undefined;
      this.#wordsOf = undefined;
    }
  }

  /**
   * buf's ArrayBuffer as doubles, for comparing heads (KeptHead.sameBytes; one per written buffer, made when
   * first needed), or undefined for a buffer too small to hold a head worth it (see VIEW_MIN_BYTES).
   */
  #wordsFor(buf: Uint8Array): Float64Array | undefined {
    if (buf.length < VIEW_MIN_BYTES) return undefined;
    if (this.#wordsOf !== buf) {
      this.#wordsOf = buf;
      this.#words = wordsOf(buf);
    }
    return this.#words;
  }

  /**
   * A kept head whose bytes chunk[pos, end) repeat (all of it within), or undefined. Looked for from the one found
   * last, then the ones kept after it: a stream of one head finds it first, a stream of names in turns (kept in the
   * order they came) finds the next one second.
   */
  #recentHead(chunk: Uint8Array, pos: number, end: number): KeptHead | undefined {
    const recent = this.#recentHeads;
    const count = recent.length;
    let r = this.#recentHit;
    for (let tries = 0; tries < count; tries++) {
      const kept = recent[r]!;
      const n = kept.length;
      // A head of another length mostly fails at its last bytes; another head of this length within the first
      // words compared (eight bytes at a time, see RepeatedBytes), so no fingerprint is computed first.
      if (
        n <= end - pos &&
        chunk[pos + n - 3] === kept.src[kept.start + n - 3] &&
        kept.sameBytes(chunk, this.#wordsFor(chunk), pos)
      ) {
        this.#recentHit = r;
        return kept;
      }
      r = r + 1 === count ? 0 : r + 1;
    }
    return undefined;
  }

  /**
   * A kept head that the head in #headBuf (#headLen bytes so far) followed by chunk[pos, end) starts with, all of it
   * within; or undefined. Compared byte by byte: at most once per write.
   */
  #keptContinued(chunk: Uint8Array, pos: number, end: number): KeptHead | undefined {
    const have = this.#headLen;
    const buf = this.#headBuf;
    for (const kept of this.#recentHeads) {
      const n = kept.length;
      if (n <= have || n - have > end - pos) continue;
      const src = kept.src;
      const start = kept.start;
      let i = 0;
      while (i < have && buf[i] === src[start + i]) i++;
      if (i < have) continue;
      const k = pos - have;
      while (i < n && chunk[k + i] === src[start + i]) i++;
      if (i === n) return kept;
    }
    return undefined;
  }

  /**
   * Whether chunk[data, end) holds `size` bytes of chunk data followed by `CRLF 0 CRLF CRLF` (the CRLF ending the
   * data, the last chunk, no trailers), with limits under which the states would take those lines by their fast paths
   * (a head limit above 2 bytes; one hex digit is always within maxChunkSizeDigits).
   */
  #restOfOneChunk(chunk: Uint8Array, data: number, size: number, end: number): boolean {
    const t = data + size;
    return (
      t + 7 <= end &&
      chunk[t] === CR &&
      chunk[t + 1] === LF &&
      chunk[t + 2] === 0x30 &&
      chunk[t + 3] === CR &&
      chunk[t + 4] === LF &&
      chunk[t + 5] === CR &&
      chunk[t + 6] === LF &&
      this.#maxHeaderBytes > 2
    );
  }

  /**
   * The body of the message whose chunk-size line announced `size` (state CHUNK_DATA) when #restOfOneChunk holds:
   * what CHUNK_DATA (all `size` bytes, then its CRLF), CHUNK_SIZE (the `0` line, fast path) and TRAILER (the empty
   * line, fast path) would do one after another, calling the same methods in the same order (so the same events and
   * errors). Returns the index after the message.
   */
  #oneChunkBody(chunk: Uint8Array, data: number, size: number, base: number): number {
    this.#bodyPiece(chunk, data, size, size, base);
    this.#remaining = 0;
    const last = data + size + 2;
    this.#onChunkSize(0, base + last, base + last + 3);
    const after = last + 5;
    this.#complete(base + after);
    return after;
  }

  /**
   * `n` bytes of body at chunk[pos] (of the `rem` the Content-Length or the current chunk still announces): the
   * body offset, the body collected (its first piece as a range of the write, later pieces copied), onBody.
   */
  #bodyPiece(chunk: Uint8Array, pos: number, n: number, rem: number, base: number): void {
    const msg = this.#message!;
    if (msg.bodyOffset === undefined) msg.bodyOffset = base + pos;
    if (!this.#streamBodies) {
      if (this.#firstSrc === undefined) {
        this.#firstSrc = chunk;
        this.#firstAt = pos;
        this.#firstLen = n;
      } else this.#collect(chunk, pos, n, rem - n, this.#state === STATE.BODY_LENGTH);
      this.#bodyLen += n;
    }
    if (this.#hasOnBody) {
      // chunk.subarray(pos, pos + n), made directly (subarray goes through a species lookup: slower).
      this.#handler.onBody!(msg, new Uint8Array(chunk.buffer, chunk.byteOffset + pos, n), base + pos);
    }
  }

  /** Every #headProbeEvery-th call is true. */
  #probeHead(): boolean {
    if (++this.#headProbe < this.#headProbeEvery) return false;
    this.#headProbe = 0;
    return true;
  }

  #fail(e: unknown, chunk: Uint8Array, base: number): void {
    let error: MesosWireError;
    if (this.#lastRaised !== undefined && e === this.#lastRaised) {
      error = this.#lastRaised;
    } else {
      error = new MesosWireError('MW_DECODER_FAILED', 'an HttpDecoder handler threw; the decoder is failed', {
        cause: e,
        offset: this.#offset,
      });
    }
    this.#error = error;
    this.#state = STATE.FAILED;
    const at = error.offset ?? base;
    const rel = at - base;
    this.#resyncTail = rel >= 0 && rel < chunk.length ? chunk.subarray(rel) : rel < 0 ? chunk : undefined;
    this.#resyncTailBase = rel >= 0 ? at : base;
    // When the offending byte lies in an earlier write, the tail starts at this write: a line start if that ended in LF.
    this.#resyncAtLineStart = rel < 0 && chunk.length > 0 && this.#prevEndedWithLf;
  }

  #raise(code: ErrorCode, message: string, at: number): MesosWireError {
    const error = new MesosWireError(code, message, { offset: at });
    this.#lastRaised = error;
    return error;
  }

  /** The error for an unexpected byte at buf[i] of a line ending at e (a CR there is a bare CR). */
  #badByte(code: ErrorCode, what: string, buf: Uint8Array, i: number, e: number, delta: number): MesosWireError {
    if (i >= e) return this.#raise(code, `${what}: line ends early`, delta + e);
    const b = buf[i]!;
    if (b === CR) return this.#raise('MW_HTTP_BARE_CR', 'CR not followed by LF (RFC 9112 §2.2)', delta + i);
    return this.#raise(code, `${what}: unexpected byte ${byteName(b)}`, delta + i);
  }

  #run(chunk: Uint8Array, base: number): void {
    const end = chunk.length;
    let pos = 0;
    while (pos < end) {
      switch (this.#state) {
        case STATE.MESSAGE_START: {
          const b = chunk[pos]!;
          if (b === CR) {
            this.#crAbs = base + pos;
            this.#state = STATE.START_LF;
            pos++;
            break;
          }
          if (b === LF) {
            if (!this.#bareLf) throw this.#raise('MW_HTTP_BARE_LF', 'bare LF between messages', base + pos);
            pos++;
            break;
          }
          const shared = this.#sharedHeads;
          if (shared !== undefined) {
            // Looked up on every head: a hash of the start line finds the candidates (see SharedHeadTable).
            const kept = shared.find(chunk, pos, end);
            if (kept !== undefined) {
              pos = this.#messageOfKept(kept, chunk, pos, end, base);
              break;
            }
            this.#keepHead = true;
          } else if (this.#headCache) {
            const tryReuse = this.#lastHeadReused || this.#probeHead();
            if (tryReuse && this.#recentHeads.length > 0) {
              const kept = this.#recentHead(chunk, pos, end);
              if (kept === undefined) {
                this.#headProbeEvery = Math.min(HEAD_PROBE_MAX, 2 * this.#headProbeEvery);
              } else {
                // Same bytes as a head parsed before, so the same parse (it depends only on the bytes and options).
                this.#lastHeadReused = true;
                this.#headProbeEvery = HEAD_PROBE_EVERY;
                pos = this.#messageOfKept(kept, chunk, pos, end, base);
                break;
              }
            }
            this.#lastHeadReused = false;
            this.#keepHead = tryReuse;
          }
          this.#beginHead(base + pos);
          const after = this.#parseHeadLines(chunk, pos, end, base);
          if (after >= 0) {
            this.#finishHead(chunk, base, after);
            pos = after;
          } else {
            if (this.#headBufTaken) {
              this.#headBuf = new Uint8Array(Math.min(this.#maxHeaderBytes, Math.max(1024, 2 * (end - pos))));
              this.#headBufTaken = false;
            }
            this.#headLen = 0;
            this.#appendHead(chunk, pos, end);
            this.#state = STATE.HEAD;
            pos = end;
          }
          break;
        }
        case STATE.START_LF:
          if (chunk[pos] !== LF) throw this.#raise('MW_HTTP_BARE_CR', 'CR not followed by LF', this.#crAbs);
          pos++;
          this.#state = STATE.MESSAGE_START;
          break;
        case STATE.HEAD:
          pos = this.#continueHead(chunk, pos, end, base);
          break;
        case STATE.BODY_LENGTH:
        case STATE.CHUNK_DATA: {
          const rem = this.#remaining;
          const n = Math.min(end - pos, rem);
          this.#bodyPiece(chunk, pos, n, rem, base);
          pos += n;
          this.#remaining = rem - n;
          if (rem === n) {
            if (this.#state === STATE.BODY_LENGTH) this.#complete(base + pos);
            else if (pos + 1 < end && chunk[pos] === CR && chunk[pos + 1] === LF) {
              pos += 2;
              this.#state = STATE.CHUNK_SIZE;
            } else this.#state = STATE.CHUNK_DATA_CR;
          }
          break;
        }
        case STATE.CHUNK_SIZE: {
          if (this.#lineLen === 0) {
            // Fast path: a plain `<hex>` CRLF line inside this write (what every libprocess sender writes), its size
            // read while scanning. At most FAST_CHUNK_SIZE_DIGITS digits and within maxChunkSizeDigits, so that the
            // value stays exact and the size line parse (#onChunkSizeLine) would raise nothing: same size, same events.
            let i = pos;
            let size = 0;
            let h = 0;
            while (i < end && (h = HEX_VALUE[chunk[i]!]!) >= 0) {
              size = size * 16 + h;
              i++;
            }
            if (
              i > pos &&
              i + 1 < end &&
              chunk[i] === CR &&
              chunk[i + 1] === LF &&
              i + 1 - pos < this.#maxHeaderBytes
            ) {
              if (i - pos <= FAST_CHUNK_SIZE_DIGITS && i - pos <= this.#maxChunkSizeDigits) {
                this.#onChunkSize(size, base + pos, base + i + 2);
                // The common libprocess body: this chunk's data, then the last chunk and no trailers, all in this
                // write: taken here in one step (see #restOfOneChunk), with the same calls the states would make.
                const data = i + 2;
                if (size > 0 && this.#restOfOneChunk(chunk, data, size, end)) {
                  pos = this.#oneChunkBody(chunk, data, size, base);
                  break;
                }
              } else this.#onChunkSizeLine(chunk, pos, i + 1, base);
              pos = i + 2;
              break;
            }
          }
          const limitAbs = (this.#lineLen === 0 ? base + pos : this.#lineStartAbs) + this.#maxHeaderBytes;
          const next = this.#takeLine(chunk, pos, end, base, limitAbs, 'MW_HTTP_CHUNK_LINE_TOO_LONG');
          if (next < 0) {
            pos = end;
            break;
          }
          pos = next;
          this.#onChunkSizeLine(this.#lineSrc, this.#lineS, this.#lineLf, this.#lineDelta);
          break;
        }
        case STATE.CHUNK_DATA_CR: {
          const b = chunk[pos]!;
          if (b === CR) this.#state = STATE.CHUNK_DATA_LF;
          else if (b === LF && this.#bareLf) this.#state = STATE.CHUNK_SIZE;
          else
            throw this.#raise(
              'MW_HTTP_BAD_CHUNK_TERMINATOR',
              `expected CR after chunk data, got ${byteName(b)}`,
              base + pos,
            );
          pos++;
          break;
        }
        case STATE.CHUNK_DATA_LF: {
          const b = chunk[pos]!;
          if (b !== LF) {
            throw this.#raise(
              'MW_HTTP_BAD_CHUNK_TERMINATOR',
              `expected LF after chunk data, got ${byteName(b)}`,
              base + pos,
            );
          }
          pos++;
          this.#state = STATE.CHUNK_SIZE;
          break;
        }
        case STATE.TRAILER: {
          if (
            this.#lineLen === 0 &&
            pos + 1 < end &&
            chunk[pos] === CR &&
            chunk[pos + 1] === LF &&
            base + pos + 1 < this.#trailerStartAbs + this.#maxHeaderBytes
          ) {
            // Fast path: no trailers.
            pos += 2;
            this.#complete(base + pos);
            break;
          }
          const limitAbs = this.#trailerStartAbs + this.#maxHeaderBytes;
          const next = this.#takeLine(chunk, pos, end, base, limitAbs, 'MW_HTTP_TRAILERS_TOO_LARGE');
          if (next < 0) {
            pos = end;
            break;
          }
          pos = next;
          const buf = this.#lineSrc;
          const s = this.#lineS;
          const lf = this.#lineLf;
          const delta = this.#lineDelta;
          let e = lf;
          if (lf > s && buf[lf - 1] === CR) e = lf - 1;
          else if (!this.#bareLf)
            throw this.#raise('MW_HTTP_BARE_LF', 'trailer line ends in LF without CR', delta + lf);
          if (e === s) this.#complete(base + pos);
          else this.#parseTrailerLine(buf, s, e, delta);
          break;
        }
        case STATE.BODY_UNTIL_CLOSE: {
          const n = end - pos;
          if (!this.#streamBodies && this.#bodyLen + n > this.#maxBodyBytes) {
            throw this.#raise(
              'MW_HTTP_BODY_TOO_LARGE',
              `body exceeds maxBodyBytes (${this.#maxBodyBytes})`,
              base + pos + (this.#maxBodyBytes - this.#bodyLen),
            );
          }
          // The rest of the write is body (the piece is all that is left of it: nothing more is announced).
          this.#bodyPiece(chunk, pos, n, n, base);
          pos = end;
          break;
        }
        case STATE.RESYNC:
          pos = this.#scanResync(chunk, pos, end, base);
          break;
        default:
          throw this.#raise('MW_INTERNAL', `HttpDecoder in state ${this.#state} was fed`, base + pos);
      }
    }
  }

  // --- head ---

  #beginHead(abs: number): void {
    this.#msgStartAbs = abs;
    this.#headLimitAbs = abs + this.#maxHeaderBytes;
    this.#lineNo = 0;
    this.#fieldCount = 0;
    this.#folded = false;
    this.#lastFieldFraming = false;
    this.#contentLength = -1;
    this.#hasTransferEncoding = false;
    this.#sawChunked = false;
    this.#chunkedFinal = false;
  }

  /**
   * Parse complete head lines of buf[i, to) (absolute offset of buf[k] is delta + k). Returns the index just after the
   * blank line that ends the head, or -1 when the data ends inside the head (the next line to parse is then at
   * #headScanAbs). A line is validated once its LF is present; the head limit is checked first.
   */
  #parseHeadLines(buf: Uint8Array, i: number, to: number, delta: number): number {
    const limitIdx = this.#headLimitAbs - delta;
    const stop = Math.min(to, limitIdx);
    this.#scanTo = to;
    this.#scanLimitIdx = limitIdx;
    for (;;) {
      let lf = -1;
      if (i < stop) {
        const c0 = buf[i];
        if (c0 === CR) {
          if (i + 1 < stop) {
            if (buf[i + 1] === LF) {
              this.#fieldsEndAbs = delta + i;
              return i + 2;
            }
            lf = this.#lineError('MW_HTTP_BAD_HEADER_NAME', 'field name', buf, i, delta);
          }
        } else if (c0 === LF) {
          if (!this.#bareLf) throw this.#raise('MW_HTTP_BARE_LF', 'head line ends in LF without CR', delta + i);
          this.#fieldsEndAbs = delta + i;
          return i + 1;
        } else if (this.#lineNo === 0) {
          lf = this.#scanStartLine(buf, i, stop, delta);
        } else {
          lf = this.#scanFieldLine(buf, i, stop, delta);
        }
      }
      if (lf < 0) {
        if (to > limitIdx) throw this.#headTooLarge();
        this.#headScanAbs = delta + i;
        return -1;
      }
      if (this.#lineNo++ === 0) this.#fieldsStartAbs = delta + lf + 1;
      i = lf + 1;
    }
  }

  /**
   * An invalid byte at buf[p] of the head line being scanned. Errors count only once the line is complete (so that
   * every way of splitting the input gives the same result): returns -1 when the line's LF has not arrived yet,
   * otherwise throws, preferring the head limit, then a bare LF ending the line, then a bare CR, then `code`.
   */
  #lineError(code: ErrorCode, what: string, buf: Uint8Array, p: number, delta: number): number {
    const to = this.#scanTo;
    const limitIdx = this.#scanLimitIdx;
    const lf = buf.indexOf(LF, p);
    if (lf === -1 || lf >= to) {
      if (to > limitIdx) throw this.#headTooLarge();
      return -1;
    }
    if (lf >= limitIdx) throw this.#headTooLarge();
    if (!this.#bareLf && (lf === 0 || buf[lf - 1] !== CR)) {
      throw this.#raise('MW_HTTP_BARE_LF', 'head line ends in LF without CR', delta + lf);
    }
    const b = buf[p]!;
    if (b === CR && p + 1 !== lf)
      throw this.#raise('MW_HTTP_BARE_CR', 'CR not followed by LF (RFC 9112 §2.2)', delta + p);
    if (b === CR || b === LF) throw this.#raise(code, `${what}: line ends early`, delta + p);
    throw this.#raise(code, `${what}: unexpected byte ${byteName(b)}`, delta + p);
  }

  /** The line end at buf[i]: index of its LF, -1 when not all here yet; anything else is a `code` error. */
  #scanLineEnd(buf: Uint8Array, i: number, stop: number, delta: number, code: ErrorCode, what: string): number {
    if (i >= stop) return -1;
    const c = buf[i];
    if (c === CR) {
      if (i + 1 >= stop) return -1;
      if (buf[i + 1] === LF) return i + 1;
    } else if (c === LF) {
      if (this.#bareLf) return i;
      throw this.#raise('MW_HTTP_BARE_LF', 'head line ends in LF without CR', delta + i);
    }
    return this.#lineError(code, what, buf, i, delta);
  }

  #headTooLarge(): MesosWireError {
    return this.#raise(
      'MW_HTTP_HEADERS_TOO_LARGE',
      `head exceeds maxHeaderBytes (${this.#maxHeaderBytes})`,
      this.#headLimitAbs,
    );
  }

  /** Slow path: the head started in an earlier write and is kept in headBuf. Returns the new position in chunk. */
  #continueHead(chunk: Uint8Array, pos: number, end: number, base: number): number {
    if (this.#keepHead) {
      // This head was looked for among the kept ones, but the write ended inside it (a sender's 64 KiB writes cut one
      // head in ~200): if its bytes so far and the rest in this write repeat a kept head, it is that head (same bytes,
      // same parse: the lines parsed so far are a prefix of a head that parsed without error).
      const kept = this.#keptContinued(chunk, pos, end);
      if (kept !== undefined) {
        this.#keepHead = false;
        this.#lastHeadReused = true;
        this.#headProbeEvery = HEAD_PROBE_EVERY;
        const next = pos + kept.length - this.#headLen;
        this.#headLen = 0;
        this.#startKept(kept, this.#msgStartAbs);
        return next;
      }
    }
    const lf = chunk.indexOf(LF, pos);
    if (lf === -1) {
      this.#appendHead(chunk, pos, end);
      return end;
    }
    // Complete the line that straddles the writes, and parse it in headBuf.
    this.#appendHead(chunk, pos, lf + 1);
    const scan = this.#headScanAbs - this.#msgStartAbs;
    let after = this.#parseHeadLines(this.#headBuf, scan, this.#headLen, this.#msgStartAbs);
    if (after >= 0) {
      this.#headBufTaken = true;
      this.#finishHead(this.#headBuf, this.#msgStartAbs, after);
      return lf + 1;
    }
    // Go on in place; copy the rest of the head only once its extent is known.
    after = this.#parseHeadLines(chunk, lf + 1, end, base);
    if (after >= 0) {
      this.#appendHead(chunk, lf + 1, after);
      this.#headBufTaken = true;
      this.#finishHead(this.#headBuf, this.#msgStartAbs, this.#headLen);
      return after;
    }
    this.#appendHead(chunk, lf + 1, end);
    return end;
  }

  #appendHead(chunk: Uint8Array, from: number, to: number): void {
    const n = to - from;
    const len = this.#headLen;
    if (len + n > this.#maxHeaderBytes) throw this.#headTooLarge();
    if (len + n > this.#headBuf.length) {
      const grown = new Uint8Array(Math.min(this.#maxHeaderBytes, Math.max(2 * this.#headBuf.length, len + n)));
      grown.set(this.#headBuf.subarray(0, len));
      this.#headBuf = grown;
    }
    this.#headBuf.set(chunk.subarray(from, to), len);
    this.#headLen = len + n;
  }

  #scanStartLine(buf: Uint8Array, s: number, stop: number, delta: number): number {
    const expect = this.#expect;
    let isResponse = false;
    if (expect !== EXPECT_REQUEST) {
      let k = 0;
      while (k < 5 && s + k < stop && buf[s + k] === HTTP_1_DOT[k]) k++;
      if (k < 5 && s + k === stop) return -1;
      isResponse = k === 5;
      if (!isResponse && expect === EXPECT_RESPONSE) {
        return this.#lineError('MW_HTTP_BAD_START_LINE', 'expected a status line', buf, s + k, delta);
      }
    }
    this.#isResponse = isResponse;
    return isResponse ? this.#scanStatusLine(buf, s, stop, delta) : this.#scanRequestLine(buf, s, stop, delta);
  }

  #scanRequestLine(buf: Uint8Array, s: number, stop: number, delta: number): number {
    let i = s;
    while (i < stop && TOKEN[buf[i]!] === 1) i++;
    if (i >= stop) return -1;
    if (i === s || buf[i] !== SP) return this.#lineError('MW_HTTP_BAD_METHOD', 'method', buf, i, delta);
    const methodEnd = i;
    const ts = ++i;
    while (i < stop && TARGET_CHAR[buf[i]!] === 1) i++;
    if (i >= stop) return -1;
    if (i === ts || buf[i] !== SP) return this.#lineError('MW_HTTP_BAD_TARGET', 'request target', buf, i, delta);
    const te = i++;
    if (!this.#scanVersion(buf, i, stop, delta)) return -1;
    const lf = this.#scanLineEnd(buf, i + 8, stop, delta, 'MW_HTTP_BAD_VERSION', 'HTTP version');
    if (lf < 0) return -1;
    this.#method = methodName(buf, s, methodEnd);
    this.#spanStartAbs = delta + ts;
    this.#spanEndAbs = delta + te;
    return lf;
  }

  /** `HTTP/1.0` or `HTTP/1.1` at buf[i]: true when read (sets #version), false when not all here yet. */
  #scanVersion(buf: Uint8Array, i: number, stop: number, delta: number): boolean {
    for (let k = 0; k < 7; k++) {
      if (i + k >= stop) return false;
      if (buf[i + k] !== HTTP_1_DOT[k]) {
        return this.#lineError('MW_HTTP_BAD_VERSION', 'HTTP version', buf, i + k, delta) >= 0;
      }
    }
    if (i + 7 >= stop) return false;
    const minor = buf[i + 7];
    if (minor === 0x31) this.#version = '1.1';
    else if (minor === 0x30) this.#version = '1.0';
    else return this.#lineError('MW_HTTP_BAD_VERSION', 'HTTP version', buf, i + 7, delta) >= 0;
    return true;
  }

  #scanStatusLine(buf: Uint8Array, s: number, stop: number, delta: number): number {
    if (!this.#scanVersion(buf, s, stop, delta)) return -1;
    let i = s + 8;
    if (i >= stop) return -1;
    let c = buf[i]!;
    if (c !== SP) {
      const code = c === CR || c === LF ? 'MW_HTTP_BAD_STATUS' : 'MW_HTTP_BAD_VERSION';
      return this.#lineError(code, 'status line', buf, i, delta);
    }
    i++;
    const statusAt = i;
    let status = 0;
    for (let k = 0; k < 3; k++, i++) {
      if (i >= stop) return -1;
      const d = buf[i]! - 0x30;
      if (d < 0 || d > 9) return this.#lineError('MW_HTTP_BAD_STATUS', 'status code', buf, i, delta);
      status = status * 10 + d;
    }
    if (i >= stop) return -1;
    c = buf[i]!;
    let reasonStart = i;
    if (c === SP) {
      reasonStart = ++i;
      while (i < stop && VALUE_CHAR[buf[i]!] !== 0) i++;
    }
    const lf = this.#scanLineEnd(buf, i, stop, delta, 'MW_HTTP_BAD_STATUS', c === SP ? 'reason phrase' : 'status code');
    if (lf < 0) return -1;
    if (status < 100) throw this.#raise('MW_HTTP_BAD_STATUS', `status code ${status} is below 100`, delta + statusAt);
    if (this.#rejectUnknownStatus && STATUS_REASONS[status] === undefined) {
      throw this.#raise('MW_HTTP_BAD_STATUS', `unknown status code ${status}`, delta + statusAt);
    }
    this.#status = status;
    this.#spanStartAbs = delta + reasonStart;
    this.#spanEndAbs = delta + i;
    return lf;
  }

  /** A header field line at buf[s] (not empty): returns its LF index or -1 when not all here yet. */
  #scanFieldLine(buf: Uint8Array, s: number, stop: number, delta: number): number {
    const c0 = buf[s];
    if (c0 === SP || c0 === HTAB) return this.#scanFoldLine(buf, s, stop, delta);
    if (this.#fieldCount >= this.#maxHeaderCount) {
      return this.#lineError('MW_HTTP_TOO_MANY_HEADERS', `more than ${this.#maxHeaderCount} fields`, buf, s, delta);
    }
    let i = s;
    while (i < stop && TOKEN[buf[i]!] === 1) i++;
    if (i >= stop) return -1;
    if (i === s || buf[i] !== 0x3a) return this.#lineError('MW_HTTP_BAD_HEADER_NAME', 'field name', buf, i, delta);
    const nameLen = i - s;
    i++;
    while (i < stop && (buf[i] === SP || buf[i] === HTAB)) i++;
    const vs = i;
    while (i < stop && VALUE_CHAR[buf[i]!] !== 0) i++;
    const lf = this.#scanLineEnd(buf, i, stop, delta, 'MW_HTTP_BAD_HEADER_VALUE', 'field value');
    if (lf < 0) return -1;
    let ve = i;
    while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HTAB)) ve--;
    this.#fieldCount++;
    this.#lastFieldFraming = false;
    if (nameLen === 14) {
      if (matchLower(buf, s, CONTENT_LENGTH)) this.#onContentLength(buf, s, vs, ve, delta);
    } else if (nameLen === 17) {
      if (matchLower(buf, s, TRANSFER_ENCODING)) this.#onTransferEncoding(buf, s, vs, ve, delta);
    }
    return lf;
  }

  /** An obs-fold continuation line (only with the obsFold leniency). */
  #scanFoldLine(buf: Uint8Array, s: number, stop: number, delta: number): number {
    if (!this.#obsFold)
      return this.#lineError('MW_HTTP_OBS_FOLD', 'obsolete line folding (RFC 9112 §5.2)', buf, s, delta);
    let i = s;
    while (i < stop && VALUE_CHAR[buf[i]!] !== 0) i++;
    const lf = this.#scanLineEnd(buf, i, stop, delta, 'MW_HTTP_BAD_HEADER_VALUE', 'field value');
    if (lf < 0) return -1;
    this.#checkFoldFollowsField(s, delta);
    if (this.#lastFieldFraming) {
      throw this.#raise(
        'MW_HTTP_OBS_FOLD',
        'a framing header (Content-Length, Transfer-Encoding) is folded',
        delta + s,
      );
    }
    this.#folded = true;
    return lf;
  }

  /** A continuation line at buf[s] needs a field line before it to continue. */
  #checkFoldFollowsField(s: number, delta: number): void {
    if (this.#fieldCount === 0) {
      throw this.#raise('MW_HTTP_BAD_HEADER_NAME', 'whitespace before the first field line', delta + s);
    }
  }

  /**
   * A trailer field line buf[s, e) (CRLF excluded), complete. Trailers are rare, so they are checked line by line
   * after the LF is found and materialised at once.
   */
  #parseTrailerLine(buf: Uint8Array, s: number, e: number, delta: number): void {
    if (this.#rejectTrailers) {
      throw this.#raise('MW_HTTP_TRAILERS_REJECTED', 'trailer fields after a chunked body', delta + s);
    }
    const c0 = buf[s];
    const folded = c0 === SP || c0 === HTAB;
    if (folded) {
      if (!this.#obsFold) throw this.#raise('MW_HTTP_OBS_FOLD', 'obsolete line folding (RFC 9112 §5.2)', delta + s);
      this.#checkFoldFollowsField(s, delta);
    } else if (++this.#fieldCount > this.#maxHeaderCount) {
      throw this.#raise('MW_HTTP_TOO_MANY_HEADERS', `more than ${this.#maxHeaderCount} fields`, delta + s);
    }
    let i = s;
    if (!folded) {
      while (i < e && TOKEN[buf[i]!] === 1) i++;
      if (i === s || i === e || buf[i] !== 0x3a) {
        throw this.#badByte('MW_HTTP_BAD_HEADER_NAME', 'field name', buf, i, e, delta);
      }
      i++;
    }
    const nameEnd = i - 1;
    while (i < e && (buf[i] === SP || buf[i] === HTAB)) i++;
    const vs = i;
    let ve = i;
    for (; i < e; i++) {
      const k = VALUE_CHAR[buf[i]!];
      if (k === 2) ve = i + 1;
      else if (k === 0) throw this.#badByte('MW_HTTP_BAD_HEADER_VALUE', 'field value', buf, i, e, delta);
    }
    const trailers = (this.#trailers ??= []);
    if (!folded) {
      trailers.push({ name: latin1String(buf, s, nameEnd), value: latin1String(buf, vs, ve) });
    } else if (ve > vs) {
      // obs-fold (obsFold leniency): joined to the previous value with one SP.
      const prev = trailers[trailers.length - 1]!;
      const more = latin1String(buf, vs, ve);
      trailers[trailers.length - 1] = { name: prev.name, value: prev.value === '' ? more : `${prev.value} ${more}` };
    }
  }

  #onContentLength(buf: Uint8Array, s: number, vs: number, ve: number, delta: number): void {
    if (this.#hasTransferEncoding) {
      throw this.#raise('MW_HTTP_CONFLICTING_FRAMING', 'Content-Length after Transfer-Encoding', delta + s);
    }
    if (vs === ve) throw this.#raise('MW_HTTP_BAD_CONTENT_LENGTH', 'empty Content-Length', delta + vs);
    let value = 0;
    for (let i = vs; i < ve; i++) {
      const d = buf[i]! - 0x30;
      if (d < 0 || d > 9) {
        throw this.#raise('MW_HTTP_BAD_CONTENT_LENGTH', `Content-Length has byte ${byteName(buf[i]!)}`, delta + i);
      }
      if (i - vs >= MAX_CONTENT_LENGTH_DIGITS) {
        throw this.#raise('MW_HTTP_BAD_CONTENT_LENGTH', 'Content-Length has more than 15 digits', delta + i);
      }
      value = value * 10 + d;
    }
    if (this.#contentLength >= 0 && value !== this.#contentLength) {
      throw this.#raise(
        'MW_HTTP_BAD_CONTENT_LENGTH',
        `Content-Length ${value} differs from ${this.#contentLength} (RFC 9110 §8.6)`,
        delta + vs,
      );
    }
    this.#contentLength = value;
    this.#contentLengthAbs = delta + vs;
    this.#lastFieldFraming = true;
  }

  #onTransferEncoding(buf: Uint8Array, s: number, vs: number, ve: number, delta: number): void {
    if (this.#contentLength >= 0) {
      throw this.#raise('MW_HTTP_CONFLICTING_FRAMING', 'Transfer-Encoding after Content-Length', delta + s);
    }
    if (!this.#hasTransferEncoding) this.#transferEncodingAbs = delta + vs;
    this.#hasTransferEncoding = true;
    this.#lastFieldFraming = true;
    // The codings are a comma list; only whether `chunked` is present, once and last, matters for framing.
    for (let i = vs; i <= ve; ) {
      let j = i;
      while (j < ve && buf[j] !== 0x2c) j++;
      let a = i;
      let z = j;
      while (a < z && (buf[a] === SP || buf[a] === HTAB)) a++;
      while (z > a && (buf[z - 1] === SP || buf[z - 1] === HTAB)) z--;
      if (z > a) {
        if (z - a === 7 && matchLower(buf, a, CHUNKED)) {
          if (this.#sawChunked) {
            throw this.#raise(
              'MW_HTTP_BAD_TRANSFER_ENCODING',
              'chunked applied more than once (RFC 9112 §7)',
              delta + a,
            );
          }
          this.#sawChunked = true;
          this.#chunkedFinal = true;
        } else {
          this.#chunkedFinal = false;
        }
      }
      i = j + 1;
    }
  }

  #finishHead(src: Uint8Array, srcDelta: number, after: number): void {
    const msgAbs = this.#msgStartAbs;
    const headerBytes = srcDelta + after - msgAbs;
    const msg = DecodedHttpMessage.parsed(
      this.#isResponse ? 'response' : 'request',
      msgAbs,
      this.#version,
      headerBytes,
      src,
      this.#fieldsStartAbs - srcDelta,
      this.#fieldsEndAbs - srcDelta,
      this.#folded,
      this.#spanStartAbs - srcDelta,
      this.#spanEndAbs - srcDelta,
    ) as DecodedMessage;
    this.#frameHead(msg);
    // Only heads that framed without error get here.
    if (this.#keepHead) {
      this.#keepHead = false;
      const print = headPrint(src, msgAbs - srcDelta, headerBytes);
      const shared = this.#sharedHeads;
      if (shared !== undefined) {
        if (headerBytes <= MAX_SHARED_HEAD_BYTES && shared.seenBefore(print)) {
          shared.keep(this.#keptHead(src, msgAbs - srcDelta, headerBytes, srcDelta));
        }
      } else if (this.#seenBefore(print)) {
        this.#keep(this.#keptHead(src, msgAbs - srcDelta, headerBytes, srcDelta));
        // Looked for right away: a head that comes a second time tends to come again.
        this.#lastHeadReused = true;
      }
    }
    if (this.#hasOnHead) this.#handler.onHead!(msg);
    if (this.#state === STATE.MESSAGE_START) this.#complete(msgAbs + headerBytes);
  }

  /**
   * The message whose head, at chunk[at], repeats `kept`: taken whole in one step when it can be (#oneChunkRequest),
   * else started (#startKept) for the states to go on with. Returns the index after what was taken.
   */
  #messageOfKept(kept: KeptHead, chunk: Uint8Array, at: number, end: number, base: number): number {
    const msgAbs = base + at;
    const pos = at + kept.length;
    if (this.#oneStepBodies && kept.oneChunkRequest) {
      const after = this.#oneChunkRequest(kept, msgAbs, chunk, pos, end, base);
      if (after >= 0) return after;
    }
    this.#startKept(kept, msgAbs);
    return pos;
  }

  /**
   * A whole libprocess message after a kept chunked-request head (which ends at chunk[pos]): one chunk-size line,
   * the data, then the last chunk and no trailers, all within this write. Completes it in one step and returns the
   * index after it, or -1 (nothing done, no event) when the rest is not that shape within the limits: the states then
   * take it. Only for handlers without onChunk (see #oneStepBodies): the events are those the states would deliver,
   * in their order (onHead, onBody, onMessage), each seeing the message and decoder state as the states leave them.
   * The checks are those of the CHUNK_SIZE fast path, #restOfOneChunk and #onChunkSize.
   */
  #oneChunkRequest(kept: KeptHead, msgAbs: number, chunk: Uint8Array, pos: number, end: number, base: number): number {
    let i = pos;
    let size = 0;
    let h = 0;
    while (i < end && (h = HEX_VALUE[chunk[i]!]!) >= 0) {
      size = size * 16 + h;
      i++;
    }
    const digits = i - pos;
    const data = i + 2;
    if (
      digits === 0 ||
      digits > FAST_CHUNK_SIZE_DIGITS ||
      digits > this.#maxChunkSizeDigits ||
      data > end ||
      chunk[i] !== CR ||
      chunk[i + 1] !== LF ||
      digits + 1 >= this.#maxHeaderBytes ||
      size === 0 ||
      (size > this.#maxBodyBytes && !this.#streamBodies) ||
      !this.#restOfOneChunk(chunk, data, size, end)
    ) {
      return -1;
    }
    this.#msgStartAbs = msgAbs;
    const msg = DecodedHttpMessage.repeating('request', msgAbs, kept) as DecodedRequest;
    msg.method = kept.method;
    msg.framing = 'chunked';
    const observed = this.#hasOnHead || this.#hasOnBody;
    if (observed) {
      // As the states would have it while a handler runs: the message in progress, then its chunk's data.
      this.#message = msg;
      this.#state = STATE.CHUNK_SIZE;
      if (this.#hasOnHead) this.#handler.onHead!(msg);
      this.#state = STATE.CHUNK_DATA;
    }
    msg.addChunk(size);
    const bodyAbs = base + data;
    msg.bodyOffset = bodyAbs;
    if (this.#hasOnBody) {
      // chunk.subarray(data, data + size), made directly (see #bodyPiece).
      this.#handler.onBody!(msg, new Uint8Array(chunk.buffer, chunk.byteOffset + data, size), bodyAbs);
    }
    if (!this.#streamBodies) msg.bodyIn(chunk, data, size);
    const after = data + size + 7;
    msg.end = base + after;
    if (observed) {
      this.#message = undefined;
      this.#state = STATE.MESSAGE_START;
    }
    if (this.#hasOnMessage) this.#handler.onMessage!(msg);
    return after;
  }

  /** The message of a kept head at msgAbs: its facts as if parsed (the same bytes parse the same), then framed. */
  #startKept(kept: KeptHead, msgAbs: number): void {
    this.#msgStartAbs = msgAbs;
    if (kept.oneChunkRequest) {
      // A chunked request (every libprocess message): what #frameHead decides for it, directly. It cannot fail
      // (the coding ends in chunked), and the head facts it would read from the decoder's fields are read by nothing
      // else before the next head sets them again, so they are not copied.
      const msg = DecodedHttpMessage.repeating('request', msgAbs, kept) as DecodedRequest;
      msg.method = kept.method;
      msg.framing = 'chunked';
      this.#message = msg;
      this.#state = STATE.CHUNK_SIZE;
      if (this.#hasOnHead) this.#handler.onHead!(msg);
      return;
    }
    this.#isResponse = kept.isResponse;
    this.#version = kept.version;
    this.#method = kept.method;
    this.#status = kept.status;
    this.#contentLength = kept.contentLength;
    this.#contentLengthAbs = msgAbs + kept.contentLengthAt;
    this.#hasTransferEncoding = kept.hasTransferEncoding;
    this.#chunkedFinal = kept.chunkedFinal;
    this.#transferEncodingAbs = msgAbs + kept.transferEncodingAt;
    const msg = DecodedHttpMessage.repeating(kept.isResponse ? 'response' : 'request', msgAbs, kept) as DecodedMessage;
    this.#frameHead(msg);
    if (this.#hasOnHead) this.#handler.onHead!(msg);
    if (this.#state === STATE.MESSAGE_START) this.#complete(msgAbs + kept.length);
  }

  /**
   * Whether a head of fingerprint `print` was looked for recently (among the last MISSED_HEAD_PRINTS not kept): a head
   * is kept only when it comes a second time, so that streams whose heads rarely repeat (a target per message) copy
   * nothing. A false match only costs a copy.
   */
  #seenBefore(print: number): boolean {
    const prints = (this.#missPrints ??= new Int32Array(MISSED_HEAD_PRINTS + 1));
    const last = prints.length - 1;
    for (let i = 0; i < last; i++) if (prints[i] === print) return true;
    const slot = prints[last]!;
    prints[slot] = print;
    prints[last] = (slot + 1) % last;
    return false;
  }

  /**
   * The head src[at, at + n) (just parsed; absolute offset of src[k] is delta + k) made ready for reuse: its bytes
   * copied into a shared slab (no written chunk kept alive), with the facts parsed from them.
   */
  #keptHead(src: Uint8Array, at: number, n: number, delta: number): KeptHead {
    let slab: Uint8Array;
    let to: number;
    if (n > HEAD_SLAB_BYTES / 4) {
      slab = new Uint8Array(n);
      to = 0;
    } else {
      if (keptBytes.used + n > keptBytes.slab.length) {
        keptBytes.slab = new Uint8Array(HEAD_SLAB_BYTES);
        keptBytes.used = 0;
      }
      slab = keptBytes.slab;
      to = keptBytes.used;
      keptBytes.used += n;
    }
    slab.set(src.subarray(at, at + n), to);
    // Positions in the slab: `shift` maps an absolute offset of this head there.
    const msgAbs = this.#msgStartAbs;
    const shift = to - (msgAbs - delta) - delta;
    return new KeptHead(
      slab,
      to,
      n,
      this.#isResponse,
      this.#version,
      this.#isResponse ? '' : this.#method,
      this.#isResponse ? this.#status : 0,
      this.#spanStartAbs + shift,
      this.#spanEndAbs + shift,
      this.#fieldsStartAbs + shift,
      this.#fieldsEndAbs + shift,
      this.#folded,
      this.#contentLength,
      this.#contentLengthAbs - msgAbs,
      this.#hasTransferEncoding,
      this.#chunkedFinal,
      this.#transferEncodingAbs - msgAbs,
    );
  }

  /**
   * Keeps a head; once HEAD_CACHE_SIZE are kept, in a slot taken at random, not the one found last. Heads coming in
   * turns with more of them than are kept are then still found some of the time (replacing the one used longest ago,
   * or the slots in turn, replaces each just before it comes again), and a head found at every other message stays.
   */
  #keep(kept: KeptHead): void {
    if (this.#recentHeads === NO_KEPT_HEADS) this.#recentHeads = [];
    const recent = this.#recentHeads;
    if (recent.length < HEAD_CACHE_SIZE) {
      this.#recentHit = recent.push(kept) - 1;
      return;
    }
    // xorshift32: a cheap sequence without the period of the slots.
    let x = this.#recentReplace;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#recentReplace = x;
    let slot = (x >>> 0) % HEAD_CACHE_SIZE;
    if (slot === this.#recentHit) slot = slot + 1 === HEAD_CACHE_SIZE ? 0 : slot + 1;
    recent[slot] = kept;
    this.#recentHit = slot;
  }

  /** Decide the framing of a new message (RFC 9112 §6.3) from the head facts in the decoder's fields. */
  #frameHead(msg: DecodedMessage): void {
    let framing: DecodedMessage['framing'];
    if (msg.kind === 'response') {
      const status = this.#status;
      msg.status = status;
      // RFC 9112 §6.3: 1xx, 204 and 304 end at the blank line whatever their framing headers say.
      if (status < 200 || status === 204 || status === 304 || this.#responseHasNoBody?.(msg) === true) {
        framing = 'none';
      } else if (this.#hasTransferEncoding) {
        // RFC 9112 §6.3: a response whose final coding is not chunked runs until the connection closes.
        framing = this.#chunkedFinal ? 'chunked' : 'until-close';
      } else if (this.#contentLength >= 0) {
        framing = 'content-length';
      } else {
        framing = 'until-close';
      }
    } else {
      msg.method = this.#method;
      if (this.#hasTransferEncoding) {
        if (!this.#chunkedFinal) {
          throw this.#raise(
            'MW_HTTP_BAD_TRANSFER_ENCODING',
            'request Transfer-Encoding does not end in chunked (RFC 9112 §6.3)',
            this.#transferEncodingAbs,
          );
        }
        framing = 'chunked';
      } else {
        framing = this.#contentLength >= 0 ? 'content-length' : 'none';
      }
    }
    msg.framing = framing;
    this.#message = msg;
    if (framing === 'content-length') {
      const length = this.#contentLength;
      if (!this.#streamBodies && length > this.#maxBodyBytes) {
        throw this.#raise(
          'MW_HTTP_BODY_TOO_LARGE',
          `Content-Length ${length} exceeds maxBodyBytes (${this.#maxBodyBytes})`,
          this.#contentLengthAbs,
        );
      }
      msg.contentLength = length;
      this.#remaining = length;
      this.#state = length === 0 ? STATE.MESSAGE_START : STATE.BODY_LENGTH;
    } else if (framing === 'chunked') {
      this.#state = STATE.CHUNK_SIZE;
    } else if (framing === 'until-close') {
      this.#state = STATE.BODY_UNTIL_CLOSE;
    } else {
      this.#state = STATE.MESSAGE_START;
    }
  }

  // --- chunked body ---

  /**
   * Take one line (through its LF) from chunk[pos, end), joining it with bytes buffered from earlier writes. Returns
   * the index after the LF and sets #lineSrc/#lineS/#lineLf/#lineDelta, or -1 when the line is still incomplete.
   */
  #takeLine(chunk: Uint8Array, pos: number, end: number, base: number, limitAbs: number, code: ErrorCode): number {
    const lf = chunk.indexOf(LF, pos);
    if (lf === -1 ? base + end > limitAbs : base + lf >= limitAbs) {
      throw this.#raise(code, `line exceeds the limit (${this.#maxHeaderBytes} bytes)`, limitAbs);
    }
    if (this.#lineLen === 0 && lf !== -1) {
      this.#lineSrc = chunk;
      this.#lineS = pos;
      this.#lineLf = lf;
      this.#lineDelta = base;
      return lf + 1;
    }
    if (this.#lineLen === 0) this.#lineStartAbs = base + pos;
    const stop = lf === -1 ? end : lf + 1;
    const len = this.#lineLen;
    const n = stop - pos;
    if (len + n > this.#lineBuf.length) {
      const grown = new Uint8Array(Math.max(64, 2 * (len + n)));
      grown.set(this.#lineBuf.subarray(0, len));
      this.#lineBuf = grown;
    }
    this.#lineBuf.set(chunk.subarray(pos, stop), len);
    this.#lineLen = len + n;
    if (lf === -1) return -1;
    this.#lineSrc = this.#lineBuf;
    this.#lineS = 0;
    this.#lineLf = this.#lineLen - 1;
    this.#lineDelta = this.#lineStartAbs;
    this.#lineLen = 0;
    return lf + 1;
  }

  #onChunkSizeLine(buf: Uint8Array, s: number, lf: number, delta: number): void {
    let e = lf;
    if (lf > s && buf[lf - 1] === CR) e = lf - 1;
    else if (!this.#bareLf) throw this.#raise('MW_HTTP_BARE_LF', 'chunk-size line ends in LF without CR', delta + lf);
    let i = s;
    let size = 0;
    for (; i < e; i++) {
      const h = HEX_VALUE[buf[i]!]!;
      if (h < 0) break;
      if (i - s >= this.#maxChunkSizeDigits) {
        throw this.#raise(
          'MW_HTTP_CHUNK_SIZE_OVERFLOW',
          `chunk size has more than ${this.#maxChunkSizeDigits} hex digits`,
          delta + i,
        );
      }
      size = size * 16 + h;
      if (size > Number.MAX_SAFE_INTEGER) {
        throw this.#raise('MW_HTTP_CHUNK_SIZE_OVERFLOW', 'chunk size exceeds 2^53 - 1', delta + i);
      }
    }
    if (i === s) throw this.#badByte('MW_HTTP_BAD_CHUNK_SIZE', 'chunk size', buf, i, e, delta);
    if (i < e) {
      if (buf[i] !== SEMICOLON) throw this.#badByte('MW_HTTP_BAD_CHUNK_SIZE', 'chunk size', buf, i, e, delta);
      this.#checkChunkExtensions(buf, i, e, delta);
    }
    this.#onChunkSize(size, delta + s, delta + lf + 1);
  }

  /** A valid chunk-size line announced `size`; it starts at `lineAbs`, the next line at `nextAbs`. */
  #onChunkSize(size: number, lineAbs: number, nextAbs: number): void {
    const msg = this.#message!;
    if (size === 0) {
      this.#trailerStartAbs = nextAbs;
      this.#fieldCount = 0;
      this.#lastFieldFraming = false;
      this.#state = STATE.TRAILER;
    } else {
      if (!this.#streamBodies && this.#bodyLen + size > this.#maxBodyBytes) {
        throw this.#raise(
          'MW_HTTP_BODY_TOO_LARGE',
          `chunk of ${size} bytes takes the body beyond maxBodyBytes (${this.#maxBodyBytes})`,
          lineAbs,
        );
      }
      msg.addChunk(size);
      this.#remaining = size;
      this.#state = STATE.CHUNK_DATA;
    }
    if (this.#hasOnChunk) this.#handler.onChunk!(msg, size, lineAbs);
  }

  /** chunk-ext = *( ";" token [ "=" ( token / quoted-string ) ] ), no whitespace (as llhttp without leniency). */
  #checkChunkExtensions(buf: Uint8Array, i: number, e: number, delta: number): void {
    const code = 'MW_HTTP_BAD_CHUNK_EXTENSION';
    while (i < e) {
      if (buf[i] !== SEMICOLON) throw this.#badByte(code, 'chunk extension', buf, i, e, delta);
      i++;
      const ns = i;
      while (i < e && TOKEN[buf[i]!] === 1) i++;
      if (i === ns) throw this.#badByte(code, 'chunk extension name', buf, i, e, delta);
      if (i < e && buf[i] === 0x3d) {
        i++;
        if (i < e && buf[i] === 0x22) {
          i++;
          for (;;) {
            if (i >= e) throw this.#badByte(code, 'chunk extension quoted value', buf, i, e, delta);
            const c = buf[i]!;
            if (c === 0x22) {
              i++;
              break;
            }
            if (c === 0x5c) {
              i++;
              if (i >= e || QUOTED_PAIR_CHAR[buf[i]!] === 0) {
                throw this.#badByte(code, 'chunk extension quoted pair', buf, i, e, delta);
              }
            } else if (QDTEXT[c] === 0) {
              throw this.#badByte(code, 'chunk extension quoted value', buf, i, e, delta);
            }
            i++;
          }
        } else {
          const vs = i;
          while (i < e && TOKEN[buf[i]!] === 1) i++;
          if (i === vs) throw this.#badByte(code, 'chunk extension value', buf, i, e, delta);
        }
      }
    }
  }

  // --- completion ---

  #complete(endAbs: number): void {
    const msg = this.#message!;
    msg.end = endAbs;
    const first = this.#firstSrc;
    if (first !== undefined) {
      const len = this.#accLen;
      if (len === 0) msg.bodyIn(first, this.#firstAt, this.#firstLen);
      else msg.collectedBody(len === this.#acc.length ? this.#acc : this.#acc.subarray(0, len));
      this.#firstSrc = undefined;
      this.#acc = EMPTY_BODY;
      this.#accLen = 0;
      this.#accSized = false;
    }
    this.#bodyLen = 0;
    if (this.#trailers !== undefined) {
      msg.trailers = Object.freeze(this.#trailers);
      this.#trailers = undefined;
    }
    this.#message = undefined;
    this.#state = STATE.MESSAGE_START;
    if (this.#hasOnMessage) this.#handler.onMessage!(msg);
  }

  /**
   * Copy a body piece, `chunk[pos, pos + n)`, that follows the first one. `pending` more bytes are announced already
   * (the rest of the Content-Length or of the current chunk); `final` says whether they end the body (Content-Length).
   */
  #collect(chunk: Uint8Array, pos: number, n: number, pending: number, final: boolean): void {
    let acc = this.#acc;
    let len = this.#accLen;
    const need = (len === 0 ? this.#firstLen : len) + n;
    if (need > acc.length) {
      // Sized by bytes received, never by an announced length alone (a few bytes must not buy 64 MiB): the announced
      // size up to 64 KiB, then doubling (amortised O(n) copying). Once per body the array may take the announced
      // size exactly when it is at most twice the bytes in hand: a large libprocess body split over reads then ends
      // in one array of its size, wholly filled, rather than in a doubled one copied again. A Content-Length body ends
      // exactly full; other bodies stay within maxBodyBytes, which their sizes were checked against before buffering.
      const announced = need + pending;
      let capacity: number;
      if (!this.#accSized && announced > BODY_CAPACITY_START && announced <= 2 * need) {
        capacity = announced;
        this.#accSized = true;
      } else capacity = Math.max(need, 2 * acc.length, Math.min(announced, BODY_CAPACITY_START));
      capacity = Math.min(final ? announced : this.#maxBodyBytes, capacity);
      // An array of the announced size is full by the time its chunk (or Content-Length body) ends, before the
      // message or a larger array can read it: it need not be zeroed first.
      const grown =
        acc.length === 0 && capacity <= BODY_IN_SLAB_MAX
          ? bodySpace(capacity)
          : capacity === announced
            ? unfilledBytes(capacity)
            : new Uint8Array(capacity);
      // Views made directly: subarray() goes through a species lookup (slower), once or twice per piece here.
      if (len === 0) {
        const first = this.#firstSrc!;
        grown.set(new Uint8Array(first.buffer, first.byteOffset + this.#firstAt, this.#firstLen));
        len = this.#firstLen;
      } else {
        grown.set(new Uint8Array(acc.buffer, acc.byteOffset, len));
        // Outgrown, and never seen outside the decoder: freed now rather than at a garbage collection (a no-op for
        // a piece of the shared body slab).
        releaseBytes(acc);
      }
      acc = grown;
      this.#acc = acc;
    }
    acc.set(new Uint8Array(chunk.buffer, chunk.byteOffset + pos, n), len);
    this.#accLen = len + n;
  }

  // --- resync ---

  #scanResync(chunk: Uint8Array, pos: number, end: number, base: number): number {
    if (this.#probe.length > 0) {
      // A candidate began at the end of an earlier write: decide with a few more bytes.
      const probe = this.#probe;
      const more = chunk.subarray(pos, Math.min(end, pos + RESYNC_PROBE_BYTES));
      const joined = new Uint8Array(probe.length + more.length);
      joined.set(probe);
      joined.set(more, probe.length);
      const verdict = plausibleStart(joined, 0, joined.length);
      if (verdict === PLAUSIBLE_MORE && joined.length < RESYNC_PROBE_BYTES) {
        this.#probe = joined;
        return pos + more.length;
      }
      this.#probe = EMPTY_BODY;
      if (verdict === PLAUSIBLE_YES) {
        this.#state = STATE.MESSAGE_START;
        this.#run(probe, this.#probeAbs);
        return pos;
      }
      this.#atLineStart = false;
    }
    let p = pos;
    for (;;) {
      if (this.#atLineStart) {
        const verdict = plausibleStart(chunk, p, end);
        if (verdict === PLAUSIBLE_YES) {
          this.#state = STATE.MESSAGE_START;
          return p;
        }
        if (verdict === PLAUSIBLE_MORE) {
          this.#probe = chunk.slice(p, end);
          this.#probeAbs = base + p;
          return end;
        }
        this.#atLineStart = false;
      }
      const lf = chunk.indexOf(LF, p);
      if (lf === -1) return end;
      p = lf + 1;
      this.#atLineStart = true;
      if (p === end) return end;
    }
  }
}

function positiveLimit(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new MesosWireError(
      'MW_INVALID_ARGUMENT',
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer`,
    );
  }
  return value;
}
