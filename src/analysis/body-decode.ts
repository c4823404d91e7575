/**
 * Typed decoding of message bodies, shared by the CLI renderers, `stats` and the capture pipeline: a body plus what
 * is known about it (libprocess wire name, v1 API endpoint, RecordIO stream context) -> a `TypedBody`.
 *
 * Never throws on bad input: an unknown name or an undecodable body comes back as the schema-less reading plus the
 * error (a MesosWireError whose `offset` is absolute in the enclosing stream when an offset map is given).
 */
import { type MesosWireError, mwError } from '../errors.ts';
import { DECODE_MAX_DEPTH_DEFAULT, type DecodeOptions, decodeWithType, type ProtoMessage } from '../proto/decode.ts';
import { type JsonNode, parseJsonBytes } from '../proto/json-parse.ts';
import { jsonNodeToMessage, missingRequiredFields } from '../proto/json-read.ts';
import { lookupWireName, typeForEndpoint } from '../proto/registry.ts';
import { findType, getDefaultRoot, type PbType, pb, typeName } from '../proto/schema.ts';
import { decodeSchemaless, printableText, type SchemalessField } from '../proto/schemaless.ts';

/** What a body turned out to be. */
export type TypedBody =
  /** No body bytes and nothing to decode. */
  | { kind: 'empty' }
  /** A raw (non-protobuf) libprocess name with an empty body: PONG, or PING before 0.21. */
  | { kind: 'raw'; wireName: string }
  /**
   * A typed message. `encoding` says how the body was written. `error` is set when the message is partial (a
   * required field is missing: Mesos would reject it) but everything else decoded.
   */
  | {
      kind: 'message';
      encoding: 'protobuf' | 'json';
      typeName: string;
      type: PbType;
      message: ProtoMessage;
      error?: MesosWireError;
    }
  /** Printable text that is not a typed body (endpoint answers, JSON that did not fit its type: then `error`). */
  | { kind: 'text'; text: string; typeName?: string; error?: MesosWireError }
  /** The body read without a schema: no type is known, or the body did not decode with its type (`error`). */
  | {
      kind: 'schemaless';
      typeName: string | undefined;
      fields: SchemalessField[];
      error: MesosWireError | undefined;
      /** Set when the bytes are not even a well-formed protobuf encoding. */
      schemalessError: MesosWireError | undefined;
    };

/** Maps an index into the body to the absolute stream offset of that byte (bodies may be split by chunk lines). */
export type BodyOffsetMap = (index: number) => number;

/** An offset map for a body stored contiguously from `start`. */
export function linearOffsets(start: number): BodyOffsetMap {
  return (index) => start + index;
}

/**
 * Where the pieces of a body lie in the stream (chunked bodies are interrupted by chunk-size lines). Pieces are
 * added in order; `offsetOf(i)` maps a body index to its stream offset.
 */
export class BodySegments {
  // The first segment in fields (most bodies have one); further ones in arrays made on demand.
  private firstStream = -1;
  private bodyStarts: number[] | undefined;
  private streamStarts: number[] | undefined;
  private lastBodyStart = 0;
  private lastStreamStart = -1;
  /** Body bytes recorded so far. */
  length = 0;
  private bound: BodyOffsetMap | undefined;

  /** Records the next piece: `size` body bytes starting at stream offset `streamOffset`. */
  add(size: number, streamOffset: number): void {
    if (this.firstStream < 0) {
      this.firstStream = streamOffset;
      this.lastStreamStart = streamOffset;
      this.length = size;
      return;
    }
    // Contiguous with the previous piece: extend it instead of adding a segment.
    if (this.lastStreamStart + (this.length - this.lastBodyStart) === streamOffset) {
      this.length += size;
      return;
    }
    if (this.bodyStarts === undefined) {
      this.bodyStarts = [0];
      this.streamStarts = [this.firstStream];
    }
    this.bodyStarts.push(this.length);
    this.streamStarts!.push(streamOffset);
    this.lastBodyStart = this.length;
    this.lastStreamStart = streamOffset;
    this.length += size;
  }

  /** Forgets segments wholly before body index `index` (long streams keep only what pending records need). */
  forgetBefore(index: number): void {
    const starts = this.bodyStarts;
    if (starts === undefined) return;
    let keep = 0;
    while (keep + 1 < starts.length && starts[keep + 1]! <= index) keep++;
    if (keep > 0) {
      starts.splice(0, keep);
      this.streamStarts!.splice(0, keep);
    }
  }

  /** The stream offset of body byte `index` (an index at the end maps just past the last byte). */
  offsetOf(index: number): number {
    const starts = this.bodyStarts;
    if (starts === undefined) return Math.max(this.firstStream, 0) + index;
    let i = starts.length - 1;
    while (i > 0 && starts[i]! > index) i--;
    return this.streamStarts![i]! + (index - starts[i]!);
  }

  /** `offsetOf` bound to this object. */
  get map(): BodyOffsetMap {
    this.bound ??= (index) => this.offsetOf(index);
    return this.bound;
  }
}

function rebase(error: MesosWireError, offsets: BodyOffsetMap, typeNameText?: string): MesosWireError {
  const offset = error.offset === undefined ? undefined : offsets(error.offset);
  return mwError(error.code, error.message, {
    offset,
    cause: error.cause,
    typeName: error.typeName ?? typeNameText,
    detail: error.detail,
  });
}

function schemaless(bytes: Uint8Array, typeNameText: string | undefined, error: MesosWireError | undefined) {
  const result = decodeSchemaless(bytes);
  return {
    kind: 'schemaless' as const,
    typeName: typeNameText,
    fields: result.fields,
    error,
    schemalessError: result.error,
  };
}

function isMwError(e: unknown): e is MesosWireError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string';
}

/** decodeWithType's defaults, shared (its own default is a new object per call). */
const DEFAULT_DECODE_OPTIONS: DecodeOptions = Object.freeze({});

const typeNames = new WeakMap<PbType, string>();

/** `typeName(type)`, remembered: protobufjs computes `fullName` by walking the parents on every access. */
function nameOf(type: PbType): string {
  let name = typeNames.get(type);
  if (name === undefined) {
    name = typeName(type);
    typeNames.set(type, name);
  }
  return name;
}

/**
 * Decodes protobuf bytes as `type`. A missing required field keeps the partial message (with the error); other
 * failures fall back to schema-less fields plus the error (offset of the byte where decoding failed).
 */
export function decodeProtobufAs(
  type: PbType,
  bytes: Uint8Array,
  offsets: BodyOffsetMap = linearOffsets(0),
): TypedBody {
  const name = nameOf(type);
  try {
    return {
      kind: 'message',
      encoding: 'protobuf',
      typeName: name,
      type,
      message: decodeWithType(type, bytes, DEFAULT_DECODE_OPTIONS),
    };
  } catch (e) {
    if (!isMwError(e)) throw e;
    if (e.code === 'MW_PROTO_MISSING_REQUIRED') {
      const partial = e.detail?.partial as ProtoMessage | undefined;
      // protobufjs reports the missing field after reading the whole message: the offset is the body's end.
      const error = rebase(e, offsets, name);
      if (partial !== undefined && partial !== null)
        return { kind: 'message', encoding: 'protobuf', typeName: name, type, message: partial, error };
    }
    return schemaless(bytes, name, rebase(e, offsets, name));
  }
}

const wireNames = new Map<string, ReturnType<typeof lookupWireName>>();

/** Registry lookups, remembered (a stream repeats a few names millions of times). */
function wireNameInfo(wireName: string): ReturnType<typeof lookupWireName> {
  let info = wireNames.get(wireName);
  if (info === undefined && !wireNames.has(wireName)) {
    info = lookupWireName(wireName);
    // Bounded: names are attacker-controlled in captures.
    if (wireNames.size < 4096) wireNames.set(wireName, info);
  }
  return info;
}

/**
 * Decodes the body of a libprocess message by its wire name (`mesos.internal.StatusUpdateMessage`, `PING`, ...).
 * Unknown names come back schema-less with MW_PROTO_UNKNOWN_TYPE at the body's first byte.
 */
export function decodeMessageBody(
  wireName: string,
  bytes: Uint8Array,
  offsets: BodyOffsetMap = linearOffsets(0),
): TypedBody {
  const info = wireNameInfo(wireName);
  if (info === undefined) {
    const error = mwError('MW_PROTO_UNKNOWN_TYPE', `no schema for message name ${wireName}`, {
      offset: offsets(0),
    });
    return bytes.length === 0
      ? { kind: 'schemaless', typeName: undefined, fields: [], error, schemalessError: undefined }
      : schemaless(bytes, undefined, error);
  }
  if (info.kind === 'raw' && bytes.length === 0) return { kind: 'raw', wireName };
  if (info.type === undefined) {
    const error = mwError(
      'MW_PROTO_UNKNOWN_TYPE',
      `the schemas do not define ${info.typeName ?? wireName} (for ${wireName})`,
      { offset: offsets(0), typeName: info.typeName },
    );
    return schemaless(bytes, info.typeName, error);
  }
  return decodeProtobufAs(info.type, bytes, offsets);
}

/**
 * Converts a parsed JSON body to `type` (Mesos JSON input rules). Missing required fields keep the partial message
 * with the error.
 */
function jsonAs(type: PbType, node: JsonNode, text: string, offsets: BodyOffsetMap): TypedBody {
  const name = typeName(type);
  let message: ProtoMessage;
  try {
    message = jsonNodeToMessage(node, type);
  } catch (e) {
    if (!isMwError(e)) throw e;
    return { kind: 'text', text, typeName: name, error: rebase(e, offsets, name) };
  }
  const missing = missingRequiredFields(message, type);
  if (missing.length === 0) return { kind: 'message', encoding: 'json', typeName: name, type, message };
  const error = mwError('MW_PROTO_MISSING_REQUIRED', `${name}: Missing required fields: ${missing.join(', ')}`, {
    offset: offsets(node.offset),
    typeName: name,
    detail: { missing },
  });
  return { kind: 'message', encoding: 'json', typeName: name, type, message, error };
}

/** Decodes a JSON body as `type`; JSON syntax errors keep the text (or schema-less bytes) with the error. */
export function decodeJsonAs(type: PbType, bytes: Uint8Array, offsets: BodyOffsetMap = linearOffsets(0)): TypedBody {
  let parsed: { text: string; node: JsonNode };
  try {
    parsed = parseJsonBytes(bytes, { maxDepth: DECODE_MAX_DEPTH_DEFAULT * 2 });
  } catch (e) {
    if (!isMwError(e)) throw e;
    const error = rebase(e, offsets, typeName(type));
    const text = printableText(bytes);
    return text !== undefined
      ? { kind: 'text', text, typeName: typeName(type), error }
      : schemaless(bytes, typeName(type), error);
  }
  return jsonAs(type, parsed.node, parsed.text, offsets);
}

/** JSON or protobuf: the Content-Type when it says so, else the first non-blank byte (`{` means JSON). */
export function bodyEncodingOf(bytes: Uint8Array, contentType: string | undefined): 'json' | 'protobuf' {
  const ct = contentType?.toLowerCase() ?? '';
  if (ct.includes('json')) return 'json';
  if (ct.includes('protobuf')) return 'protobuf';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
    return b === 0x7b ? 'json' : 'protobuf';
  }
  return 'protobuf';
}

/** Decodes a v1 API body of a known type in either encoding. */
export function decodeApiBody(
  type: PbType,
  bytes: Uint8Array,
  contentType: string | undefined,
  offsets: BodyOffsetMap = linearOffsets(0),
): TypedBody {
  if (bytes.length === 0) return { kind: 'empty' };
  return bodyEncodingOf(bytes, contentType) === 'json'
    ? decodeJsonAs(type, bytes, offsets)
    : decodeProtobufAs(type, bytes, offsets);
}

let v1FeaturesResolved = false;

/**
 * Works around src/proto building `mesos.v1` lazily without resolving protobufjs features: until the namespace's
 * `resolveAll()` runs, its fields report `required === false`, so missing required fields would pass unnoticed.
 */
function v1Ready<T extends PbType | undefined>(type: T): T {
  if (!v1FeaturesResolved && type !== undefined && type.fullName.startsWith('.mesos.v1.')) {
    v1FeaturesResolved = true;
    const ns = getDefaultRoot().lookup('.mesos.v1');
    if (ns instanceof pb.Namespace) ns.resolveAll();
  }
  return type;
}

/** The body type of a request target on a v1 API endpoint (`/api/v1/scheduler` -> scheduler Call), if any. */
export function endpointTypes(
  target: string,
):
  | { request: PbType | undefined; response: PbType | undefined; event: PbType | undefined; endpoint: string }
  | undefined {
  const request = typeForEndpoint(target, 'request');
  if (request === undefined) return undefined;
  return {
    endpoint: request.endpoint,
    request: v1Ready(request.type),
    response: v1Ready(typeForEndpoint(target, 'response')?.type),
    event: v1Ready(typeForEndpoint(target, 'event')?.type),
  };
}

/** Event types tried, in order, for a JSON record whose stream type is unknown. */
export const EVENT_TYPE_CANDIDATES: readonly string[] = [
  'mesos.v1.scheduler.Event',
  'mesos.v1.executor.Event',
  'mesos.v1.master.Event',
];

/** Type for a `--type` argument: a full type name, or a libprocess wire name. */
export function resolveTypeName(name: string): PbType | undefined {
  const root = getDefaultRoot();
  return v1Ready(findType(root, name) ?? lookupWireName(name, root)?.type);
}

/** Do the keys of an object node (and of its object-valued fields, one level down) all name fields of `type`? */
function keysFit(node: JsonNode, type: PbType, depth: number): boolean {
  if (node.kind !== 'object') return false;
  for (const [key, value] of node.entries) {
    const field = Object.hasOwn(type.fields, key) ? type.fields[key] : undefined;
    if (field === undefined) return false;
    if (depth > 0 && value.kind === 'object') {
      field.resolve();
      const nested = field.resolvedType;
      if (nested instanceof pb.Type && !(field instanceof pb.MapField) && !keysFit(value, nested, depth - 1))
        return false;
    }
  }
  return true;
}

/** The event type whose `type` enum names the record's `"type"` and whose fields fit its keys. */
function detectEventType(node: JsonNode): PbType | undefined {
  if (node.kind !== 'object') return undefined;
  const tag = node.entries.get('type');
  if (tag?.kind !== 'string') return undefined;
  const root = getDefaultRoot();
  for (const name of EVENT_TYPE_CANDIDATES) {
    const type = v1Ready(findType(root, name));
    const typeField = type?.fields.type;
    if (type === undefined || typeField === undefined) continue;
    typeField.resolve();
    const values = typeField.resolvedType instanceof pb.Enum ? typeField.resolvedType.values : undefined;
    if (values === undefined || !Object.hasOwn(values, tag.value)) continue;
    if (keysFit(node, type, 1)) return type;
  }
  return undefined;
}

/** Options of `RecordTyper`. */
export interface RecordTyperOptions {
  /** Every record is of this type (`--type`). */
  type?: PbType;
  /** The stream's record type when the endpoint says (e.g. scheduler Event for `/api/v1/scheduler`). */
  streamType?: PbType;
  /** Content-Type of the stream's records (JSON or protobuf), when known. */
  contentType?: string;
}

/**
 * Types the records of one RecordIO stream. With a known type every record is decoded as that type. Otherwise a
 * JSON record is typed by its `"type"` (the first of scheduler, executor, master `Event` whose enum has that name and
 * whose fields fit the record's keys), a protobuf record is tried as a scheduler `Event`; the first type found
 * sticks for the rest of the stream (a `HEARTBEAT` alone says nothing).
 */
export class RecordTyper {
  private readonly fixed: PbType | undefined;
  private sticky: PbType | undefined;
  private readonly contentType: string | undefined;

  constructor(options: RecordTyperOptions = {}) {
    this.fixed = options.type;
    this.sticky = options.streamType;
    this.contentType = options.contentType;
  }

  /** Decodes one record (`offsets` maps record indexes to stream offsets). */
  type(bytes: Uint8Array, offsets: BodyOffsetMap): TypedBody {
    if (bytes.length === 0 && this.fixed === undefined && this.sticky === undefined) return { kind: 'empty' };
    const known = this.fixed ?? this.sticky;
    const encoding = bodyEncodingOf(bytes, this.contentType);
    if (encoding === 'protobuf') {
      const type = known ?? v1Ready(findType(getDefaultRoot(), 'mesos.v1.scheduler.Event'));
      if (type === undefined) return schemaless(bytes, undefined, undefined);
      const typed = decodeProtobufAs(type, bytes, offsets);
      if (typed.kind === 'message' && typed.error === undefined && this.fixed === undefined) this.sticky = type;
      return typed;
    }
    let parsed: { text: string; node: JsonNode };
    try {
      parsed = parseJsonBytes(bytes, { maxDepth: DECODE_MAX_DEPTH_DEFAULT * 2 });
    } catch (e) {
      if (!isMwError(e)) throw e;
      const error = rebase(e, offsets, known === undefined ? undefined : typeName(known));
      const text = printableText(bytes);
      return text !== undefined ? { kind: 'text', text, error } : schemaless(bytes, undefined, error);
    }
    const type = known ?? detectEventType(parsed.node);
    if (type === undefined) return { kind: 'text', text: parsed.text };
    const typed = jsonAs(type, parsed.node, parsed.text, offsets);
    if (typed.kind === 'message' && this.fixed === undefined) this.sticky = type;
    return typed;
  }
}

/** The enum value name of a message's `type` field (`HEARTBEAT`), if it has one. */
export function messageTypeTag(typed: TypedBody): string | undefined {
  if (typed.kind !== 'message') return undefined;
  const field = typed.type.fields.type;
  if (field === undefined) return undefined;
  const v = typed.message.type;
  if (v === undefined || v === null) return undefined;
  field.resolve();
  const e = field.resolvedType;
  if (e instanceof pb.Enum) return (e.valuesById as Record<number, string>)[v as number] ?? String(v);
  return undefined;
}
