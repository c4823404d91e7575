/**
 * The one error table of mesos-wire. Every failure the library reports carries a
 * stable `code` from this table; match on `code`, never on message text.
 * `docs/errors.md` is generated from this table (`npm run docs:errors`).
 *
 * Codes are grouped by layer. Add new codes here (and nowhere else).
 */
export const ERROR_CODES = {
  // --- generic ---
  MW_INTERNAL: 'An invariant of mesos-wire itself was broken (a bug: please report it).',
  MW_INVALID_ARGUMENT: 'A caller passed an argument the API does not accept.',
  MW_DECODER_FAILED: 'A decoder that already failed was fed again; call its documented resync first.',
  MW_LIMIT_EXCEEDED: 'A configured limit was exceeded.',

  // --- HTTP/1.x framing (src/http) ---
  MW_HTTP_BAD_METHOD: 'The request method is not a valid token.',
  MW_HTTP_BAD_TARGET: 'The request target contains a byte that is not allowed.',
  MW_HTTP_BAD_VERSION: 'The HTTP version is not HTTP/1.0 or HTTP/1.1.',
  MW_HTTP_BAD_STATUS: 'The status line is malformed (status code is not three digits, or bad reason phrase).',
  MW_HTTP_BAD_START_LINE: 'The first line is neither a request line nor a status line.',
  MW_HTTP_BAD_HEADER_NAME: 'A header field name is empty or contains a byte that is not a token character.',
  MW_HTTP_BAD_HEADER_VALUE: 'A header field value contains a forbidden byte.',
  MW_HTTP_BARE_LF: 'A line ended with LF without CR (allowed only with the lenient bareLf option).',
  MW_HTTP_BARE_CR: 'A CR was not followed by LF.',
  MW_HTTP_OBS_FOLD: 'An obsolete folded header line (allowed only with the lenient obsFold option).',
  MW_HTTP_HEADERS_TOO_LARGE: 'The start line and header block exceed maxHeaderBytes.',
  MW_HTTP_TOO_MANY_HEADERS: 'The header block has more fields than maxHeaderCount.',
  MW_HTTP_BAD_CONTENT_LENGTH: 'Content-Length is not a decimal number, or several differ.',
  MW_HTTP_BAD_TRANSFER_ENCODING: 'Transfer-Encoding is present but chunked is not its final coding.',
  MW_HTTP_CONFLICTING_FRAMING: 'Both Transfer-Encoding and Content-Length are present.',
  MW_HTTP_BAD_CHUNK_SIZE: 'A chunk-size line has a byte that is not a hex digit.',
  MW_HTTP_CHUNK_SIZE_OVERFLOW: 'A chunk size has more hex digits than maxChunkSizeDigits allows.',
  MW_HTTP_BAD_CHUNK_EXTENSION: 'A chunk extension is malformed.',
  MW_HTTP_BAD_CHUNK_TERMINATOR: 'The CRLF after chunk data is missing.',
  MW_HTTP_CHUNK_LINE_TOO_LONG: 'A chunk-size line (with its extensions) exceeds maxHeaderBytes.',
  MW_HTTP_BODY_TOO_LARGE: 'A body is larger than maxBodyBytes.',
  MW_HTTP_TRAILERS_TOO_LARGE: 'The trailer section exceeds maxHeaderBytes.',
  MW_HTTP_TRAILERS_REJECTED: 'Trailer fields follow a chunked body while rejectTrailers is set.',
  MW_HTTP_TRUNCATED: 'The stream ended in the middle of a message.',
  MW_HTTP_INPUT_RELEASED:
    'A decoded message was read after its reader released the bytes it reads from (an endpoint with transientMessages frees them once the message has been handed out).',

  // --- libprocess layer (src/libprocess) ---
  MW_UPID_INVALID: 'A text is not a valid UPID (id@host:port).',
  MW_UPID_BAD_PORT: 'A UPID port is not a decimal number from 0 to 65535.',
  MW_UPID_BAD_HOST: 'A UPID host is neither an IPv4 address, a bracketed IPv6 address nor a hostname.',
  MW_LIBPROCESS_BAD_PATH: 'A message path does not start with "/" or its receiver id cannot be percent-decoded.',
  MW_LIBPROCESS_BAD_NAME: 'A message name cannot be written into a request line.',
  MW_LIBPROCESS_BAD_QUERY: 'A request query has a malformed percent-escape (libprocess fails the connection).',

  // --- RecordIO (src/recordio) ---
  MW_RECORDIO_BAD_LENGTH: 'A RecordIO length line is empty or is not a decimal number.',
  MW_RECORDIO_LENGTH_OVERFLOW: 'A RecordIO length has more digits than any allowed record size.',
  MW_RECORDIO_RECORD_TOO_LARGE: 'A RecordIO record is larger than maxRecordBytes.',
  MW_RECORDIO_TRUNCATED: 'The stream ended in the middle of a RecordIO record or length.',

  // --- protobuf and JSON (src/proto) ---
  MW_PROTO_UNKNOWN_TYPE: 'No schema is registered for this message name.',
  MW_PROTO_DECODE: 'A body is not a valid protobuf encoding of its type.',
  MW_PROTO_MISSING_REQUIRED: 'A required field is missing.',
  MW_PROTO_TOO_DEEP: 'Nested messages go deeper than the nesting limit.',
  MW_PROTO_ENCODE: 'A value cannot be encoded as the requested protobuf type.',
  MW_JSON_PARSE: 'A text is not valid JSON.',
  MW_JSON_TYPE: 'A JSON value does not fit the protobuf field it maps to.',
  MW_JSON_TOO_DEEP: 'JSON nesting goes deeper than the limit (200, as in Mesos).',
  MW_RESOURCES_PARSE: 'A resources text (cpus:4;mem:1024;...) is malformed.',

  // --- captures (src/pcap) ---
  MW_CAPTURE_UNKNOWN_FORMAT: 'The input is neither pcap, pcapng nor a raw byte stream that can be recognised.',
  MW_PCAP_BAD_MAGIC: 'The pcap global header has an unknown magic number.',
  MW_PCAP_BAD_HEADER: 'A pcap header field is out of range.',
  MW_PCAP_TRUNCATED: 'The capture file ends in the middle of a header or packet.',
  MW_PCAP_RECORD_TOO_LARGE: 'A packet record claims more bytes than maxPacketBytes.',
  MW_PCAPNG_BAD_BLOCK: 'A pcapng block is malformed (bad length, bad trailer, bad byte-order magic).',
  MW_PCAPNG_UNKNOWN_INTERFACE: 'A pcapng packet names an interface that was not described.',
  MW_PCAP_UNSUPPORTED_LINKTYPE: 'The capture uses a link type mesos-wire does not decode.',

  // --- transport (src/transport) ---
  MW_TRANSPORT_CONNECT: 'A connection to a peer could not be established.',
  MW_TRANSPORT_CLOSED: 'The connection or endpoint was closed before the operation finished.',
  MW_TRANSPORT_QUEUE_FULL: 'The outbound queue for a peer is full.',
  MW_TRANSPORT_REJECTED: 'The peer answered a message with a non-2xx status.',
  MW_TRANSPORT_TIMEOUT: 'An operation did not finish within its timeout.',
  MW_TRANSPORT_BAD_CONTENT_ENCODING:
    'A request body marked Content-Encoding: gzip cannot be decompressed (the connection is dropped, as libprocess does).',

  // --- mock master and clients ---
  MW_MOCK_EXPECTATION: 'A test expectation on the mock master failed.',
  MW_CLIENT_HTTP_STATUS: 'A v1 API call answered with an unexpected HTTP status.',
  MW_CLIENT_HEARTBEAT_LOST: 'A subscribed event stream missed its heartbeats.',
  MW_CLIENT_PROTOCOL: 'A v1 API peer broke the protocol (bad media type, missing Mesos-Stream-Id, ...).',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

const BRAND = Symbol.for('mesos-wire.error');

/** Extra context an error may carry. All optional; `offset` is an absolute byte offset in the input stream. */
export interface ErrorContext {
  offset?: number;
  cause?: unknown;
  /** Capture flow (`ip:port>ip:port`) where the error was found. */
  flow?: string;
  /** Protobuf type name involved. */
  typeName?: string;
  /** Anything else worth showing (limit values, offending byte, ...). */
  detail?: Record<string, unknown>;
}

/**
 * The base of every error mesos-wire throws or reports. `code` is stable;
 * `offset` (when known) is the absolute byte offset where the problem was found.
 */
export class MesosWireError extends Error {
  readonly code: ErrorCode;
  readonly offset: number | undefined;
  readonly flow: string | undefined;
  readonly typeName: string | undefined;
  readonly detail: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = 'MesosWireError';
    this.code = code;
    this.offset = context.offset;
    this.flow = context.flow;
    this.typeName = context.typeName;
    this.detail = context.detail;
  }

  get [BRAND](): true {
    return true;
  }

  /** A plain object for ndjson output: `{code, offset, message}` plus context. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { code: this.code, offset: this.offset, message: this.message };
    if (this.flow !== undefined) out.flow = this.flow;
    if (this.typeName !== undefined) out.typeName = this.typeName;
    return out;
  }
}

/** True for any mesos-wire error, even from another installed copy of the package. */
export function isMesosWireError(value: unknown): value is MesosWireError {
  return (
    typeof value === 'object' &&
    value !== null &&
    ((value as Record<symbol, unknown>)[BRAND] === true ||
      (typeof (value as { code?: unknown }).code === 'string' &&
        ((value as { code: string }).code as string).startsWith('MW_') &&
        (value as { code: string }).code in ERROR_CODES))
  );
}

/** Shorthand used by the codecs. */
export function mwError(code: ErrorCode, message: string, context?: ErrorContext): MesosWireError {
  return new MesosWireError(code, message, context);
}
