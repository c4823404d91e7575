/** The live side of libprocess: an endpoint that listens and sends like a Mesos process, and capture replay. */

export { BACKOFF_DEFAULTS, type BackoffOptions, backoffDelay } from './backoff.ts';
export type { ConnectionInfo } from './connection-info.ts';
export {
  LibprocessEndpoint,
  type LibprocessEndpointOptions,
  type OutboundMessage,
  type SendOptions,
} from './endpoint.ts';
export { HttpDateClock } from './http-date.ts';
export {
  HttpRouter,
  type ResponseStream,
  type RouteHandler,
  type RouteReply,
  type RouteRequest,
  type RouteResponse,
} from './http-router.ts';
export type { AnswerHook, InboundMessage, MessageHandler } from './inbound-message.ts';
export {
  type CloseReport,
  type DeferredMessage,
  type EncodedMessage,
  formatPeerAddress,
  type PartsWriter,
  type PeerAddress,
  PeerConnection,
  type PeerConnectionOptions,
  type PeerConnectionState,
  type PeerConnectionStats,
  type ResponseReader,
  type ResponseReaderFactory,
  type SendCallback,
  type SendReceipt,
} from './peer-connection.ts';
export { type ExitedEvent, PeerPool, type PeerPoolOptions } from './peer-pool.ts';
export {
  type CapturedMessage,
  type CaptureMessages,
  type ExtractedMessages,
  messagesFromCaptureFile,
  messagesFromRawStream,
  nameGlob,
  parseRewrite,
  type ReplayEvent,
  type ReplayOptions,
  type ReplayReport,
  replayMessages,
} from './replay.ts';
export { type MesosEra, mesosEra, REPLY_POLICIES, type ReplyPolicy, repliesToMessage } from './reply-policy.ts';
export { readResponsesWithHttpDecoder } from './response-reader.ts';
