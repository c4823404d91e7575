// The session pipeline: captures and raw streams -> typed DecodedEvents (libprocess messages, paired responses, v1
// calls, RecordIO event streams record by record, diagnostics).
export type { CaptureDecodeEvent, CaptureDecoderOptions } from './decode-capture.ts';
export { CaptureDecoder, decodeCaptureFile } from './decode-capture.ts';
export type { CaptureSessionOptions } from './decode-sessions.ts';
export {
  CaptureSessionDecoder,
  decodeCaptureSessions,
  RawSessionDecoder,
  SESSION_RETAIN_BYTES_DEFAULT,
} from './decode-sessions.ts';
export type {
  CaptureFields,
  DecodedBodyEvent,
  DecodedClose,
  DecodedDiagnostic,
  DecodedError,
  DecodedEvent,
  DecodedMessage,
  DecodedOpen,
  DecodedRecord,
  DecodedRequest,
  DecodedResponse,
  DecodedStreamEnd,
} from './events.ts';
export type { MessageFacts, RequestFacts } from './message-event.ts';
export { classifyHttpRequest, httpEvent, quickMessage } from './message-event.ts';
export type { RawInputKind, RawStreamEvent, RawStreamOptions } from './raw-stream.ts';
export { RawStreamDecoder } from './raw-stream.ts';
export type { DirectionContext, SessionOptions } from './session.ts';
export {
  DirectionSession,
  HEARTBEAT_MISSED_INTERVALS,
  REGISTRATION_REPEAT_THRESHOLD,
  SessionWatch,
  sniffRecordIo,
  typeHttpBody,
} from './session.ts';
