/**
 * Message -> Mesos JSON text (wire-protocol.md 4.9; stout `jsonify(JSON::Protobuf)`).
 * This is not proto3's JSON mapping:
 *
 * - keys are the .proto field names, in declaration order (or alphabetical, as the
 *   `JSON::Object` model writes them, with `keyOrder: 'alphabetical'`);
 * - a singular field is written when set, or when unset but declared with an explicit
 *   `[default = ...]` and not `deprecated`; repeated and map fields only when non-empty;
 * - enums by name; bytes as standard base64 with padding;
 * - integers as plain JSON numbers with full 64-bit precision (bigint, exact);
 * - doubles (and floats, widened) in shortest round-trip form, integral values with a
 *   `.0`, exponents without `+` (`1e21`), infinities as the strings `"Infinity"` and
 *   `"-Infinity"`, NaN as the bare token `NaN` (not valid JSON: Mesos does the same).
 *   RapidJSON's Grisu2 is round-trip exact but in rare cases not the shortest form;
 *   mesos-wire always writes the shortest.
 *
 * Unknown data stays visible (Mesos drops it): every unknown field of a message
 * (including an enum number the schema does not define, which proto2 keeps as an
 * unknown field, and a known field number sent with the wrong wire type) is written
 * under the key `"$unknown"` (a name no proto field can have) as an array of
 * `{"number":N,"name":"field_if_known","wire_type":W,"value":V}`: V is the exact
 * unsigned integer for varint (0), i64 (1) and i32 (5), base64 text for len (2), and an
 * array of the same objects for a group (3). An enum value that is not a defined number
 * (only possible in messages built by hand) is written as a JSON number.
 */
import { mwError } from '../errors.ts';
import { encodeBase64 } from './base64.ts';
import type { ProtoMessage } from './decode.ts';
import { toBigInt } from './int64.ts';
import { type PbField, type PbType, pb } from './schema.ts';
import { decodeSchemaless, type SchemalessField } from './schemaless.ts';

/** Options of `toMesosJson`. */
export interface MesosJsonWriteOptions {
  /** `declaration` (default; the streaming writer used for API bodies) or `alphabetical` (JSON::Object). */
  keyOrder?: 'declaration' | 'alphabetical';
  /** Write `"$unknown"` arrays for unknown fields (default true). */
  unknownFields?: boolean;
}

/** Deepest nesting `toMesosJson` follows (guards against cyclic hand-built objects). */
export const JSON_WRITE_MAX_DEPTH = 1000;

const K_DOUBLE = 1;
const K_INT32 = 2;
const K_UINT32 = 3;
const K_INT64 = 4;
const K_UINT64 = 5;
const K_BOOL = 6;
const K_STRING = 7;
const K_BYTES = 8;
const K_ENUM = 9;
const K_MESSAGE = 10;

const KIND_BY_TYPE: Record<string, number> = {
  double: K_DOUBLE,
  float: K_DOUBLE,
  int32: K_INT32,
  sint32: K_INT32,
  sfixed32: K_INT32,
  uint32: K_UINT32,
  fixed32: K_UINT32,
  int64: K_INT64,
  sint64: K_INT64,
  sfixed64: K_INT64,
  uint64: K_UINT64,
  fixed64: K_UINT64,
  bool: K_BOOL,
  string: K_STRING,
  bytes: K_BYTES,
};

interface FieldPlan {
  name: string;
  /** `"name":` */
  key: string;
  kind: number;
  repeated: boolean;
  map: boolean;
  /** Map key kind (a scalar kind). */
  keyKind: number;
  enumNames: Record<number, string> | undefined;
  messageType: PbType | undefined;
  /** JSON text of the default written for an unset field, or undefined. */
  defaultText: string | undefined;
}

interface TypePlan {
  fields: FieldPlan[];
  byNumber: Map<number, string>;
}

const plans = new WeakMap<PbType, TypePlan>();
const alphabeticalPlans = new WeakMap<PbType, TypePlan>();

/** Scalar kind of a resolved field (enum and message included). */
function kindOf(field: PbField): number {
  if (field.resolvedType instanceof pb.Enum) return K_ENUM;
  if (field.resolvedType instanceof pb.Type) return K_MESSAGE;
  const k = KIND_BY_TYPE[field.type];
  if (k === undefined) throw mwError('MW_INTERNAL', `unsupported field type ${field.type} for ${field.fullName}`);
  return k;
}

function planFor(type: PbType, alphabetical: boolean): TypePlan {
  const cache = alphabetical ? alphabeticalPlans : plans;
  let plan = cache.get(type);
  if (plan !== undefined) return plan;
  const fields: FieldPlan[] = [];
  const byNumber = new Map<number, string>();
  for (const field of type.fieldsArray) {
    field.resolve();
    byNumber.set(field.id, field.name);
    const kind = kindOf(field);
    const enumNames =
      field.resolvedType instanceof pb.Enum ? (field.resolvedType.valuesById as Record<number, string>) : undefined;
    const messageType = field.resolvedType instanceof pb.Type ? field.resolvedType : undefined;
    const map = field instanceof pb.MapField;
    const f: FieldPlan = {
      name: field.name,
      key: `${quoteString(field.name)}:`,
      kind,
      repeated: field.repeated,
      map,
      keyKind: map ? (KIND_BY_TYPE[(field as unknown as { keyType: string }).keyType] ?? K_STRING) : 0,
      enumNames,
      messageType,
      defaultText: undefined,
    };
    const options = field.options as Record<string, unknown> | undefined;
    if (!field.repeated && !map && options?.default !== undefined && options.deprecated !== true) {
      f.defaultText = writeScalar(f, field.typeDefault);
    }
    fields.push(f);
  }
  if (alphabetical) fields.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  plan = { fields, byNumber };
  cache.set(type, plan);
  return plan;
}

/**
 * Writes a message as Mesos JSON text (compact). `message` is a decoded message or a
 * plain object of the same shape (64-bit values as bigint, number, decimal string or Long).
 * @throws MesosWireError MW_PROTO_TOO_DEEP on nesting beyond JSON_WRITE_MAX_DEPTH.
 */
export function toMesosJson(message: ProtoMessage, type: PbType, options: MesosJsonWriteOptions = {}): string {
  const alphabetical = options.keyOrder === 'alphabetical';
  return writeMessage(message, type, alphabetical, options.unknownFields !== false, 0);
}

const hasOwn = Object.prototype.hasOwnProperty;

function writeMessage(m: ProtoMessage, type: PbType, alphabetical: boolean, unknown: boolean, depth: number): string {
  if (depth > JSON_WRITE_MAX_DEPTH) {
    throw mwError('MW_PROTO_TOO_DEEP', `message nests deeper than ${JSON_WRITE_MAX_DEPTH}`, {
      typeName: type.fullName,
    });
  }
  const plan = planFor(type, alphabetical);
  let out = '{';
  let first = true;
  const unknowns = unknown ? (m as { $unknowns?: Uint8Array[] }).$unknowns : undefined;
  if (alphabetical && unknowns !== undefined && unknowns.length > 0) {
    out += `"$unknown":${writeUnknowns(unknowns, plan)}`;
    first = false;
  }
  const fields = plan.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const v = hasOwn.call(m, f.name) ? m[f.name] : undefined;
    let text: string | undefined;
    if (f.repeated) {
      if (!Array.isArray(v) || v.length === 0) continue;
      text = '[';
      for (let j = 0; j < v.length; j++) {
        if (j > 0) text += ',';
        text += writeValue(f, v[j], alphabetical, unknown, depth);
      }
      text += ']';
    } else if (f.map) {
      if (v === undefined || v === null) continue;
      const keys = Object.keys(v as object);
      if (keys.length === 0) continue;
      text = '{';
      for (let j = 0; j < keys.length; j++) {
        if (j > 0) text += ',';
        text += `${quoteString(mapKeyText(f, keys[j]!))}:${writeValue(f, (v as Record<string, unknown>)[keys[j]!], alphabetical, unknown, depth)}`;
      }
      text += '}';
    } else if (v === undefined || v === null) {
      if (f.defaultText === undefined) continue;
      text = f.defaultText;
    } else {
      text = writeValue(f, v, alphabetical, unknown, depth);
    }
    out += first ? f.key + text : `,${f.key}${text}`;
    first = false;
  }
  if (!alphabetical && unknowns !== undefined && unknowns.length > 0) {
    out += `${first ? '' : ','}"$unknown":${writeUnknowns(unknowns, plan)}`;
  }
  return `${out}}`;
}

function mapKeyText(f: FieldPlan, key: string): string {
  // protobufjs keys 64-bit maps by an 8-char hash string.
  if ((f.keyKind === K_INT64 || f.keyKind === K_UINT64) && key.length === 8 && !/^-?\d+$/.test(key)) {
    const bits = pb.util.LongBits.fromHash(key);
    return toBigInt({ low: bits.lo, high: bits.hi }, f.keyKind === K_UINT64).toString();
  }
  return key;
}

function writeValue(f: FieldPlan, v: unknown, alphabetical: boolean, unknown: boolean, depth: number): string {
  if (f.kind === K_MESSAGE) return writeMessage(v as ProtoMessage, f.messageType!, alphabetical, unknown, depth + 1);
  return writeScalar(f, v);
}

function writeScalar(f: FieldPlan, v: unknown): string {
  switch (f.kind) {
    case K_DOUBLE:
      return formatDouble(v as number);
    case K_INT32:
      return String((v as number) | 0);
    case K_UINT32:
      return String((v as number) >>> 0);
    case K_INT64:
      return typeof v === 'bigint' ? v.toString() : toBigInt(v, false).toString();
    case K_UINT64:
      return typeof v === 'bigint' ? v.toString() : toBigInt(v, true).toString();
    case K_BOOL:
      return v ? 'true' : 'false';
    case K_STRING:
      return quoteString(v as string);
    case K_BYTES:
      return typeof v === 'string' ? quoteString(v) : `"${encodeBase64(v as Uint8Array)}"`;
    case K_ENUM: {
      const name = f.enumNames![v as number];
      return name === undefined ? String(v) : `"${name}"`;
    }
    default:
      throw mwError('MW_INTERNAL', `no scalar writer for ${f.name}`);
  }
}

function writeUnknowns(raw: readonly Uint8Array[], plan: TypePlan): string {
  const parts: string[] = [];
  for (const chunk of raw) {
    const { fields } = decodeSchemaless(chunk, { guessNested: false });
    for (const field of fields) parts.push(writeUnknownField(field, plan.byNumber));
  }
  return `[${parts.join(',')}]`;
}

function writeUnknownField(field: SchemalessField, byNumber: Map<number, string> | undefined): string {
  const name = byNumber?.get(field.number);
  let out = `{"number":${field.number},`;
  if (name !== undefined) out += `"name":${quoteString(name)},`;
  out += `"wire_type":${field.wireType},"value":`;
  switch (field.wireType) {
    case 0:
    case 1:
      out += field.value.toString();
      break;
    case 5:
      out += String(field.value);
      break;
    case 2:
      out += `"${encodeBase64(field.value)}"`;
      break;
    case 3:
      out += `[${field.fields.map((g) => writeUnknownField(g, undefined)).join(',')}]`;
      break;
  }
  return `${out}}`;
}

/**
 * A double as Mesos writes it: shortest round-trip digits, `.0` on integral values,
 * exponent without `+`, `-0.0`, `"Infinity"`/`"-Infinity"` strings and a bare `NaN`.
 */
export function formatDouble(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '"Infinity"';
  if (v === Number.NEGATIVE_INFINITY) return '"-Infinity"';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const s = String(v);
  const e = s.indexOf('e');
  if (e >= 0) return s[e + 1] === '+' ? s.slice(0, e + 1) + s.slice(e + 2) : s;
  return s.indexOf('.') >= 0 ? s : `${s}.0`;
}

const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
const HEX = '0123456789ABCDEF';

/** A JSON string literal as RapidJSON writes it: raw UTF-8, escaping `"`, `\` and control characters. */
export function quoteString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = '\\\\';
    else if (c < 0x20) {
      if (c === 0x08) esc = '\\b';
      else if (c === 0x0c) esc = '\\f';
      else if (c === 0x0a) esc = '\\n';
      else if (c === 0x0d) esc = '\\r';
      else if (c === 0x09) esc = '\\t';
      else esc = `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
    }
    if (esc !== undefined) {
      out += s.slice(from, i) + esc;
      from = i + 1;
    }
  }
  return `${out + s.slice(from)}"`;
}
