import type { BodyOffsetMap, TypedBody } from '../analysis/body-decode.ts';
import type { BodyFraming, HttpHeader } from '../http/types.ts';
import type { MessageStyle } from '../libprocess/index.ts';

/** What `decode` reports for a raw stream, one event per decoded item (rendered by src/cli/render/). */
export type DecodeEvent = MessageEvent | RequestEvent | ResponseEvent | RecordEvent | StreamEndEvent | ErrorEvent;

interface HttpEventCommon {
  /** Absolute offset of the first byte. */
  offset: number;
  /** Absolute offset just after the last byte. */
  end: number;
  version: '1.0' | '1.1';
  framing: BodyFraming;
  /** Chunk sizes as sent; [] unless chunked. */
  chunks: number[];
  body: Uint8Array;
  /** Trailer fields after a chunked body (Mesos fails the connection on these: the message is never delivered). */
  trailers: readonly HttpHeader[];
  /** The body decoded by its wire name or endpoint (set by RawStreamDecoder; computed on demand otherwise). */
  typed?: TypedBody;
  /** Body index -> stream offset (chunked bodies are interrupted by chunk-size lines); absent: unknown. */
  bodyOffsets?: BodyOffsetMap;
}

/** A libprocess message (a POST Mesos would deliver to an actor). */
export interface MessageEvent extends HttpEventCommon {
  type: 'message';
  /** Sender UPID as Mesos parses it (`@0.0.0.0:0` when it does not parse). */
  from: string;
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
export interface RequestEvent extends HttpEventCommon {
  type: 'request';
  method: string;
  target: string;
  headers: readonly HttpHeader[];
  /** Set when Mesos would answer this libprocess request with 400/500 instead of delivering it. */
  rejected?: { status: number; code: string; message: string };
}

/** An HTTP response. */
export interface ResponseEvent extends HttpEventCommon {
  type: 'response';
  status: number;
  reason: string;
  headers: readonly HttpHeader[];
  /**
   * Set when the body is a RecordIO stream (a v1 event stream): the event is emitted as soon as the framing is
   * recognised, its records follow as `record` events and a `stream-end` event closes it. `body`, `chunks` and `end`
   * are then not known yet (empty / 0).
   */
  stream?: 'recordio';
  /** The request this response answers, when the same stream held it (v1 API path, or libprocess message name). */
  request?: string;
}

/** The end of a response whose body was a RecordIO stream. */
export interface StreamEndEvent {
  type: 'stream-end';
  /** Offset of the response. */
  offset: number;
  /** Absolute offset just after the response's last byte. */
  end: number;
  framing: BodyFraming;
  chunks: number[];
  bodyLength: number;
  records: number;
  trailers: readonly HttpHeader[];
}

/** One RecordIO record. */
export interface RecordEvent {
  type: 'record';
  /** Absolute offset of the length line. */
  offset: number;
  /** Absolute offset of the first data byte. */
  dataOffset: number;
  length: number;
  body: Uint8Array;
  /** The record decoded (by `--type`, the stream's endpoint, or detection). */
  typed?: TypedBody;
  /** Offset of the HTTP response that carried the record, when it came inside one. */
  response?: number;
  /** Record index -> stream offset (records inside a chunked response may be split by chunk lines). */
  bodyOffsets?: BodyOffsetMap;
}

/** A problem in the input. */
export interface ErrorEvent {
  type: 'error';
  code: string;
  offset: number | undefined;
  message: string;
}
