/**
 * Mesos JSON -> message -> protobuf bytes, with the leniencies of stout's
 * `protobuf::parse<T>(JSON)` (wire-protocol.md 4.9):
 *
 * - the top level must be an object; unknown keys are ignored; `"$unknown"` (mesos-wire's
 *   notation for unknown fields, see json-write.ts) is turned back into those fields;
 *   `null` leaves a field unset; keys match field names exactly;
 * - integers: JSON numbers or strings holding a JSON number (`"-1"`); 64-bit values are
 *   exact (bigint) even above 2^63-1, where Mesos would go through a double; a number
 *   with a fraction or exponent is truncated toward zero as Mesos's casts do;
 *   values outside the field's range are an error (Mesos would wrap them);
 * - double/float: a number, a numeric string, or `"Infinity"`/`"-Infinity"`/`"NaN"`;
 * - bool: `true`/`false` or the strings `"true"`/`"false"`;
 * - enums: the value name only (a number is an error); an unknown name is an error
 *   for a required field and dropped otherwise (repeated: that element is skipped);
 * - bytes: base64, whitespace ignored, stops at `=`, missing padding tolerated;
 * - repeated: an array, or a single value appended as one element; an array for a
 *   singular field is an error; maps: an object whose keys convert to the key type;
 * - required fields are checked after parsing ("Missing required fields: ...").
 *
 * 64-bit values in the resulting message are bigint (mesos-wire's value type).
 */
import { mwError } from '../errors.ts';
import { decodeBase64 } from './base64.ts';
import type { ProtoMessage } from './decode.ts';
import { createWriter } from './int64.ts';
import { type JsonNode, type JsonParseOptions, parseJson, parseJsonBytes } from './json-parse.ts';
import { type PbField, type PbType, pb, typeName } from './schema.ts';

/** Options of `fromMesosJson`. */
export interface MesosJsonReadOptions extends JsonParseOptions {
  /** Skip the required-field check (default false). */
  allowMissingRequired?: boolean;
}

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;
const UINT32_MAX = 2n ** 32n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const RANGES: Record<string, [bigint, bigint]> = {
  int32: [INT32_MIN, INT32_MAX],
  sint32: [INT32_MIN, INT32_MAX],
  sfixed32: [INT32_MIN, INT32_MAX],
  uint32: [0n, UINT32_MAX],
  fixed32: [0n, UINT32_MAX],
  int64: [INT64_MIN, INT64_MAX],
  sint64: [INT64_MIN, INT64_MAX],
  sfixed64: [INT64_MIN, INT64_MAX],
  uint64: [0n, UINT64_MAX],
  fixed64: [0n, UINT64_MAX],
};

const SIXTY_FOUR = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const INTEGER = /^-?[0-9]+$/;

/** Dropped means "leave unset / skip this element" (unknown optional enum names). */
const DROP: unique symbol = Symbol('drop');

function typeError(node: JsonNode, path: string, message: string) {
  return mwError('MW_JSON_TYPE', `${message} for field '${path}'`, { offset: node.offset, detail: { path } });
}

function kindName(node: JsonNode): string {
  return node.kind === 'bool' ? 'boolean' : node.kind;
}

/**
 * Converts parsed JSON to a message of `type` (a plain object: present fields are own
 * properties). Does not check required fields (see `missingRequiredFields`).
 * @throws MesosWireError MW_JSON_TYPE with the offset of the offending value.
 */
export function jsonNodeToMessage(node: JsonNode, type: PbType, path = ''): ProtoMessage {
  if (node.kind !== 'object') {
    throw mwError('MW_JSON_TYPE', `expected a JSON object for ${path === '' ? typeName(type) : `field '${path}'`}`, {
      offset: node.offset,
    });
  }
  const out: ProtoMessage = {};
  for (const [key, value] of node.entries) {
    if (key === '$unknown' && value.kind === 'array') {
      // mesos-wire's own notation for unknown fields (json-write.ts): restore them, so
      // that decode -> JSON -> encode keeps every byte Mesos would have kept.
      Object.defineProperty(out, '$unknowns', {
        value: value.items.map((item) => unknownFieldBytes(item, path)),
        enumerable: false,
        writable: true,
        configurable: true,
      });
      continue;
    }
    const field = Object.hasOwn(type.fields, key) ? type.fields[key] : undefined;
    if (field === undefined || value.kind === 'null') continue;
    field.resolve();
    const fieldPath = path === '' ? key : `${path}.${key}`;
    if (field instanceof pb.MapField) {
      if (value.kind !== 'object')
        throw typeError(value, fieldPath, `Expecting a JSON object, not a JSON ${kindName(value)}`);
      const map: Record<string, unknown> = {};
      for (const [k, v] of value.entries) {
        if (v.kind === 'null') continue;
        const converted = convertValue(field, v, `${fieldPath}[${k}]`, false);
        if (converted !== DROP) map[mapKey(field, k, value, fieldPath)] = converted;
      }
      out[key] = map;
    } else if (field.repeated) {
      const items = value.kind === 'array' ? value.items : [value];
      const list: unknown[] = [];
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        if (item.kind === 'null') throw typeError(item, `${fieldPath}[${i}]`, 'Not expecting a JSON null');
        const converted = convertValue(field, item, `${fieldPath}[${i}]`, false);
        if (converted !== DROP) list.push(converted);
      }
      out[key] = list;
    } else {
      if (value.kind === 'array') throw typeError(value, fieldPath, 'Not expecting a JSON array');
      const converted = convertValue(field, value, fieldPath, field.required);
      if (converted !== DROP) out[key] = converted;
    }
  }
  return out;
}

function varintBytes(v: bigint): number[] {
  const out: number[] = [];
  let u = BigInt.asUintN(64, v);
  while (u >= 0x80n) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
  return out;
}

function littleEndian(v: bigint, bytes: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes; i++) out.push(Number((v >> BigInt(8 * i)) & 0xffn));
  return out;
}

/** One `"$unknown"` entry (`{"number","wire_type","value"}`) back to its raw field bytes. */
function unknownFieldBytes(node: JsonNode, path: string): Uint8Array {
  const bad = (why: string) =>
    typeError(node, path === '' ? '$unknown' : `${path}.$unknown`, `Bad $unknown entry: ${why}`);
  if (node.kind !== 'object') throw bad('not an object');
  const num = node.entries.get('number');
  const wt = node.entries.get('wire_type');
  const value = node.entries.get('value');
  if (num?.kind !== 'number' || wt?.kind !== 'number' || value === undefined)
    throw bad('number, wire_type and value needed');
  const number = integerFromText(num.text);
  const wireType = Number(wt.text);
  if (number === undefined || number < 1n || number > 536870911n) throw bad('field number out of range');
  const tag = (w: number) => varintBytes((number << 3n) | BigInt(w));
  const integer = (max: bigint) => {
    const v = value.kind === 'number' ? integerFromText(value.text) : undefined;
    if (v === undefined || v < 0n || v > max) throw bad('value is not an unsigned integer of the wire type');
    return v;
  };
  switch (wireType) {
    case 0:
      return Uint8Array.from([...tag(0), ...varintBytes(integer(UINT64_MAX))]);
    case 1:
      return Uint8Array.from([...tag(1), ...littleEndian(integer(UINT64_MAX), 8)]);
    case 5:
      return Uint8Array.from([...tag(5), ...littleEndian(integer(UINT32_MAX), 4)]);
    case 2: {
      if (value.kind !== 'string') throw bad('len value must be base64 text');
      const decoded = decodeBase64(value.value);
      if ('badIndex' in decoded) throw bad('invalid base64');
      return Uint8Array.from([...tag(2), ...varintBytes(BigInt(decoded.bytes.length)), ...decoded.bytes]);
    }
    case 3: {
      if (value.kind !== 'array') throw bad('group value must be an array');
      const inner = value.items.flatMap((item) => [...unknownFieldBytes(item, path)]);
      return Uint8Array.from([...tag(3), ...inner, ...tag(4)]);
    }
    default:
      throw bad(`wire type ${wireType}`);
  }
}

function mapKey(field: PbField, key: string, node: JsonNode, path: string): string {
  const keyType = (field as unknown as { keyType: string }).keyType;
  if (keyType === 'string') return key;
  if (keyType === 'bool') {
    if (key !== 'true' && key !== 'false') throw typeError(node, path, `map key '${key}' is not a bool`);
    return key;
  }
  const v = integerFromText(key.trim());
  const range = RANGES[keyType];
  if (v === undefined || range === undefined || v < range[0] || v > range[1]) {
    throw typeError(node, path, `map key '${key}' is not a ${keyType}`);
  }
  // Decimal text for every integer key: protobufjs's encoder reads decimal 64-bit keys exactly.
  return v.toString();
}

/** An integer from JSON number text; fractions and exponents are truncated toward zero. */
function integerFromText(text: string): bigint | undefined {
  if (INTEGER.test(text)) return BigInt(text);
  if (!JSON_NUMBER.test(text)) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) return undefined;
  return BigInt(Math.trunc(n));
}

function convertValue(field: PbField, node: JsonNode, path: string, required: boolean): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof pb.Type) {
    if (node.kind !== 'object') throw typeError(node, path, `Expecting a JSON object, not a JSON ${kindName(node)}`);
    return jsonNodeToMessage(node, resolved, path);
  }
  if (resolved instanceof pb.Enum) {
    if (node.kind !== 'string') throw typeError(node, path, `Not expecting a JSON ${kindName(node)}`);
    const value = resolved.values[node.value];
    if (value === undefined || !Object.hasOwn(resolved.values, node.value)) {
      if (required) throw typeError(node, path, `Unknown enum value '${node.value}'`);
      return DROP;
    }
    return value;
  }
  const t = field.type;
  switch (t) {
    case 'string':
      if (node.kind !== 'string') throw typeError(node, path, `Not expecting a JSON ${kindName(node)}`);
      return node.value;
    case 'bytes': {
      if (node.kind !== 'string') throw typeError(node, path, `Not expecting a JSON ${kindName(node)}`);
      const decoded = decodeBase64(node.value);
      if ('badIndex' in decoded) {
        throw mwError('MW_JSON_TYPE', `invalid base64 for field '${path}'`, {
          offset: node.offset + 1 + decoded.badIndex,
          detail: { path },
        });
      }
      return decoded.bytes;
    }
    case 'bool': {
      if (node.kind === 'bool') return node.value;
      if (node.kind === 'string' && (node.value === 'true' || node.value === 'false')) return node.value === 'true';
      throw typeError(node, path, `Not expecting a JSON ${kindName(node)}`);
    }
    case 'double':
    case 'float': {
      let text: string;
      if (node.kind === 'number') text = node.text;
      else if (node.kind === 'string') {
        text = node.value.trim();
        if (text === 'Infinity') return Number.POSITIVE_INFINITY;
        if (text === '-Infinity') return Number.NEGATIVE_INFINITY;
        if (text === 'NaN') return Number.NaN;
        if (!JSON_NUMBER.test(text)) throw typeError(node, path, `Failed to parse '${node.value}' as a JSON number`);
      } else throw typeError(node, path, `Not expecting a JSON ${kindName(node)}`);
      return text === 'NaN' ? Number.NaN : Number(text);
    }
    default: {
      const range = RANGES[t];
      if (range === undefined) throw mwError('MW_INTERNAL', `unsupported field type ${t}`);
      let text: string;
      if (node.kind === 'number') text = node.text;
      else if (node.kind === 'string') text = node.value.trim();
      else throw typeError(node, path, `Not expecting a JSON ${kindName(node)}`);
      const v = integerFromText(text);
      if (v === undefined) throw typeError(node, path, `Failed to parse '${text}' as an integer`);
      if (v < range[0] || v > range[1]) throw typeError(node, path, `${text} is out of range for ${t}`);
      return SIXTY_FOUR.has(t) ? v : Number(v);
    }
  }
}

/**
 * Paths of required fields missing in `message` and the messages it holds
 * (`a.b`, `list[2].c`), in declaration order.
 */
export function missingRequiredFields(message: ProtoMessage, type: PbType, path = '', out: string[] = []): string[] {
  for (const field of type.fieldsArray) {
    field.resolve();
    const has = Object.hasOwn(message, field.name) && message[field.name] !== undefined && message[field.name] !== null;
    const fieldPath = path === '' ? field.name : `${path}.${field.name}`;
    if (field.required && !has) out.push(fieldPath);
    if (!has || !(field.resolvedType instanceof pb.Type)) continue;
    const v = message[field.name];
    const nested = field.resolvedType;
    if (field instanceof pb.MapField) {
      for (const [k, item] of Object.entries(v as Record<string, ProtoMessage>)) {
        missingRequiredFields(item, nested, `${fieldPath}[${k}]`, out);
      }
    } else if (field.repeated) {
      (v as ProtoMessage[]).forEach((item, i) => {
        missingRequiredFields(item, nested, `${fieldPath}[${i}]`, out);
      });
    } else missingRequiredFields(v as ProtoMessage, nested, fieldPath, out);
  }
  return out;
}

/**
 * Parses Mesos JSON into a message of `type` and checks required fields.
 * @throws MesosWireError MW_JSON_PARSE, MW_JSON_TOO_DEEP, MW_JSON_TYPE, MW_PROTO_MISSING_REQUIRED.
 */
export function mesosJsonToMessage(
  json: string | Uint8Array,
  type: PbType,
  options: MesosJsonReadOptions = {},
): ProtoMessage {
  const node = typeof json === 'string' ? parseJson(json, options) : parseJsonBytes(json, options).node;
  const message = jsonNodeToMessage(node, type);
  if (options.allowMissingRequired !== true) {
    const missing = missingRequiredFields(message, type);
    if (missing.length > 0) {
      throw mwError('MW_PROTO_MISSING_REQUIRED', `Missing required fields: ${missing.join(', ')}`, {
        typeName: typeName(type),
        detail: { missing, partial: message },
      });
    }
  }
  return message;
}

const WIRE_TYPES: Record<string, number> = {
  double: 1,
  float: 5,
  int32: 0,
  uint32: 0,
  sint32: 0,
  fixed32: 5,
  sfixed32: 5,
  int64: 0,
  uint64: 0,
  sint64: 0,
  fixed64: 1,
  sfixed64: 1,
  bool: 0,
  string: 2,
  bytes: 2,
};

type AnyWriter = ReturnType<typeof createWriter> & Record<string, (v: unknown) => unknown>;

function writeOne(w: AnyWriter, field: PbField, id: number, v: unknown): void {
  const resolved = field.resolvedType;
  if (resolved instanceof pb.Type) {
    w.uint32(((id << 3) | 2) >>> 0).fork();
    writeReflect(w, v as ProtoMessage, resolved);
    w.ldelim();
  } else if (resolved instanceof pb.Enum) {
    w.uint32((id << 3) >>> 0).int32(v as number);
  } else {
    w.uint32(((id << 3) | WIRE_TYPES[field.type]!) >>> 0);
    w[field.type]!(v);
  }
}

function mapKeyValue(keyType: string, key: string): unknown {
  if (keyType === 'string') return key;
  if (keyType === 'bool') return key === 'true';
  return SIXTY_FOUR.has(keyType) ? BigInt(key) : Number(key);
}

/** Field-by-field encoder that skips absent fields, required or not (protobufjs's requires them). */
function writeReflect(w: AnyWriter, m: ProtoMessage, type: PbType): void {
  const fields = [...type.fieldsArray].sort((a, b) => a.id - b.id);
  for (const field of fields) {
    field.resolve();
    if (!Object.hasOwn(m, field.name)) continue;
    const v = m[field.name];
    if (v === undefined || v === null) continue;
    if (field instanceof pb.MapField) {
      const keyType = (field as unknown as { keyType: string }).keyType;
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
        w.uint32(((field.id << 3) | 2) >>> 0).fork();
        w.uint32(((1 << 3) | WIRE_TYPES[keyType]!) >>> 0);
        w[keyType]!(mapKeyValue(keyType, k));
        writeOne(w, field, 2, item);
        w.ldelim();
      }
    } else if (field.repeated) {
      for (const item of v as unknown[]) writeOne(w, field, field.id, item);
    } else writeOne(w, field, field.id, v);
  }
  for (const raw of (m as { $unknowns?: Uint8Array[] }).$unknowns ?? [])
    (w as unknown as { raw(b: Uint8Array): void }).raw(raw);
}

/**
 * Encodes a message even when required fields are missing (for tools that build
 * partial messages on purpose); repeated scalars are written unpacked.
 */
export function encodePartialMessage(message: ProtoMessage, type: PbType): Uint8Array {
  const w = createWriter() as AnyWriter;
  writeReflect(w, message, type);
  return w.finish();
}

/** Encodes a message (decoded or built by hand; 64-bit values as bigint, Long, number or string). */
export function encodeMessage(message: ProtoMessage, type: PbType): Uint8Array {
  try {
    return type.encode(message, createWriter()).finish();
  } catch (e) {
    throw mwError('MW_PROTO_ENCODE', `${typeName(type)}: ${(e as Error).message}`, {
      typeName: typeName(type),
      cause: e,
    });
  }
}

/**
 * Mesos JSON -> protobuf bytes of `type` (what `mesos-wire encode --json` sends).
 * @throws MesosWireError MW_JSON_PARSE, MW_JSON_TOO_DEEP, MW_JSON_TYPE, MW_PROTO_MISSING_REQUIRED.
 */
export function fromMesosJson(json: string | Uint8Array, type: PbType, options: MesosJsonReadOptions = {}): Uint8Array {
  const message = mesosJsonToMessage(json, type, options);
  if (options.allowMissingRequired === true && missingRequiredFields(message, type).length > 0) {
    return encodePartialMessage(message, type);
  }
  return encodeMessage(message, type);
}
