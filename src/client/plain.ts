/**
 * v1 API messages as plain objects: the shape the clients take and return, the same for both encodings. Keys are
 * the .proto field names (as in Mesos JSON), enums are value names, 64-bit integers are bigint (exact), bytes are
 * Uint8Array, only present fields appear.
 */
import { mwError } from '../errors.ts';
import { decodeBase64 } from '../proto/base64.ts';
import type { ProtoMessage } from '../proto/decode.ts';
import { type PbType, pb, typeName } from '../proto/schema.ts';

/** A v1 message as a plain object (see the file comment). */
export type PlainMessage = { [field: string]: unknown };

const SIXTY_FOUR_BIT = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/** A decoded message (protobuf or Mesos JSON) as a plain object. */
export function toPlain(message: ProtoMessage, type: PbType): PlainMessage {
  const out: PlainMessage = {};
  for (const field of type.fieldsArray) {
    if (!Object.hasOwn(message, field.name)) continue;
    const value = message[field.name];
    if (value === undefined || value === null) continue;
    field.resolve();
    const resolved = field.resolvedType;
    const convert = (v: unknown): unknown => {
      if (resolved instanceof pb.Type) return toPlain(v as ProtoMessage, resolved);
      if (resolved instanceof pb.Enum) return resolved.valuesById[v as number] ?? v;
      // protobufjs hands out Buffers on Node: plain Uint8Array views, so both encodings give equal objects.
      if (v instanceof Uint8Array && v.constructor !== Uint8Array)
        return new Uint8Array(v.buffer, v.byteOffset, v.length);
      return v;
    };
    if (field instanceof pb.MapField) {
      const map: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) map[k] = convert(v);
      out[field.name] = map;
    } else if (field.repeated) {
      const list = value as unknown[];
      if (list.length > 0) out[field.name] = list.map(convert);
    } else out[field.name] = convert(value);
  }
  return out;
}

/**
 * A plain object as a message of `type` ready for the encoders: enum names to numbers, 64-bit numbers and
 * decimal strings to bigint, base64 strings to bytes. Unknown keys are an error (a typo would otherwise vanish).
 * @throws MesosWireError MW_INVALID_ARGUMENT naming the path of the bad value.
 */
export function fromPlain(plain: PlainMessage, type: PbType, path = ''): ProtoMessage {
  const out: ProtoMessage = {};
  for (const [key, value] of Object.entries(plain)) {
    if (value === undefined) continue;
    const fieldPath = path === '' ? key : `${path}.${key}`;
    const field = Object.hasOwn(type.fields, key) ? type.fields[key] : undefined;
    if (field === undefined) throw mwError('MW_INVALID_ARGUMENT', `${typeName(type)} has no field '${fieldPath}'`);
    field.resolve();
    const convert = (v: unknown, at: string): unknown => convertField(field, v, at);
    if (field instanceof pb.MapField) {
      const map: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) map[k] = convert(v, `${fieldPath}[${k}]`);
      out[key] = map;
    } else if (field.repeated) {
      if (!Array.isArray(value)) throw mwError('MW_INVALID_ARGUMENT', `'${fieldPath}' is repeated: pass an array`);
      out[key] = value.map((v, i) => convert(v, `${fieldPath}[${i}]`));
    } else out[key] = convert(value, fieldPath);
  }
  return out;
}

function convertField(field: InstanceType<typeof pb.Field>, value: unknown, path: string): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof pb.Type) {
    if (typeof value !== 'object' || value === null) {
      throw mwError('MW_INVALID_ARGUMENT', `'${path}' must be an object (${typeName(resolved)})`);
    }
    return fromPlain(value as PlainMessage, resolved, path);
  }
  if (resolved instanceof pb.Enum) {
    if (typeof value === 'number') return value;
    const n = typeof value === 'string' ? resolved.values[value] : undefined;
    if (n === undefined || !Object.hasOwn(resolved.values, value as string)) {
      throw mwError('MW_INVALID_ARGUMENT', `'${path}': ${String(value)} is not a value of ${resolved.name}`);
    }
    return n;
  }
  if (SIXTY_FOUR_BIT.has(field.type)) {
    if (typeof value === 'bigint') return value;
    if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
    if (typeof value === 'string' && /^-?[0-9]+$/.test(value)) return BigInt(value);
    throw mwError('MW_INVALID_ARGUMENT', `'${path}' must be an integer (bigint, number or decimal string)`);
  }
  if (field.type === 'bytes' && typeof value === 'string') {
    const decoded = decodeBase64(value);
    if ('badIndex' in decoded) throw mwError('MW_INVALID_ARGUMENT', `'${path}' is not base64`);
    return decoded.bytes;
  }
  return value;
}
