/**
 * Kept heads shared by many decoders: a capture runs one HttpDecoder per direction of every connection, and the same
 * heads (one per sender, receiver and message name) come on many connections, each too short-lived for a decoder of
 * its own to learn them. Heads are found by the hash of their start line, then compared byte for byte.
 */

import { LF } from '../bytes/ascii.ts';
import type { KeptHead } from './message.ts';
import { wordsOf } from './repeated-bytes.ts';

/** Buckets of a table (a power of two); each keeps its most recently used heads. */
const BUCKETS = 512;
const PER_BUCKET = 4;
/** Slots of the seen-once fingerprints (a power of two): a head is kept when it comes a second time. */
const PRINT_SLOTS = 4096;
/**
 * Heads longer than this are not kept: the table outlives the decoders (a whole capture), so its memory is bounded by
 * BUCKETS x PER_BUCKET x this (2 MiB), whatever the traffic. Libprocess heads are 150-300 bytes.
 */
export const MAX_SHARED_HEAD_BYTES = 1024;
/**
 * Heads are compared eight bytes at a time (through doubles over their write's whole buffer) when that buffer is at
 * least this large: a capture's payloads are small views of its 64 KiB read chunks, one words view per chunk.
 */
const WORDS_MIN_BYTES = 4096;
/**
 * Views of at most 64 bytes are compared byte by byte without reading their `buffer`: V8 keeps arrays that small in
 * its heap (typed_array_max_size_in_heap) and would move one out to hand out its buffer.
 */
const WORDS_MIN_VIEW = 65;
/** Start lines longer than this are not looked up (nor kept): hashing them would cost more than it saves. */
export const MAX_HASHED_LINE = 512;
/** lineHash of a start line without its LF within reach. */
export const NO_LINE_HASH = -1;

/**
 * A hash (31 bits) of `b[at, ...]` up to and including the first LF, or NO_LINE_HASH if there is no LF before `end`
 * within MAX_HASHED_LINE bytes.
 */
export function lineHash(b: Uint8Array, at: number, end: number): number {
  const stop = Math.min(end, at + MAX_HASHED_LINE);
  let h = 0x811c9dc5 | 0;
  for (let i = at; i < stop; i++) {
    const c = b[i]!;
    h = Math.imul(h ^ c, 0x01000193);
    if (c === LF) return h & 0x7fffffff;
  }
  return NO_LINE_HASH;
}

/** Whether two kept heads have the same bytes. */
function sameHead(a: KeptHead, b: KeptHead): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a.src[a.start + i] !== b.src[b.start + i]) return false;
  return true;
}

/** The kept heads of decoders with one set of options (the parse of a head depends on its bytes and the options). */
export class SharedHeadTable {
  readonly #buckets: (KeptHead[] | undefined)[] = new Array<KeptHead[] | undefined>(BUCKETS).fill(undefined);
  readonly #prints = new Int32Array(PRINT_SLOTS);
  #kept = 0;
  /** The buffer of the last write compared by words, and its words (one view per buffer, not per write). */
  #wordsBuffer: ArrayBufferLike | undefined = undefined;
  #words: Float64Array | undefined = undefined;

  /** Heads kept so far, including those dropped since (at most BUCKETS x PER_BUCKET are kept at a time). */
  get kept(): number {
    return this.#kept;
  }

  /** A kept head whose bytes `chunk[pos, ...)` repeat, all of them before `end`; or undefined. */
  find(chunk: Uint8Array, pos: number, end: number): KeptHead | undefined {
    const hash = lineHash(chunk, pos, end);
    if (hash === NO_LINE_HASH) return undefined;
    const bucket = this.#buckets[hash & (BUCKETS - 1)];
    if (bucket === undefined) return undefined;
    const words = this.#wordsFor(chunk);
    for (let r = 0; r < bucket.length; r++) {
      const kept = bucket[r]!;
      const n = kept.length;
      if (n <= end - pos && chunk[pos + n - 3] === kept.src[kept.start + n - 3] && kept.sameBytes(chunk, words, pos)) {
        if (r > 0) {
          bucket.copyWithin(1, 0, r);
          bucket[0] = kept;
        }
        return kept;
      }
    }
    return undefined;
  }

  /** The words of `chunk`'s buffer (see RepeatedBytes.equalAt), or undefined: byte by byte. */
  #wordsFor(chunk: Uint8Array): Float64Array | undefined {
    if (chunk.length < WORDS_MIN_VIEW) return undefined;
    const memory = chunk.buffer;
    if (memory !== this.#wordsBuffer) {
      if (memory.byteLength < WORDS_MIN_BYTES) return undefined;
      this.#wordsBuffer = memory;
      this.#words = wordsOf(chunk);
    }
    return this.#words;
  }

  /**
   * Whether a head of fingerprint `print` was parsed before (it then takes its slot's place): heads are kept at their
   * second time, so that traffic whose heads never repeat copies nothing. A false match only costs a copy.
   */
  seenBefore(print: number): boolean {
    const slot = print & (PRINT_SLOTS - 1);
    if (this.#prints[slot] === print) return true;
    this.#prints[slot] = print;
    return false;
  }

  /** Keeps `head` (unless its bytes are kept already), in place of its bucket's least recently used head. */
  keep(head: KeptHead): void {
    if (head.length > MAX_SHARED_HEAD_BYTES) return;
    const hash = lineHash(head.src, head.start, head.start + head.length);
    if (hash === NO_LINE_HASH) return;
    const at = hash & (BUCKETS - 1);
    let bucket = this.#buckets[at];
    if (bucket === undefined) {
      bucket = [];
      this.#buckets[at] = bucket;
    }
    for (const kept of bucket) if (sameHead(kept, head)) return;
    // Most recently used first: the new head goes in front, the last one (if the bucket is full) drops out.
    if (bucket.length < PER_BUCKET) bucket.push(head);
    bucket.copyWithin(1, 0, bucket.length - 1);
    bucket[0] = head;
    this.#kept++;
  }
}

/**
 * Kept heads that several HttpDecoders share (pass it as their `headCache` option). Decoders with different options
 * get different tables, so a head is reused only by decoders that would parse it the same way.
 */
export class SharedHeadCache {
  readonly #tables = new Map<string, SharedHeadTable>();

  /** The table of decoders whose options have this signature (see HttpDecoder). */
  table(signature: string): SharedHeadTable {
    let table = this.#tables.get(signature);
    if (table === undefined) {
      table = new SharedHeadTable();
      this.#tables.set(signature, table);
    }
    return table;
  }

  /** Heads kept so far over all tables. */
  get kept(): number {
    let n = 0;
    for (const table of this.#tables.values()) n += table.kept;
    return n;
  }
}
