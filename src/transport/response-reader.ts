import { isMesosWireError, type MesosWireError, mwError } from '../errors.ts';
import { HttpDecoder, type HttpMessage } from '../http/index.ts';
import { RepeatedBytes, wordsOf } from '../http/repeated-bytes.ts';
import type { ResponseReader, ResponseReaderFactory } from './peer-connection.ts';

/** Answers longer than this are never remembered for the repeat fast path (libprocess answers are ~80 bytes). */
const MAX_REPEAT_BYTES = 1024;
/** Repeated answers compared at once when that many are in hand (see write). */
const REPEAT_BLOCK = 8;
/** Until an answer is learnt, the first PROBE_UNTIL bytes go to the decoder in pieces of PROBE_BYTES. */
const PROBE_BYTES = 256;
const PROBE_UNTIL = 4096;

/**
 * Reads responses on outbound connections with the project's HTTP decoder; bodies are discarded.
 *
 * Fast path: a libprocess peer answers every message with the same bytes (`202 Accepted`, `Date`, `Content-Length:
 * 0`), apart from the Date, which changes once a second. The reader remembers the last response the decoder gave
 * (its bytes and status); at a message boundary, bytes equal to that response are one more response with that status
 * and skip the decoder. Equivalent: the decoder keeps no state across a message boundary (it is only taken when the
 * decoder's last message ended exactly where its input ended), so the same bytes would decode to the same one
 * message. Anything else (another Date, a 404, a partial mismatch) goes to the decoder, which starts at the right
 * absolute offset, so error codes and offsets are the decoder's own.
 */
export const readResponsesWithHttpDecoder: ResponseReaderFactory = (onResponse, onError) =>
  new RepeatAwareResponseReader(onResponse, onError);

/** The reader behind `readResponsesWithHttpDecoder` (exported for tests). */
export class RepeatAwareResponseReader implements ResponseReader {
  /** Responses recognised as repeats (not decoded): tests check that the fast path is taken. */
  repeats = 0;
  readonly #onResponse: (status: number, count: number) => void;
  readonly #onError: (error: MesosWireError) => void;
  #failed = false;
  /** Absolute offset of the first byte not yet taken by the fast path or the decoder. */
  #offset = 0;
  #decoder: HttpDecoder | undefined;
  /** Absolute end of the decoder's last complete message. */
  #decodedUpTo = 0;
  /** True when everything the decoder was fed belongs to complete messages (it is at a message boundary). */
  #decoderIdle = true;
  /** The last response the decoder gave, when short and lying in one write: its bytes and status. */
  #repeat: Uint8Array | undefined;
  #repeatBytes: RepeatedBytes | undefined;
  /** REPEAT_BLOCK copies of `#repeat` back to back. */
  #repeatBlock: RepeatedBytes | undefined;
  #repeatStatus = 0;
  /** Bytes of a repeat already received when the last write ended inside it (a prefix of `#repeat`, held back). */
  #matched = 0;
  /** The piece the decoder is being fed and its absolute offset (to copy a response that lies in it). */
  #piece: Uint8Array = new Uint8Array(0);
  #pieceAt = 0;

  constructor(onResponse: (status: number, count: number) => void, onError: (error: MesosWireError) => void) {
    this.#onResponse = onResponse;
    this.#onError = onError;
  }

  write(bytes: Uint8Array): void {
    if (this.#failed) return;
    const n = bytes.length;
    // Absolute offset of bytes[0]: the held-back prefix of a repeat precedes it.
    const base = this.#offset + this.#matched;
    let at = 0;
    let words: Float64Array | undefined;
    let wordsMade = false;
    // Repeats recognised in a row and not yet reported: reported as one count, before anything else is reported
    // (the decoder's answers, an error) and before returning, so the order of the statuses is kept.
    let repeated = 0;
    while (at < n) {
      const repeat = this.#repeat;
      if (repeat !== undefined && this.#decoderIdle) {
        const matched = this.#matched;
        const want = repeat.length - matched;
        const take = Math.min(want, n - at);
        // Equal when every byte is (compared eight at a time where they align, see RepeatedBytes).
        if (!wordsMade) {
          words = wordsOf(bytes);
          wordsMade = true;
        }
        // A run of repeats is compared REPEAT_BLOCK answers at a time (one call, one loop: equal to the block means
        // each of its answers equals the repeat), then one at a time.
        const block = this.#repeatBlock!;
        if (matched === 0 && n - at >= block.length && block.equalAt(bytes, words, at)) {
          at += block.length;
          this.#offset += block.length;
          this.repeats += REPEAT_BLOCK;
          repeated += REPEAT_BLOCK;
          continue;
        }
        if (this.#repeatBytes!.equalAt(bytes, words, at, matched, take)) {
          at += take;
          if (take < want) {
            // The write ended inside a repeat: hold the prefix back until the rest arrives (or differs).
            this.#matched = matched + take;
            if (repeated > 0) this.#deliver(this.#repeatStatus, repeated, base + n);
            return;
          }
          this.#matched = 0;
          this.#offset += repeat.length;
          this.repeats++;
          repeated++;
          continue;
        }
        // Not a repeat: the repeats before it are reported, then the decoder gets the held-back prefix and this
        // write from `at`.
        if (repeated > 0) {
          if (!this.#deliver(this.#repeatStatus, repeated, base + n)) return;
          repeated = 0;
        }
        this.#matched = 0;
        if (matched > 0 && !this.#decode(repeat.subarray(0, matched))) return;
      }
      // Feed the decoder up to where the next message would end if it had the length of the last repeat, so that it
      // hands back to the fast path as soon as it has learnt the new answer (after a Date change: the next one).
      // Before any answer was learnt: small probes at the start of the connection only (answers may all be long).
      const expected = repeat !== undefined ? repeat.length : this.#offset < PROBE_UNTIL ? PROBE_BYTES : n;
      let stop = this.#decodedUpTo + expected - base;
      if (stop <= at) stop = at + expected;
      if (stop > n) stop = n;
      if (repeated > 0) {
        if (!this.#deliver(this.#repeatStatus, repeated, base + n)) return;
        repeated = 0;
      }
      if (!this.#decode(bytes.subarray(at, stop))) return;
      at = stop;
    }
    if (repeated > 0) this.#deliver(this.#repeatStatus, repeated, base + n);
  }

  end(): void {
    if (this.#failed) return;
    const held = this.#matched;
    this.#matched = 0;
    if (held > 0 && this.#repeat !== undefined && !this.#decode(this.#repeat.subarray(0, held))) return;
    // An idle decoder (or none) has nothing in progress: ending it does nothing.
    if (this.#decoder === undefined || this.#decoderIdle) return;
    try {
      this.#decoder.end();
    } catch {
      // A response cut off by the close: the messages it answered are reported unanswered.
    }
  }

  /** `count` responses (fast path), reported like the decoder reports a throwing handler. False once failed. */
  #deliver(status: number, count: number, writeEnd: number): boolean {
    try {
      this.#onResponse(status, count);
      return true;
    } catch (cause) {
      this.#fail(failedHandler(cause, writeEnd));
      return false;
    }
  }

  /** Feeds the decoder the next bytes of the stream (a new decoder when the fast path took bytes since). */
  #decode(piece: Uint8Array): boolean {
    let decoder = this.#decoder;
    if (decoder === undefined || decoder.offset !== this.#offset) {
      decoder = new HttpDecoder(
        { onMessage: (message) => this.#onMessage(message) },
        // Bodies are discarded, never collected: a peer cannot make the sender buffer a large answer.
        { expect: 'response', streamBodies: true, startOffset: this.#offset },
      );
      this.#decoder = decoder;
      this.#decodedUpTo = this.#offset;
    }
    this.#piece = piece;
    this.#pieceAt = this.#offset;
    this.#offset += piece.length;
    try {
      decoder.write(piece);
      this.#decoderIdle = this.#decodedUpTo === this.#offset;
      return true;
    } catch (error) {
      // A throwing onResponse comes out of the decoder as itself; the decoder's own error wraps it.
      this.#fail(isMesosWireError(error) ? error : (decoder.error ?? failedHandler(error, this.#offset)));
      return false;
    } finally {
      this.#piece = EMPTY;
    }
  }

  #onMessage(message: HttpMessage): void {
    this.#decodedUpTo = message.end;
    if (message.kind !== 'response') return;
    const start = message.offset - this.#pieceAt;
    const end = message.end - this.#pieceAt;
    if (start >= 0 && end <= this.#piece.length && end - start <= MAX_REPEAT_BYTES) {
      // A copy (not slice(): on a Buffer that is a view): a view would keep the socket's whole chunk alive.
      const repeat = new Uint8Array(end - start);
      repeat.set(this.#piece.subarray(start, end));
      this.#repeat = repeat;
      this.#repeatBytes = new RepeatedBytes(repeat);
      const block = new Uint8Array(REPEAT_BLOCK * repeat.length);
      for (let i = 0; i < REPEAT_BLOCK; i++) block.set(repeat, i * repeat.length);
      this.#repeatBlock = new RepeatedBytes(block);
      this.#repeatStatus = message.status;
    }
    this.#onResponse(message.status, 1);
  }

  #fail(error: MesosWireError): void {
    this.#failed = true;
    this.#onError(error);
  }
}

const EMPTY = new Uint8Array(0);

/** The error a decoder reports when its handler throws. */
function failedHandler(cause: unknown, offset: number): MesosWireError {
  return mwError('MW_DECODER_FAILED', 'the response handler threw; the reader is failed', { cause, offset });
}
