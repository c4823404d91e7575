export type {
  Classification,
  ClassifiedMessage,
  ClassifiedRejection,
  ClassifiedRequest,
  RequestHeadLike,
  SenderSource,
} from './classify.ts';
export {
  classifyRequest,
  guessMessageStyle,
  isLibprocessMessage,
  lastHeader,
  percentDecode,
  targetPath,
} from './classify.ts';
export type { MessageStyle, OutgoingMessage } from './encoder.ts';
export { encodeMessage, MESSAGE_STYLES, messagePath } from './encoder.ts';
export { decodeQuery } from './query.ts';
export type { ResponseOptions, StreamingResponseOptions } from './responses.ts';
export {
  encodeAcceptedResponse,
  encodeBadRequestResponse,
  encodeInternalServerErrorResponse,
  encodeNotFoundResponse,
  encodeStreamingResponseHead,
  encodeTextResponse,
  formatHttpDate,
  LIBPROCESS_REASONS,
} from './responses.ts';
export type { Upid, UpidHostKind } from './upid.ts';
export {
  EMPTY_UPID,
  formatUpid,
  formatUpidAddress,
  isEmptyUpid,
  makeUpid,
  parseUpid,
  parseUpidLikeMesos,
  parseUpidLikeMesosDetailed,
  tryParseUpid,
  upidEquals,
} from './upid.ts';
