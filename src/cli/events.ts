import type {
  DecodedError,
  DecodedMessage,
  DecodedRecord,
  DecodedRequest,
  DecodedResponse,
  DecodedStreamEnd,
} from '../pipeline/events.ts';

// What `decode` reports for a raw stream, one event per decoded item (rendered by src/cli/render/): the session
// layer's event types (src/pipeline/events.ts) without the capture-only ones.

/** A libprocess message (a POST Mesos would deliver to an actor). */
export type MessageEvent = DecodedMessage;
/** Any other HTTP request (endpoints, v1 API calls, or a libprocess request Mesos would reject). */
export type RequestEvent = DecodedRequest;
/** An HTTP response. */
export type ResponseEvent = DecodedResponse;
/** The end of a response whose body was a RecordIO stream. */
export type StreamEndEvent = DecodedStreamEnd;
/** One RecordIO record. */
export type RecordEvent = DecodedRecord;
/** A problem in the input. */
export type ErrorEvent = DecodedError;
/** Any event of a raw stream. */
export type DecodeEvent = MessageEvent | RequestEvent | ResponseEvent | RecordEvent | StreamEndEvent | ErrorEvent;
