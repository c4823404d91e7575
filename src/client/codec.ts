/**
 * The two encodings of v1 API bodies on the client side: Mesos JSON (exact 64-bit integers both ways) or protobuf.
 * Both decode to the same plain objects (see plain.ts).
 */
import { mwError } from '../errors.ts';
import { decodeWithType } from '../proto/decode.ts';
import { encodeMessage, mesosJsonToMessage } from '../proto/json-read.ts';
import { toMesosJson } from '../proto/json-write.ts';
import { findType, getDefaultRoot, type PbType } from '../proto/schema.ts';
import { fromPlain, type PlainMessage, toPlain } from './plain.ts';

/** `json` (Mesos JSON, `application/json`) or `protobuf` (`application/x-protobuf`). */
export type V1Codec = 'json' | 'protobuf';

/** The media type of a codec. */
export function mediaTypeOf(codec: V1Codec): string {
  return codec === 'json' ? 'application/json' : 'application/x-protobuf';
}

const utf8 = new TextEncoder();

/** A type of the bundled schemas. */
export function v1Type(name: string): PbType {
  const type = findType(getDefaultRoot(), name);
  if (type === undefined) throw mwError('MW_PROTO_UNKNOWN_TYPE', `the schemas do not define ${name}`);
  return type;
}

/** Encodes a plain call as a request body. */
export function encodeBody(plain: PlainMessage, type: PbType, codec: V1Codec): Uint8Array {
  const message = fromPlain(plain, type);
  return codec === 'json'
    ? utf8.encode(toMesosJson(message, type, { unknownFields: false }))
    : encodeMessage(message, type);
}

/**
 * Decodes a response body or one event record. JSON input is read leniently about required fields (Mesos writes
 * what it has); protobuf input must be complete.
 * @throws MesosWireError MW_PROTO_DECODE / MW_PROTO_MISSING_REQUIRED / MW_JSON_PARSE / MW_JSON_TYPE, with
 *   `offset` relative to `baseOffset`.
 */
export function decodeBody(bytes: Uint8Array, type: PbType, codec: V1Codec, baseOffset = 0): PlainMessage {
  const message =
    codec === 'json'
      ? mesosJsonToMessage(bytes, type, { allowMissingRequired: true })
      : decodeWithType(type, bytes, { baseOffset });
  return toPlain(message, type);
}
