/** Byte values and lookup tables shared by the text-framed codecs (HTTP, RecordIO). */

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;
export const SEMICOLON = 0x3b;

/** HEX_VALUE[b] is the value of hex digit b (either case), or -1. */
export const HEX_VALUE: Int8Array = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let i = 0; i < 10; i++) t[0x30 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[0x41 + i] = 10 + i;
    t[0x61 + i] = 10 + i;
  }
  return t;
})();

/** TOKEN[b] is 1 when b may appear in an RFC 9110 token (method, header name). */
export const TOKEN: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let b = 0x21; b < 0x7f; b++) t[b] = 1;
  for (const c of '"(),/:;<=>?@[\\]{}') t[c.charCodeAt(0)] = 0;
  return t;
})();

/**
 * Bytes as a string, one char per byte (headers are octets, not UTF-8).
 * Not TextDecoder('latin1'): the WHATWG "latin1" label is windows-1252, which maps 0x80-0x9f elsewhere.
 */
export function latin1String(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = '';
  // fromCharCode.apply takes the bytes as arguments: bound the span to stay far below engine argument limits.
  for (let at = start; at < end; at += 8192) {
    s += String.fromCharCode.apply(null, bytes.subarray(at, Math.min(end, at + 8192)) as unknown as number[]);
  }
  return s;
}

/** A string with chars <= 0xff as bytes (the inverse of latin1String). */
export function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** Lowercase hex of a byte span, no separators. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  return s;
}
