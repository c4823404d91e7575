/**
 * Independent byte builders for tests (the "oracle"): naive on purpose, sharing
 * no code with the encoders under test.
 */

/** Bytes from hex text; spaces, newlines and `|` separators are ignored. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/[\s|]/g, '');
  if (clean.length % 2 !== 0) throw new Error(`odd hex length: ${clean.length}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) {
    const v = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
    if (Number.isNaN(v)) throw new Error(`bad hex at ${i * 2}`);
    out[i] = v;
  }
  return out;
}

/** Bytes from a string, one byte per char (chars must be <= 0xff). */
export function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new Error(`char ${c} at ${i} is not a byte`);
    out[i] = c;
  }
  return out;
}

/** Concatenate byte arrays and strings (strings as latin1). */
export function cat(...parts: (Uint8Array | string)[]): Uint8Array {
  const arrays = parts.map((p) => (typeof p === 'string' ? ascii(p) : p));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/** Lowercase hex, no separators. */
export function toHexString(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The input cut into pieces of `size` bytes (the last may be shorter). */
export function chunksOf(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.slice(i, i + size));
  return out;
}

/**
 * Every way the harness feeds one input: whole, split once at every byte
 * boundary, and cut into every chunk size from 1 to its length. Each entry
 * copies its pieces so that decoders cannot rely on one backing buffer.
 */
export function* everySplit(bytes: Uint8Array): Generator<{ label: string; pieces: Uint8Array[] }> {
  yield { label: 'whole', pieces: [bytes.slice()] };
  for (let cut = 1; cut < bytes.length; cut++) {
    yield { label: `split@${cut}`, pieces: [bytes.slice(0, cut), bytes.slice(cut)] };
  }
  for (let size = 1; size < bytes.length; size++) {
    yield { label: `chunks of ${size}`, pieces: chunksOf(bytes, size) };
  }
}

/**
 * Asserts that two byte arrays are equal; on failure says where they first differ. For large arrays: a failing
 * `assert.deepEqual` of typed arrays whose contents differ widely takes time quadratic in their size to describe
 * (20 KB: about a minute), so a broken test would seem to hang.
 */
export function assertSameBytes(actual: Uint8Array, expected: Uint8Array, label = ''): void {
  if (Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(expected)) return;
  let at = 0;
  while (at < actual.length && at < expected.length && actual[at] === expected[at]) at++;
  const around = (bytes: Uint8Array) => toHexString(bytes.subarray(Math.max(0, at - 8), at + 8));
  throw new Error(
    `${label}${label ? ': ' : ''}bytes differ at ${at} (lengths ${actual.length} and ${expected.length}): ` +
      `${around(actual)} against ${around(expected)}`,
  );
}
