import { mwError } from '../errors.ts';
import { encodeResponse } from '../http/encoder.ts';
import type { HttpHeader } from '../http/types.ts';

/**
 * The HTTP responses a libprocess receiver writes on the inbound connection
 * of a message (wire-protocol.md §1.6 example D, §2.4). Header order in real
 * responses is unspecified (a hash map); mesos-wire writes `Date`, then
 * `Content-Type` (when there is a body), then `Content-Length`.
 * Written with the HTTP encoder of src/http; stream bodies continue with its
 * `encodeChunk` / `encodeLastChunk`.
 */

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
  const headers: HttpHeader[] = [{ name: 'Date', value: formatHttpDate(options.date ?? new Date()) }];
  if (bodyBytes.length > 0) headers.push({ name: 'Content-Type', value: TEXT_PLAIN });
  headers.push({ name: 'Content-Length', value: String(bodyBytes.length) });
  return encodeResponse({ status, reason, headers, body: bodyBytes, framing: 'content-length' });
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
 * `encodeLastChunk()` (src/http/encoder.ts).
 */
export function encodeStreamingResponseHead(options: StreamingResponseOptions): Uint8Array {
  const status = options.status ?? 200;
  const reason = LIBPROCESS_REASONS[status];
  if (reason === undefined) throw mwError('MW_INVALID_ARGUMENT', `no reason phrase for status ${status}`);
  const headers: HttpHeader[] = [
    { name: 'Date', value: formatHttpDate(options.date ?? new Date()) },
    { name: 'Content-Type', value: options.contentType },
  ];
  for (const [name, value] of options.headers ?? []) headers.push({ name, value });
  headers.push({ name: 'Transfer-Encoding', value: 'chunked' });
  return encodeResponse({ status, reason, headers });
}
