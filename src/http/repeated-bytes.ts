/**
 * Exact comparison of input with bytes that recur (a kept request head, a remembered `202 Accepted` answer), eight
 * bytes at a time. JavaScript has no memcmp; reading both sides as doubles from Float64Arrays is the cheapest whole
 * comparison there is, but a Float64Array reads only 8-aligned addresses. So the recurring bytes are copied once per
 * alignment (at most eight copies, made when first needed), and the input is read through one Float64Array over its
 * whole ArrayBuffer (`wordsOf`), made once per written chunk.
 *
 * Why equal doubles mean equal bytes: IEEE 754 binary64 encodes every value once, except zero (+0 and -0 are
 * equal) and NaN (never equal to anything). A copy with a zero or NaN word is not used: its bytes are compared
 * one by one instead. So every word compared holds a value with one encoding, and `===` on it is equality of its
 * eight bytes.
 */
export class RepeatedBytes {
  /** The bytes are `src[start, start + length)` (not copied here: the owner must not change them). */
  readonly src: Uint8Array;
  readonly start: number;
  readonly length: number;
  /** Copies by shift (see #copyAt); null: that copy has a zero or NaN word. */
  #copies: (Float64Array | null | undefined)[] | undefined = undefined;

  constructor(src: Uint8Array, start = 0, length = src.length - start) {
    this.src = src;
    this.start = start;
    this.length = length;
  }

  /**
   * Whether `b[at, at + count)` equals these bytes' `[from, from + count)`. `words` is `wordsOf(b)` (or undefined:
   * byte by byte, cheaper for a few short comparisons than making the view).
   */
  equalAt(b: Uint8Array, words: Float64Array | undefined, at: number, from = 0, count = this.length - from): boolean {
    const src = this.src;
    const s = this.start + from;
    const abs = b.byteOffset + at;
    // Byte `from + j` lies at address abs + j of b's buffer; `lead` bytes come before the first 8-aligned address.
    const lead = (8 - (abs & 7)) & 7;
    const copy = words === undefined || count < lead + 8 ? undefined : this.#copyAt((abs - from) & 7);
    if (copy === undefined) {
      for (let i = 0; i < count; i++) if (b[at + i] !== src[s + i]) return false;
      return true;
    }
    for (let i = 0; i < lead; i++) if (b[at + i] !== src[s + i]) return false;
    const n = (count - lead) >> 3;
    // Word indexes by shifts, not `/ 8`: a division's result is a double to V8, and indexing with it was ~25%
    // slower (addresses stay below 2^32: wordsOf gives no words for larger buffers).
    const w = (abs + lead) >>> 3;
    // In the copy, byte `from + lead` (the first of the words) is at an 8-aligned index too.
    const c = (from + lead + ((abs - from) & 7)) >>> 3;
    for (let k = 0; k < n; k++) if (words![w + k] !== copy[c + k]) return false;
    for (let i = lead + 8 * n; i < count; i++) if (b[at + i] !== src[s + i]) return false;
    return true;
  }

  /**
   * The bytes placed at index `shift` (0-7) of an 8-aligned copy, read as doubles; undefined when one of its whole
   * words (those within the bytes) reads as zero or NaN. Made on first use for each shift.
   */
  #copyAt(shift: number): Float64Array | undefined {
    const copies = (this.#copies ??= new Array<Float64Array | null | undefined>(8));
    let copy = copies[shift];
    if (copy === undefined) {
      const n = this.length;
      const bytes = new Uint8Array(8 * ((shift + n + 7) >> 3));
      bytes.set(this.src.subarray(this.start, this.start + n), shift);
      const words = new Float64Array(bytes.buffer);
      // Whole words: from the first 8-aligned index at or after `shift` up to the last one ending within the bytes.
      const first = shift === 0 ? 0 : 1;
      const last = (shift + n) >> 3;
      let usable = true;
      for (let k = first; k < last; k++) if (words[k] === 0 || Number.isNaN(words[k])) usable = false;
      copy = usable ? words : null;
      copies[shift] = copy;
    }
    return copy ?? undefined;
  }
}

/** Buffers this large or larger are compared byte by byte (word indexes are computed with 32-bit shifts). */
const MAX_WORDS_BUFFER_BYTES = 2 ** 32;

/**
 * `b`'s whole ArrayBuffer as doubles (the `words` argument of RepeatedBytes.equalAt); undefined (byte by byte) for
 * a buffer of 4 GiB or more.
 */
export function wordsOf(b: Uint8Array): Float64Array | undefined {
  const bytes = b.buffer.byteLength;
  return bytes < MAX_WORDS_BUFFER_BYTES ? new Float64Array(b.buffer, 0, bytes >>> 3) : undefined;
}
