// mesos-wire/proto: schemas by wire name, protobuf decoding, schema-less decoding,
// Mesos JSON both ways, agent resources text, text trees. Importing this module
// needs no registration: the bundled schemas are built on first use.

export { decodeBase64, encodeBase64 } from './base64.ts';
export { BUNDLE_FILES } from './bundle.ts';
export { type CatalogEntry, MESSAGE_CATALOG } from './catalog.ts';
export {
  type BodyDecodeResult,
  bodyType,
  DECODE_MAX_DEPTH_DEFAULT,
  type DecodeOptions,
  decodeBody,
  decodeWithType,
  type FieldAnomaly,
  fieldAnomalies,
  type ProtoMessage,
  tryDecodeBody,
  unknownFieldsOf,
} from './decode.ts';
export { toBigInt } from './int64.ts';
export {
  JSON_MAX_DEPTH_DEFAULT,
  type JsonNode,
  type JsonParseOptions,
  parseJson,
  parseJsonBytes,
} from './json-parse.ts';
export {
  encodeMessage,
  encodePartialMessage,
  fromMesosJson,
  jsonNodeToMessage,
  type MesosJsonReadOptions,
  mesosJsonToMessage,
  missingRequiredFields,
} from './json-read.ts';
export { formatDouble, type MesosJsonWriteOptions, quoteString, schemalessToJson, toMesosJson } from './json-write.ts';
export {
  type ApiServer,
  type EndpointDirection,
  type EndpointType,
  listWireNames,
  lookupWireName,
  RAW_WIRE_NAMES,
  typeForEndpoint,
  V1_ENDPOINTS,
  type WireNameInfo,
} from './registry.ts';
export {
  coalesceRanges,
  combineResources,
  formatResources,
  formatScalar,
  type ParseResourcesOptions,
  parseResources,
  RESERVATION_TYPE,
  type ResourceMessage,
  resourceRole,
  summarizeResources,
  VALUE_TYPE,
} from './resources.ts';
export {
  allTypes,
  type BuiltRoot,
  buildRootFromSources,
  findType,
  getDefaultRoot,
  type PbEnum,
  type PbField,
  type PbRoot,
  type PbType,
  resolveLikeProtoc,
  setDefaultRoot,
  typeName,
} from './schema.ts';
export {
  decodeSchemaless,
  printableText,
  SCHEMALESS_MAX_DEPTH_DEFAULT,
  type SchemalessField,
  type SchemalessOptions,
  type SchemalessResult,
  varintAsSigned,
  varintAsZigZag,
  WIRE_TYPE,
  WIRE_TYPE_NAMES,
} from './schemaless.ts';
export {
  describeType,
  type FieldDescription,
  formatMessageTree,
  formatSchemalessTree,
  formatTypeSchema,
  formatUuid,
  type TextTreeOptions,
} from './text.ts';
