/**
 * What the session layer yields: one `DecodedEvent` per decoded item of a raw stream or a capture, in order. The
 * shape of messages, requests, responses, records, stream ends and errors is the raw-stream contract of issue 2 §5;
 * captures add where each item was seen (`flow`, `connection`, `direction`, `frame`, `time`) and the connection
 * lifecycle (`open`, `close`); anomalies come as `diagnostic` events.
 */
import type { BodyOffsetMap, TypedBody } from '../analysis/body-decode.ts';
import type { Diagnostic, TcpDirection } from '../diagnostics.ts';
import type { BodyFraming, HttpHeader } from '../http/types.ts';
import type { MessageStyle, Upid } from '../libprocess/index.ts';
import type { TcpCloseReason, TcpStreamStats } from '../pcap/tcp-reassembler.ts';
import type { CaptureTimestamp } from '../pcap/timestamp.ts';

/** Where an item was seen in a capture (all absent for raw streams). */
export interface CaptureFields {
  /** `source-ip:port>destination-ip:port` of the direction that carried the item (IPv6 in brackets). */
  flow?: string;
  /** Sequential number of the TCP connection in the capture. */
  connection?: number;
  direction?: TcpDirection;
  /** Frame number (1-based) of the packet that carried the item's first byte (records: its last byte). */
  frame?: number;
  /**
   * That packet's timestamp; `toJSON()`/`toISOString()` give ISO 8601 with the capture's full precision. UNKNOWN_TIME
   * (`known` false, null in JSON) for a packet whose capture format records no time.
   */
  time?: CaptureTimestamp;
}

interface HttpEventCommon extends CaptureFields {
  /** Absolute offset of the first byte in its stream. */
  offset: number;
  /** Absolute offset just after the last byte. */
  end: number;
  version: '1.0' | '1.1';
  framing: BodyFraming;
  /** Chunk sizes as sent, of the first MAX_LISTED_CHUNKS; [] unless chunked. */
  chunks: number[];
  /** All the chunks, when there were more than `chunks` lists (absent otherwise). */
  chunkCount?: number;
  body: Uint8Array;
  /** Trailer fields after a chunked body (Mesos fails the connection on these). */
  trailers: readonly HttpHeader[];
  /** The body decoded by its wire name or endpoint. */
  typed?: TypedBody;
  /** Body index -> stream offset (chunked bodies are interrupted by chunk-size lines). */
  bodyOffsets?: BodyOffsetMap;
  /** Frame of the packet that carried the last byte (captures). */
  endFrame?: number;
}

/** A libprocess message (a POST Mesos would deliver to an actor). */
export interface DecodedMessage extends HttpEventCommon {
  type: 'message';
  /** Sender UPID as Mesos parses it (`@0.0.0.0:0` when it does not parse). */
  from: string;
  /** The parsed sender. */
  fromUpid?: Upid;
  fromText: string;
  fromValid: boolean;
  fromSource: 'Libprocess-From' | 'User-Agent';
  /** Receiver id (percent-decoded). */
  to: string;
  name: string;
  /** Which sender framing the head matches exactly, or `other`. */
  style: MessageStyle | 'other';
}

/** Any other HTTP request (endpoints, v1 API calls, or a libprocess request Mesos would reject). */
export interface DecodedRequest extends HttpEventCommon {
  type: 'request';
  method: string;
  target: string;
  headers: readonly HttpHeader[];
  /** Set when Mesos would answer this libprocess request with 400/500 instead of delivering it. */
  rejected?: { status: number; code: string; message: string };
}

/** An HTTP response. */
export interface DecodedResponse extends HttpEventCommon {
  type: 'response';
  status: number;
  reason: string;
  headers: readonly HttpHeader[];
  /**
   * Set when the body is a RecordIO stream: the event comes as soon as that is known, records follow and a
   * `stream-end` closes it (`body`, `chunks` and `end` are then not known yet: empty / 0).
   */
  stream?: 'recordio';
  /** The request this response answers: its v1 API path, endpoint path, or libprocess message name. */
  request?: string;
  /** Frame of the request it answers (captures). */
  requestFrame?: number;
}

/** The end of a response whose body was a RecordIO stream. */
export interface DecodedStreamEnd extends CaptureFields {
  type: 'stream-end';
  /** Offset of the response. */
  offset: number;
  end: number;
  framing: BodyFraming;
  /** Chunk sizes as sent, of the first MAX_LISTED_CHUNKS. */
  chunks: number[];
  /** All the chunks, when there were more than `chunks` lists (absent otherwise). */
  chunkCount?: number;
  bodyLength: number;
  records: number;
  trailers: readonly HttpHeader[];
}

/** One RecordIO record. */
export interface DecodedRecord extends CaptureFields {
  type: 'record';
  /** Absolute offset of the length line. */
  offset: number;
  /** Absolute offset of the first data byte. */
  dataOffset: number;
  length: number;
  body: Uint8Array;
  typed?: TypedBody;
  /** Offset of the HTTP response that carried the record, when it came inside one. */
  response?: number;
  bodyOffsets?: BodyOffsetMap;
}

/** A problem in the input that stopped or skipped decoding (framing, limits). */
export interface DecodedError extends CaptureFields {
  type: 'error';
  code: string;
  offset: number | undefined;
  message: string;
}

/** An anomaly worth a user's attention; decoding went on. */
export interface DecodedDiagnostic {
  type: 'diagnostic';
  diagnostic: Diagnostic;
  /** Time of the frame the diagnostic names, when known. */
  time?: CaptureTimestamp;
}

/** A TCP connection seen in a capture. */
export interface DecodedOpen {
  type: 'open';
  connection: number;
  /** `client>server`. */
  flow: string;
  client: string;
  server: string;
  /** No handshake seen. */
  midstream: boolean;
  frame: number;
  time: CaptureTimestamp;
}

/** A TCP connection ended (or the capture did). */
export interface DecodedClose {
  type: 'close';
  connection: number;
  flow: string;
  reason: TcpCloseReason;
  frame?: number;
  time?: CaptureTimestamp;
  clientToServer: TcpStreamStats;
  serverToClient: TcpStreamStats;
}

/** Everything the session layer yields, keyed on `type`. */
export type DecodedEvent =
  | DecodedMessage
  | DecodedRequest
  | DecodedResponse
  | DecodedRecord
  | DecodedStreamEnd
  | DecodedError
  | DecodedDiagnostic
  | DecodedOpen
  | DecodedClose;

/** Events that carry a body. */
export type DecodedBodyEvent = DecodedMessage | DecodedRequest | DecodedResponse | DecodedRecord;
