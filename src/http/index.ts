/** HTTP/1.x framing: the decoder, the byte-exact encoders and the stream adapters. */

// A reader that frees its writes once decoded (HttpDecoder.holds says which) needs these two.
export { isReleased, releaseBytes } from '../bytes/release.ts';

export {
  HttpDecoder,
  type HttpDecoderHandler,
  type HttpDecoderOptions,
  type HttpLeniency,
  MAX_BODY_BYTES_DEFAULT,
  MAX_CHUNK_SIZE_DIGITS_DEFAULT,
  MAX_HEADER_BYTES_DEFAULT,
  MAX_HEADER_COUNT_DEFAULT,
} from './decoder.ts';
export {
  type EncodeFraming,
  type EncodeRequestInput,
  type EncodeResponseInput,
  encodeChunk,
  encodeLastChunk,
  encodeRequest,
  encodeResponse,
} from './encoder.ts';
export { MAX_LISTED_CHUNKS } from './message.ts';
export { SharedHeadCache } from './shared-heads.ts';
export { STATUS_REASONS } from './status-reasons.ts';
export { decodeHttpStream, type HttpDecodeEvent, HttpDecodeStream, type HttpDecodeStreamOptions } from './stream.ts';
export {
  type BodyFraming,
  collectedBodyOf,
  deriveFromHead,
  detachHead,
  getHeader,
  type HttpHead,
  type HttpHeader,
  type HttpMessage,
  type HttpMessageBody,
  type HttpRequestHead,
  type HttpRequestMessage,
  type HttpResponseHead,
  type HttpResponseMessage,
} from './types.ts';
