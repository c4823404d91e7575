// The curated root surface of mesos-wire: the names most programs need. Every layer has its own subpath with its
// full API (mesos-wire/http, /recordio, /libprocess, /proto, /pcap, /pipeline, /analysis, /transport, /client, and
// /testing for the mock master); see package.json "exports".

export { DIAGNOSTIC_INFO, type Diagnostic, type DiagnosticKind } from './diagnostics.ts';
export { ERROR_CODES, type ErrorCode, type ErrorContext, isMesosWireError, MesosWireError } from './errors.ts';

// HTTP/1.x framing.
export {
  encodeChunk,
  encodeLastChunk,
  encodeRequest,
  encodeResponse,
  getHeader,
  HttpDecoder,
  type HttpDecoderHandler,
  type HttpDecoderOptions,
  type HttpHead,
  type HttpHeader,
  type HttpMessage,
} from './http/index.ts';

// libprocess: UPIDs, classification, encoding per Mesos era, responses.
export {
  type Classification,
  classifyRequest,
  encodeAcceptedResponse,
  encodeMessage,
  encodeNotFoundResponse,
  formatUpid,
  MESSAGE_STYLES,
  type MessageStyle,
  type OutgoingMessage,
  parseUpid,
  parseUpidLikeMesos,
  tryParseUpid,
  type Upid,
  upidEquals,
} from './libprocess/index.ts';
// Captures.
export { type CaptureFormat, detectCaptureFormat, readCaptureFile, TcpReassembler } from './pcap/index.ts';
export {
  CaptureSessionDecoder,
  type DecodedEvent,
  decodeCaptureSessions,
  RawSessionDecoder,
} from './pipeline/index.ts';
// Schemas, protobuf decoding and Mesos JSON. (The protobuf encoder is `encodeMessage` in mesos-wire/proto; here
// `encodeMessage` is the libprocess framing.)
export {
  type BodyDecodeResult,
  decodeBody,
  decodeSchemaless,
  formatMessageTree,
  formatResources,
  fromMesosJson,
  listWireNames,
  lookupWireName,
  MESSAGE_CATALOG,
  type ProtoMessage,
  parseResources,
  toMesosJson,
  tryDecodeBody,
  typeForEndpoint,
  type WireNameInfo,
} from './proto/index.ts';
// RecordIO.
export { encodeRecord, iterateRecords, RecordIoDecoder, type RecordIoDecoderOptions } from './recordio/index.ts';
