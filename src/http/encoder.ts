/**
 * Byte-exact HTTP/1.x encoders. Header lines are written exactly as given, in the given order, as `name: value` CRLF
 * (one SP after the colon, also for an empty value: `Host: ` CRLF, as libprocess writes it). The encoders add no
 * header of their own: framing headers (Transfer-Encoding, Content-Length) are the caller's to include.
 */

import { MesosWireError } from '../errors.ts';
import { TARGET_CHAR, TOKEN, VALUE_CHAR } from './chars.ts';
import { STATUS_REASONS } from './status-reasons.ts';
import type { HttpHeader } from './types.ts';

export { STATUS_REASONS };

/**
 * How the body is written: `chunked` as ONE chunk with a lowercase hex size (no leading zeros) followed by the last
 * chunk `0` CRLF CRLF (libprocess's MessageEncoder; an empty body gives just the last chunk); `content-length` and
 * `none` append the body bytes as they are (default).
 */
export type EncodeFraming = 'chunked' | 'content-length' | 'none';

/** A request to encode. */
export interface EncodeRequestInput {
  method: string;
  target: string;
  /** Default '1.1'. */
  version?: '1.0' | '1.1';
  headers: readonly HttpHeader[];
  body?: Uint8Array;
  framing?: EncodeFraming;
}

/** A response to encode. */
export interface EncodeResponseInput {
  status: number;
  /** Default: STATUS_REASONS[status], or empty. */
  reason?: string;
  /** Default '1.1'. */
  version?: '1.0' | '1.1';
  headers: readonly HttpHeader[];
  body?: Uint8Array;
  framing?: EncodeFraming;
}

const CRLF_LEN = 2;
const LAST_CHUNK = '0\r\n\r\n';

/** `<method> <target> HTTP/<version>` CRLF, header lines, CRLF, then the body per `framing`. */
export function encodeRequest(input: EncodeRequestInput): Uint8Array {
  checkToken(input.method, 'method');
  checkTarget(input.target);
  const startLine = `${input.method} ${input.target} HTTP/${versionOf(input.version)}\r\n`;
  return encodeMessage(startLine, input.headers, input.body, input.framing);
}

/** `HTTP/<version> <status> <reason>` CRLF, header lines, CRLF, then the body per `framing`. */
export function encodeResponse(input: EncodeResponseInput): Uint8Array {
  const status = input.status;
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    throw new MesosWireError('MW_INVALID_ARGUMENT', `status ${status} is not a three-digit code from 100`);
  }
  const reason = input.reason ?? STATUS_REASONS[status] ?? '';
  checkText(reason, 'reason phrase');
  const startLine = `HTTP/${versionOf(input.version)} ${status} ${reason}\r\n`;
  return encodeMessage(startLine, input.headers, input.body, input.framing);
}

/** One chunk of a chunked body: lowercase hex size CRLF, the bytes, CRLF. An empty input gives no bytes at all. */
export function encodeChunk(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) return new Uint8Array(0);
  const size = `${bytes.length.toString(16)}\r\n`;
  const out = new Uint8Array(size.length + bytes.length + CRLF_LEN);
  let at = writeLatin1(out, 0, size);
  out.set(bytes, at);
  at += bytes.length;
  out[at] = 0x0d;
  out[at + 1] = 0x0a;
  return out;
}

/** The last chunk with no trailers: `0` CRLF CRLF. */
export function encodeLastChunk(): Uint8Array {
  const out = new Uint8Array(LAST_CHUNK.length);
  writeLatin1(out, 0, LAST_CHUNK);
  return out;
}

function versionOf(version: '1.0' | '1.1' | undefined): string {
  if (version === undefined || version === '1.1') return '1.1';
  if (version === '1.0') return '1.0';
  throw new MesosWireError('MW_INVALID_ARGUMENT', `HTTP version ${String(version)} is not 1.0 or 1.1`);
}

function encodeMessage(
  startLine: string,
  headers: readonly HttpHeader[],
  body: Uint8Array | undefined,
  framing: EncodeFraming | undefined,
): Uint8Array {
  let head = startLine;
  for (const { name, value } of headers) {
    checkToken(name, 'header name');
    checkText(value, `value of header ${name}`);
    head += `${name}: ${value}\r\n`;
  }
  head += '\r\n';
  const bytes = body ?? new Uint8Array(0);
  let prefix = '';
  let suffix = '';
  if (framing === 'chunked') {
    if (bytes.length > 0) {
      prefix = `${bytes.length.toString(16)}\r\n`;
      suffix = `\r\n${LAST_CHUNK}`;
    } else {
      suffix = LAST_CHUNK;
    }
  } else if (framing !== undefined && framing !== 'content-length' && framing !== 'none') {
    throw new MesosWireError(
      'MW_INVALID_ARGUMENT',
      `framing ${String(framing)} is not chunked, content-length or none`,
    );
  }
  const out = new Uint8Array(head.length + prefix.length + bytes.length + suffix.length);
  let at = writeLatin1(out, 0, head);
  at = writeLatin1(out, at, prefix);
  out.set(bytes, at);
  writeLatin1(out, at + bytes.length, suffix);
  return out;
}

function writeLatin1(out: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}

function checkToken(text: string, what: string): void {
  if (text.length === 0) throw new MesosWireError('MW_INVALID_ARGUMENT', `${what} is empty`);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff || TOKEN[c] !== 1) {
      throw new MesosWireError('MW_INVALID_ARGUMENT', `${what} ${JSON.stringify(text)} has a non-token char at ${i}`);
    }
  }
}

function checkTarget(text: string): void {
  if (text.length === 0) throw new MesosWireError('MW_INVALID_ARGUMENT', 'request target is empty');
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff || TARGET_CHAR[c] !== 1) {
      throw new MesosWireError('MW_INVALID_ARGUMENT', `request target ${JSON.stringify(text)} has a bad char at ${i}`);
    }
  }
}

/** Field values and reason phrases: latin1, no CTLs (so no CR or LF) except HTAB. */
function checkText(text: string, what: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff || VALUE_CHAR[c] === 0) {
      throw new MesosWireError('MW_INVALID_ARGUMENT', `${what} ${JSON.stringify(text)} has a forbidden char at ${i}`);
    }
  }
}
