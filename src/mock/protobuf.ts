/**
 * Protobuf bodies <-> the plain objects of the simulation core (snake_case field names, enum NAMES, 64-bit integers
 * as numbers, bytes as Uint8Array). protobufjs' own `toObject` cannot read the bigint 64-bit values our decoder
 * produces, hence this small reflection walk.
 */
import { mwError } from '../errors.ts';
import { decodeWithType, type ProtoMessage } from '../proto/decode.ts';
import { encodeMessage } from '../proto/json-read.ts';
import { lookupWireName } from '../proto/registry.ts';
import { findType, getDefaultRoot, type PbType, pb } from '../proto/schema.ts';

/** A plain message: field name -> value. */
export type PlainMessage = Record<string, unknown>;

type FieldKind = 'enum' | 'message' | 'long' | 'other';

interface FieldPlan {
  name: string;
  repeated: boolean;
  map: boolean;
  kind: FieldKind;
  enumNames?: Record<number, string>;
  messageType?: PbType;
}

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const plans = new WeakMap<PbType, FieldPlan[]>();

function planOf(type: PbType): FieldPlan[] {
  let plan = plans.get(type);
  if (plan !== undefined) return plan;
  plan = type.fieldsArray.map((field) => {
    field.resolve();
    const resolved = field.resolvedType;
    const entry: FieldPlan = {
      name: field.name,
      repeated: field.repeated,
      map: field instanceof pb.MapField,
      kind: 'other',
    };
    if (resolved instanceof pb.Enum) {
      entry.kind = 'enum';
      entry.enumNames = resolved.valuesById;
    } else if (resolved instanceof pb.Type) {
      entry.kind = 'message';
      entry.messageType = resolved;
    } else if (LONG_TYPES.has(field.type)) entry.kind = 'long';
    return entry;
  });
  plans.set(type, plan);
  return plan;
}

function plainValue(plan: FieldPlan, value: unknown): unknown {
  switch (plan.kind) {
    case 'enum':
      return typeof value === 'number' ? (plan.enumNames?.[value] ?? value) : value;
    case 'message':
      return toPlain(value as ProtoMessage, plan.messageType!);
    case 'long':
      return typeof value === 'bigint' ? Number(value) : value;
    default:
      return value;
  }
}

/** A decoded protobufjs message as a plain object (present fields only). */
export function toPlain(message: ProtoMessage, type: PbType): PlainMessage {
  const out: PlainMessage = {};
  for (const plan of planOf(type)) {
    // Absent fields read their defaults from the prototype: only own properties were on the wire.
    if (!Object.hasOwn(message, plan.name)) continue;
    const value = message[plan.name];
    if (value === undefined || value === null) continue;
    if (plan.map) {
      if (Object.keys(value as object).length > 0) out[plan.name] = value;
    } else if (plan.repeated) {
      const list = value as unknown[];
      if (list.length === 0) continue;
      out[plan.name] = list.map((v) => plainValue(plan, v));
    } else out[plan.name] = plainValue(plan, value);
  }
  return out;
}

/** The schema type of a libprocess message name or a type name. Throws MW_PROTO_UNKNOWN_TYPE. */
export function messageType(name: string): PbType {
  const info = lookupWireName(name);
  const type = info?.type ?? findType(getDefaultRoot(), name);
  if (type === undefined) throw mwError('MW_PROTO_UNKNOWN_TYPE', `no schema for message name ${name}`);
  return type;
}

/** Encodes a plain object as the protobuf body of `name` (enum names or numbers, Uint8Array bytes). */
export function encodePlain(name: string, plain: PlainMessage): Uint8Array {
  const type = messageType(name);
  return encodeMessage(type.fromObject(plain) as unknown as ProtoMessage, type);
}

/** Decodes the protobuf body of `name` into a plain object. Throws MW_PROTO_* errors. */
export function decodePlain(name: string, body: Uint8Array): PlainMessage {
  const type = messageType(name);
  return toPlain(decodeWithType(type, body), type);
}
