/**
 * Protobuf bodies -> messages. `decodeBody` throws MesosWireError; `tryDecodeBody`
 * never throws on bad input and falls back to schema-less decoding with an error record.
 *
 * Decoded messages are protobufjs message objects: a field is present iff it is an own
 * property; 64-bit integers are bigint; unknown fields (including unknown enum numbers,
 * which proto2 treats as unknown) are kept as raw byte spans in the non-enumerable
 * `$unknowns` array of the message that held them.
 */
import { isMesosWireError, type MesosWireError, mwError } from '../errors.ts';
import { createReader } from './int64.ts';
import { lookupWireName } from './registry.ts';
import { getDefaultRoot, type PbRoot, type PbType, pb, typeName } from './schema.ts';
import { decodeSchemaless, type SchemalessField } from './schemaless.ts';

/** A decoded message: field name -> value (present fields are own properties). */
export type ProtoMessage = Record<string, unknown>;

/** Default nesting limit for decoding (protoc's default recursion limit). */
export const DECODE_MAX_DEPTH_DEFAULT = 100;

/** Options of the decoders. */
export interface DecodeOptions {
  /** Absolute offset of the body's first byte in the enclosing stream (default 0). */
  baseOffset?: number;
  /** Nesting limit (default 100); deeper messages fail with MW_PROTO_TOO_DEEP. */
  maxDepth?: number;
  /** Schemas to use (default: the bundled ones). */
  root?: PbRoot;
}

/**
 * The type for a wire name or type name, and for raw names the body's type when the
 * body is not empty. Undefined for a raw name with an empty body.
 * @throws MesosWireError MW_PROTO_UNKNOWN_TYPE
 */
export function bodyType(
  target: string | PbType,
  bytes: Uint8Array,
  root: PbRoot = getDefaultRoot(),
): PbType | undefined {
  if (typeof target !== 'string') return target;
  const info = lookupWireName(target, root);
  if (info === undefined) throw mwError('MW_PROTO_UNKNOWN_TYPE', `no schema for message name ${target}`);
  if (info.kind === 'raw' && bytes.length === 0) return undefined;
  if (info.type === undefined) {
    throw mwError('MW_PROTO_UNKNOWN_TYPE', `the schemas do not define ${info.typeName ?? target} (for ${target})`, {
      typeName: info.typeName,
    });
  }
  return info.type;
}

/**
 * Decodes a body as a message of the type named by `target` (a wire name such as
 * `mesos.internal.StatusUpdateMessage` or `PING`, or a type).
 *
 * @throws MesosWireError MW_PROTO_UNKNOWN_TYPE (no schema, or a raw name with an empty
 *   body), MW_PROTO_DECODE (bad bytes; `offset` where reading failed),
 *   MW_PROTO_MISSING_REQUIRED (`detail.partial` holds the message that lacks the field),
 *   MW_PROTO_TOO_DEEP.
 */
export function decodeBody(target: string | PbType, bytes: Uint8Array, options: DecodeOptions = {}): ProtoMessage {
  const type = bodyType(target, bytes, options.root);
  if (type === undefined) {
    throw mwError('MW_PROTO_UNKNOWN_TYPE', `${String(target)} is a raw message; its empty body has no protobuf type`);
  }
  return decodeWithType(type, bytes, options);
}

/** Decodes with a known type (the hot path: no name lookup). */
export function decodeWithType(type: PbType, bytes: Uint8Array, options: DecodeOptions = {}): ProtoMessage {
  const reader = createReader(bytes);
  const limit = options.maxDepth ?? DECODE_MAX_DEPTH_DEFAULT;
  const savedLimit = pb.Reader.recursionLimit;
  if (limit !== savedLimit) pb.Reader.recursionLimit = limit;
  try {
    return type.decode(reader) as unknown as ProtoMessage;
  } catch (e) {
    throw wrapDecodeError(e, type, (reader as unknown as { pos: number }).pos + (options.baseOffset ?? 0), limit);
  } finally {
    if (limit !== savedLimit) pb.Reader.recursionLimit = savedLimit;
  }
}

function wrapDecodeError(e: unknown, type: PbType, offset: number, limit: number): MesosWireError {
  const name = typeName(type);
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof pb.util.ProtocolError) {
    const partial = (e as unknown as { instance?: unknown }).instance;
    return mwError('MW_PROTO_MISSING_REQUIRED', `${name}: ${message}`, {
      offset,
      typeName: name,
      cause: e,
      detail: { partial },
    });
  }
  if (message.includes('max depth exceeded')) {
    return mwError('MW_PROTO_TOO_DEEP', `${name}: messages nest deeper than ${limit}`, {
      offset,
      typeName: name,
      cause: e,
    });
  }
  return mwError('MW_PROTO_DECODE', `${name}: ${message}`, { offset, typeName: name, cause: e });
}

/** What `tryDecodeBody` produced. */
export type BodyDecodeResult =
  | {
      kind: 'message';
      typeName: string;
      type: PbType;
      message: ProtoMessage;
    }
  | {
      /** A raw name (PING/PONG) with an empty body. */
      kind: 'raw';
      wireName: string;
    }
  | {
      /** No schema, or the body did not decode with it: the body read without a schema. */
      kind: 'schemaless';
      typeName: string | undefined;
      /** Why the schema could not be used (MW_PROTO_UNKNOWN_TYPE, MW_PROTO_DECODE, ...). */
      error: MesosWireError;
      fields: SchemalessField[];
      /** Set when the bytes are not even a well-formed protobuf. */
      schemalessError: MesosWireError | undefined;
    };

/**
 * Decodes a body, never throwing on bad input: unknown names and undecodable bodies
 * come back as schema-less fields plus the error (never silence).
 */
export function tryDecodeBody(
  target: string | PbType,
  bytes: Uint8Array,
  options: DecodeOptions = {},
): BodyDecodeResult {
  let type: PbType | undefined;
  let error: MesosWireError;
  let name: string | undefined = typeof target === 'string' ? target : typeName(target);
  try {
    type = bodyType(target, bytes, options.root);
    if (type === undefined) return { kind: 'raw', wireName: String(target) };
    name = typeName(type);
    return { kind: 'message', typeName: name, type, message: decodeWithType(type, bytes, options) };
  } catch (e) {
    if (!isMesosWireError(e)) throw e;
    error = e;
  }
  const fallback = decodeSchemaless(bytes, { baseOffset: options.baseOffset ?? 0 });
  return { kind: 'schemaless', typeName: name, error, fields: fallback.fields, schemalessError: fallback.error };
}

/** Raw bytes of the unknown fields kept on a decoded message (tag and value each). */
export function unknownFieldsOf(message: ProtoMessage): readonly Uint8Array[] {
  const u = (message as { $unknowns?: Uint8Array[] }).$unknowns;
  return u ?? [];
}

/** A field the schema knows that arrived in a form the decoder could not use (it is kept as unknown). */
export interface FieldAnomaly {
  /** Dotted path of field names from the top message (`update.status.source`), array items as `[i]`. */
  path: string;
  number: number;
  /**
   * `wire-type`: sent with a wire type the field's type cannot have (C++ protobuf, like
   * protobufjs, then keeps it as an unknown field); `enum-value`: an enum number the schema
   * does not define (proto2 keeps it as an unknown field).
   */
  kind: 'wire-type' | 'enum-value';
  wireType: number;
  /** The wire type the field is declared with (2 is also accepted for packable repeated fields). */
  expectedWireType: number;
}

const WIRE_TYPE_OF: Readonly<Record<string, number>> = {
  double: 1,
  fixed64: 1,
  sfixed64: 1,
  float: 5,
  fixed32: 5,
  sfixed32: 5,
  string: 2,
  bytes: 2,
};

function expectedWireType(field: PbType['fieldsArray'][number]): number {
  if (field instanceof pb.MapField) return 2;
  if (field.resolvedType instanceof pb.Type) return (field as { delimited?: boolean }).delimited === true ? 3 : 2;
  return WIRE_TYPE_OF[field.type] ?? 0;
}

/**
 * Known fields that a decoded message (and its nested messages) kept as unknown: a wrong
 * wire type, or an undefined enum number. Decoding accepts both silently, as Mesos does;
 * this lists them so that a diagnostic can name them. Empty for a clean message.
 */
export function fieldAnomalies(message: ProtoMessage, type: PbType, path = ''): FieldAnomaly[] {
  const out: FieldAnomaly[] = [];
  for (const raw of unknownFieldsOf(message)) {
    const { fields } = decodeSchemaless(raw, { guessNested: false });
    for (const f of fields) {
      const field = type.fieldsById[f.number];
      if (field === undefined) continue;
      field.resolve();
      const expected = expectedWireType(field);
      const packed = field.repeated && f.wireType === 2 && expected !== 2;
      const kind = f.wireType === expected || packed ? 'enum-value' : 'wire-type';
      out.push({ path: path + field.name, number: f.number, kind, wireType: f.wireType, expectedWireType: expected });
    }
  }
  for (const field of type.fieldsArray) {
    if (!(field.resolvedType instanceof pb.Type) || !Object.hasOwn(message, field.name)) continue;
    const value = message[field.name];
    const nested = field.resolvedType;
    if (field instanceof pb.MapField) {
      for (const [k, v] of Object.entries(value as Record<string, ProtoMessage>)) {
        out.push(...fieldAnomalies(v, nested, `${path}${field.name}[${k}].`));
      }
    } else if (field.repeated) {
      (value as ProtoMessage[]).forEach((v, i) => {
        out.push(...fieldAnomalies(v, nested, `${path}${field.name}[${i}].`));
      });
    } else if (value != null) {
      out.push(...fieldAnomalies(value as ProtoMessage, nested, `${path}${field.name}.`));
    }
  }
  return out;
}
