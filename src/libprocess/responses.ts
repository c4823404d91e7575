import { mwError } from '../errors.ts';

/**
 * The HTTP responses a libprocess receiver writes on the inbound connection
 * of a message (wire-protocol.md §1.6 example D, §2.4). Header order in real
 * responses is unspecified (a hash map); mesos-wire writes `Date`, then
 * `Content-Type` (when there is a body), then `Content-Length`.
 *
 * These are fixed templates written directly (the generic HTTP encoder of
 * src/http was not available when this was written).
 */

const CRLF = '\r\n';
const TEXT_PLAIN = 'text/plain; charset=utf-8';
const utf8 = new TextEncoder();

/** Options common to the response encoders. */
export interface ResponseOptions {
  /** Value of the `Date` header (default: now). */
  date?: Date;
}

/** `Fri, 23 Aug 2024 18:59:00 GMT`: the IMF-fixdate libprocess writes (`%a, %d %b %Y %H:%M:%S GMT`). */
export function formatHttpDate(date: Date): string {
  return date.toUTCString();
}

/** Reason phrases libprocess uses for the statuses it answers messages with. */
export const LIBPROCESS_REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  202: 'Accepted',
  400: 'Bad Request',
  404: 'Not Found',
  500: 'Internal Server Error',
};

/** `202 Accepted`: the receiver found the process and queued the message (not "understood"). Example D: 81 bytes. */
export function encodeAcceptedResponse(options: ResponseOptions = {}): Uint8Array {
  return encodeTextResponse(202, '', options);
}

/** `404 Not Found` for an unknown receiver id, body `404 Not Found.`. */
export function encodeNotFoundResponse(options: ResponseOptions = {}): Uint8Array {
  return encodeTextResponse(404, '404 Not Found.', options);
}

/**
 * `400 Bad Request`; libprocess sends it for a path not starting with `/`
 * (body `Request URL path must start with '/'`, the default here) and for a
 * failed sender-IP check.
 */
export function encodeBadRequestResponse(
  body = "Request URL path must start with '/'",
  options: ResponseOptions = {},
): Uint8Array {
  return encodeTextResponse(400, body, options);
}

/** `500 Internal Server Error` with the failure text as body (e.g. receiver id percent-decoding failed). */
export function encodeInternalServerErrorResponse(body: string, options: ResponseOptions = {}): Uint8Array {
  return encodeTextResponse(500, body, options);
}

/**
 * A complete libprocess-style response: status line, `Date`, and for a
 * non-empty body `Content-Type: text/plain; charset=utf-8`; always
 * `Content-Length`.
 */
export function encodeTextResponse(status: number, body: string, options: ResponseOptions = {}): Uint8Array {
  const reason = LIBPROCESS_REASONS[status];
  if (reason === undefined)
    throw mwError('MW_INVALID_ARGUMENT', `no libprocess response template for status ${status}`);
  const bodyBytes = utf8.encode(body);
  const date = formatHttpDate(options.date ?? new Date());
  const contentType = bodyBytes.length > 0 ? `Content-Type: ${TEXT_PLAIN}${CRLF}` : '';
  const head = `HTTP/1.1 ${status} ${reason}${CRLF}Date: ${date}${CRLF}${contentType}Content-Length: ${bodyBytes.length}${CRLF}${CRLF}`;
  return concatLatin1(head, bodyBytes, '');
}

/** Options of `encodeStreamingResponseHead`. */
export interface StreamingResponseOptions extends ResponseOptions {
  /** Status code (default 200). */
  status?: number;
  /** Media type of the records, e.g. `application/json` (v1 scheduler streams are labelled with it, §4.2). */
  contentType: string;
  /** Extra headers written after Content-Type, e.g. `[['Mesos-Stream-Id', id]]`. */
  headers?: readonly (readonly [string, string])[];
}

/**
 * The head of a chunked streaming response (a v1 API event stream):
 * status line, `Date`, `Content-Type`, the extra headers, then
 * `Transfer-Encoding: chunked`. Follow it with `encodeChunk` pieces and
 * `encodeLastChunk()`.
 */
export function encodeStreamingResponseHead(options: StreamingResponseOptions): Uint8Array {
  const status = options.status ?? 200;
  const reason = LIBPROCESS_REASONS[status];
  if (reason === undefined) throw mwError('MW_INVALID_ARGUMENT', `no reason phrase for status ${status}`);
  let head = `HTTP/1.1 ${status} ${reason}${CRLF}Date: ${formatHttpDate(options.date ?? new Date())}${CRLF}`;
  head += `Content-Type: ${options.contentType}${CRLF}`;
  for (const [name, value] of options.headers ?? []) head += `${name}: ${value}${CRLF}`;
  head += `Transfer-Encoding: chunked${CRLF}${CRLF}`;
  return concatLatin1(head, new Uint8Array(0), '');
}

/**
 * One HTTP chunk: lowercase hex size, CRLF, the bytes, CRLF. An empty input
 * gives an empty array, because a zero-size chunk would end the stream
 * (use `encodeLastChunk` for that).
 */
export function encodeChunk(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) return new Uint8Array(0);
  return concatLatin1(`${bytes.length.toString(16)}${CRLF}`, bytes, CRLF);
}

/** The last chunk of a chunked body: `0\r\n\r\n` (no trailers). */
export function encodeLastChunk(): Uint8Array {
  return concatLatin1(`0${CRLF}${CRLF}`, new Uint8Array(0), '');
}

function concatLatin1(head: string, body: Uint8Array, tail: string): Uint8Array {
  const out = new Uint8Array(head.length + body.length + tail.length);
  for (let i = 0; i < head.length; i++) out[i] = head.charCodeAt(i);
  out.set(body, head.length);
  const t = head.length + body.length;
  for (let i = 0; i < tail.length; i++) out[t + i] = tail.charCodeAt(i);
  return out;
}
