/** Byte classes of RFC 9110/9112 used by the HTTP framing codec (one lookup per byte on the hot path). */

import { TOKEN } from '../bytes/ascii.ts';

export { TOKEN };

/** VCHAR (0x21-0x7e): the bytes a request target may hold (as llhttp's strict URL_CHAR set). */
export const TARGET_CHAR: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let b = 0x21; b < 0x7f; b++) t[b] = 1;
  return t;
})();

/** Field-value bytes: 2 = field-vchar (VCHAR / obs-text), 1 = SP or HTAB, 0 = forbidden (CTLs, DEL). */
export const VALUE_CHAR: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let b = 0x21; b < 0x7f; b++) t[b] = 2;
  for (let b = 0x80; b < 0x100; b++) t[b] = 2;
  t[0x20] = 1;
  t[0x09] = 1;
  return t;
})();

/** qdtext of a quoted-string (RFC 9110 §5.6.4): HTAB, SP, 0x21, 0x23-0x5b, 0x5d-0x7e, obs-text. */
export const QDTEXT: Uint8Array = (() => {
  const t = new Uint8Array(256);
  t[0x09] = 1;
  t[0x20] = 1;
  t[0x21] = 1;
  for (let b = 0x23; b <= 0x5b; b++) t[b] = 1;
  for (let b = 0x5d; b <= 0x7e; b++) t[b] = 1;
  for (let b = 0x80; b < 0x100; b++) t[b] = 1;
  return t;
})();

/** Bytes allowed after a backslash in a quoted-pair: HTAB, SP, VCHAR, obs-text. */
export const QUOTED_PAIR_CHAR: Uint8Array = (() => {
  const t = new Uint8Array(256);
  t[0x09] = 1;
  for (let b = 0x20; b < 0x7f; b++) t[b] = 1;
  for (let b = 0x80; b < 0x100; b++) t[b] = 1;
  return t;
})();
