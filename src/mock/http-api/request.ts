/**
 * The checks every v1 API request goes through on the master before its call is looked at, in Mesos's order
 * (wire-protocol.md §4.4 rows 2-6, §4.6): leadership (307 / 503), recovery (503), method (405), Content-Type
 * (400 / 415, exact string equality) and body parsing (400 with Mesos's reason texts).
 */
import { isMesosWireError } from '../../errors.ts';
import { getHeader } from '../../http/index.ts';
import { decodeWithType, type ProtoMessage } from '../../proto/decode.ts';
import { parseJsonBytes } from '../../proto/json-parse.ts';
import { encodeMessage, jsonNodeToMessage, missingRequiredFields } from '../../proto/json-read.ts';
import type { PbType } from '../../proto/schema.ts';
import type { RouteRequest, RouteResponse } from '../../transport/index.ts';
import { APPLICATION_JSON, APPLICATION_PROTOBUF, type V1ContentType } from './media.ts';

/**
 * Whether this mock master leads. A non-leading master redirects v1 API requests to `leader` (`host:port`) with
 * 307 and a protocol-relative `Location`; with no leader known it answers 503 "No leader elected"; a recovering
 * master answers 503 "Master has not finished recovery".
 */
export type Leadership =
  | { readonly state: 'leading' }
  | { readonly state: 'redirect'; readonly leader: string }
  | { readonly state: 'no-leader' }
  | { readonly state: 'recovering' };

/** A plain-text answer (libprocess puts `text/plain; charset=utf-8` on non-empty error bodies). */
export function textResponse(
  status: number,
  body = '',
  headers: readonly (readonly [string, string])[] = [],
): RouteResponse {
  const all: (readonly [string, string])[] = [...headers];
  if (body !== '') all.push(['Content-Type', 'text/plain; charset=utf-8']);
  return { status, headers: all, body };
}

/** Rows 2-4: leadership, recovery, method. Undefined when the request may go on. */
export function checkMasterState(request: RouteRequest, leadership: Leadership): RouteResponse | undefined {
  switch (leadership.state) {
    case 'redirect':
      // Mesos builds `//<leader hostname>:<port><path>?<query>`: protocol-relative, not `host:port/...`.
      return textResponse(307, '', [['Location', `//${leadership.leader}${request.target}`]]);
    case 'no-leader':
      return textResponse(503, 'No leader elected');
    case 'recovering':
      return textResponse(503, 'Master has not finished recovery');
    case 'leading':
      break;
  }
  if (request.method !== 'POST') {
    return textResponse(405, `Expecting one of { 'POST' }, but received '${request.method}'`, [['Allow', 'POST']]);
  }
  return undefined;
}

/** A parsed call: the message (64-bit integers as bigint, enums as numbers), its canonical bytes, the encoding. */
export interface ParsedCall {
  readonly message: ProtoMessage;
  readonly bytes: Uint8Array;
  readonly contentType: V1ContentType;
}

/** Row 5-6: Content-Type and body. Returns the call or the 400/415 answer. */
export function parseCallBody(request: RouteRequest, callType: PbType): ParsedCall | RouteResponse {
  const contentType = getHeader(request, 'Content-Type');
  if (contentType === undefined) return textResponse(400, "Expecting 'Content-Type' to be present");
  if (contentType === APPLICATION_PROTOBUF) {
    try {
      const message = decodeWithType(callType, request.body);
      return { message, bytes: request.body, contentType };
    } catch (error) {
      if (!isMesosWireError(error)) throw error;
      return textResponse(400, 'Failed to parse body into Call protobuf');
    }
  }
  if (contentType === APPLICATION_JSON) {
    let node: ReturnType<typeof parseJsonBytes>['node'];
    try {
      node = parseJsonBytes(request.body).node;
    } catch (error) {
      if (!isMesosWireError(error)) throw error;
      return textResponse(400, `Failed to parse body into JSON: ${error.message}`);
    }
    try {
      const message = jsonNodeToMessage(node, callType);
      const missing = missingRequiredFields(message, callType);
      if (missing.length > 0) {
        return textResponse(
          400,
          `Failed to convert JSON into Call protobuf: Missing required fields: ${missing.join(', ')}`,
        );
      }
      return { message, bytes: encodeMessage(message, callType), contentType };
    } catch (error) {
      if (!isMesosWireError(error)) throw error;
      return textResponse(400, `Failed to convert JSON into Call protobuf: ${error.message}`);
    }
  }
  return textResponse(415, `Expecting 'Content-Type' of ${APPLICATION_JSON} or ${APPLICATION_PROTOBUF}`);
}

/** True when `value` is a route response rather than a parsed call. */
export function isResponse(value: ParsedCall | RouteResponse): value is RouteResponse {
  return 'status' in value;
}

/** Row 8 and the operator API: the 406 answer when `Accept` allows neither JSON nor protobuf. */
export function notAcceptable(): RouteResponse {
  return textResponse(406, `Expecting 'Accept' to allow '${APPLICATION_PROTOBUF}' or '${APPLICATION_JSON}'`);
}
