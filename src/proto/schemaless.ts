/**
 * Schema-less protobuf decoding: what a body says without knowing its type.
 *
 * Used for unknown message names, for bodies that fail to decode with their schema,
 * and for unknown fields. It never throws on bad input: it returns every field it
 * could read plus an error record (with the absolute offset) for the first problem.
 */
import { type MesosWireError, mwError } from '../errors.ts';

/** Protobuf wire types (the low 3 bits of a tag). */
export const WIRE_TYPE = {
  VARINT: 0,
  I64: 1,
  LEN: 2,
  SGROUP: 3,
  EGROUP: 4,
  I32: 5,
} as const;

/** Names of wire types, for rendering. */
export const WIRE_TYPE_NAMES: readonly string[] = ['varint', 'i64', 'len', 'sgroup', 'egroup', 'i32'];

interface FieldCommon {
  /** Field number from the tag. */
  number: number;
  /** Absolute offset of the tag's first byte. */
  offset: number;
  /** Total bytes of the field: tag, length prefix (if any) and value. */
  length: number;
  /** Absolute offset of the value's first byte (after the tag and any length prefix). */
  valueOffset: number;
}

/** A varint field; `value` is the raw unsigned 64-bit value. */
export interface SchemalessVarint extends FieldCommon {
  wireType: 0;
  value: bigint;
}

/** A fixed 64-bit field: the raw unsigned value and its reading as a double. */
export interface SchemalessI64 extends FieldCommon {
  wireType: 1;
  value: bigint;
  double: number;
}

/**
 * A length-delimited field. `message` is set when the bytes parse completely as a
 * (non-empty) protobuf message; `text` when they are valid, printable UTF-8. Both
 * may be set: the bytes alone cannot tell a string from a message.
 */
export interface SchemalessLen extends FieldCommon {
  wireType: 2;
  value: Uint8Array;
  message?: SchemalessField[];
  text?: string;
}

/** A (deprecated) group: the fields between its start and end tags. */
export interface SchemalessGroup extends FieldCommon {
  wireType: 3;
  fields: SchemalessField[];
}

/** A fixed 32-bit field: the raw unsigned value and its reading as a float. */
export interface SchemalessI32 extends FieldCommon {
  wireType: 5;
  value: number;
  float: number;
}

/** One field read without a schema; discriminated on `wireType`. */
export type SchemalessField = SchemalessVarint | SchemalessI64 | SchemalessLen | SchemalessGroup | SchemalessI32;

/** What `decodeSchemaless` read. */
export interface SchemalessResult {
  /** Every field read before the first problem (all of them when `error` is unset). */
  fields: SchemalessField[];
  /** The first problem (MW_PROTO_DECODE or MW_PROTO_TOO_DEEP), with its absolute offset. */
  error?: MesosWireError;
}

/** The little-endian unsigned 32-bit value at `pos`. */
function uint32At(bytes: Uint8Array, pos: number): number {
  return (bytes[pos]! | (bytes[pos + 1]! << 8) | (bytes[pos + 2]! << 16) | (bytes[pos + 3]! << 24)) >>> 0;
}

/** Options of `decodeSchemaless`. */
export interface SchemalessOptions {
  /** Absolute offset of `bytes[0]` in the enclosing stream (default 0). */
  baseOffset?: number;
  /**
   * How deep nested guesses and groups may go (default 32). Length-delimited values
   * below this depth are not tried as messages; groups below it are an error.
   */
  maxDepth?: number;
  /** Try length-delimited values as nested messages and as text (default true). */
  guessNested?: boolean;
}

/** Default nesting depth of schema-less decoding. */
export const SCHEMALESS_MAX_DEPTH_DEFAULT = 32;

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const f32 = new Float32Array(1);
const f32Bytes = new Uint8Array(f32.buffer);

/** Thrown internally and turned into the result's error record. */
class Stop {
  readonly error: MesosWireError;
  constructor(error: MesosWireError) {
    this.error = error;
  }
}

interface Cursor {
  bytes: Uint8Array;
  pos: number;
  base: number;
  maxDepth: number;
  guess: boolean;
}

function fail(
  cur: Cursor,
  at: number,
  message: string,
  code: 'MW_PROTO_DECODE' | 'MW_PROTO_TOO_DEEP' = 'MW_PROTO_DECODE',
) {
  return new Stop(mwError(code, message, { offset: cur.base + at }));
}

/** Reads a varint at cur.pos into a bigint; at most 10 bytes. */
function readVarint(cur: Cursor, end: number): bigint {
  const start = cur.pos;
  const b = cur.bytes;
  // Fast path: up to 4 bytes fit a small integer.
  let small = 0;
  for (let i = 0; i < 4; i++) {
    if (cur.pos >= end) throw fail(cur, start, 'varint is truncated');
    const byte = b[cur.pos++]!;
    small |= (byte & 0x7f) << (7 * i);
    if (byte < 0x80) return BigInt(small >>> 0);
  }
  let value = BigInt(small >>> 0);
  for (let i = 4; i < 10; i++) {
    if (cur.pos >= end) throw fail(cur, start, 'varint is truncated');
    const byte = b[cur.pos++]!;
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if (byte < 0x80) return BigInt.asUintN(64, value);
  }
  throw fail(cur, start, 'varint is longer than 10 bytes');
}

/** Reads a varint that must fit 32 bits (tags, lengths). */
function readVarint32(cur: Cursor, end: number, what: string): number {
  const start = cur.pos;
  const v = readVarint(cur, end);
  if (v > 0xffffffffn) throw fail(cur, start, `${what} does not fit 32 bits`);
  return Number(v);
}

/** Number and absolute offsets of a field whose value was just read (the cursor is past it). */
function placed(cur: Cursor, number: number, tagAt: number, valueAt: number) {
  return { number, offset: cur.base + tagAt, length: cur.pos - tagAt, valueOffset: cur.base + valueAt };
}

function readFields(cur: Cursor, end: number, depth: number, group: number, out: SchemalessField[]): void {
  while (cur.pos < end) {
    const tagAt = cur.pos;
    const tag = readVarint32(cur, end, 'tag');
    const number = tag >>> 3;
    const wireType = tag & 7;
    if (number === 0) throw fail(cur, tagAt, 'field number 0 is not allowed');
    switch (wireType) {
      case WIRE_TYPE.VARINT: {
        const valueAt = cur.pos;
        const value = readVarint(cur, end);
        out.push({ ...placed(cur, number, tagAt, valueAt), wireType, value });
        break;
      }
      case WIRE_TYPE.I64: {
        const valueAt = cur.pos;
        if (end - cur.pos < 8) throw fail(cur, tagAt, `fixed64 field ${number} is truncated`);
        for (let i = 0; i < 8; i++) f64Bytes[i] = cur.bytes[cur.pos + i]!;
        const lo = BigInt(uint32At(cur.bytes, cur.pos));
        const hi = BigInt(uint32At(cur.bytes, cur.pos + 4));
        cur.pos += 8;
        out.push({ ...placed(cur, number, tagAt, valueAt), wireType, value: (hi << 32n) | lo, double: f64[0]! });
        break;
      }
      case WIRE_TYPE.LEN: {
        const lenAt = cur.pos;
        const len = readVarint32(cur, end, 'length');
        const valueAt = cur.pos;
        if (len > end - cur.pos) {
          throw fail(cur, lenAt, `field ${number} declares ${len} bytes but only ${end - cur.pos} remain`);
        }
        const value = cur.bytes.subarray(cur.pos, cur.pos + len);
        cur.pos += len;
        const field: SchemalessLen = { ...placed(cur, number, tagAt, valueAt), wireType, value };
        if (cur.guess) guessNested(cur, field, depth);
        out.push(field);
        break;
      }
      case WIRE_TYPE.SGROUP: {
        if (depth >= cur.maxDepth)
          throw fail(cur, tagAt, `groups nest deeper than ${cur.maxDepth}`, 'MW_PROTO_TOO_DEEP');
        const valueAt = cur.pos;
        const fields: SchemalessField[] = [];
        const record: SchemalessGroup = {
          number,
          wireType,
          offset: cur.base + tagAt,
          length: 0,
          valueOffset: cur.base + valueAt,
          fields,
        };
        // Push first so that a failure inside the group still shows what was read.
        out.push(record);
        try {
          readFields(cur, end, depth + 1, number, fields);
        } finally {
          record.length = cur.pos - tagAt;
        }
        break;
      }
      case WIRE_TYPE.EGROUP: {
        if (group !== number) {
          throw fail(
            cur,
            tagAt,
            group === 0
              ? `end-group tag for field ${number} without a start`
              : 'end-group tag does not match its start',
          );
        }
        return;
      }
      case WIRE_TYPE.I32: {
        const valueAt = cur.pos;
        if (end - cur.pos < 4) throw fail(cur, tagAt, `fixed32 field ${number} is truncated`);
        for (let i = 0; i < 4; i++) f32Bytes[i] = cur.bytes[cur.pos + i]!;
        const value = uint32At(cur.bytes, cur.pos);
        cur.pos += 4;
        out.push({ ...placed(cur, number, tagAt, valueAt), wireType, value, float: f32[0]! });
        break;
      }
      default:
        throw fail(cur, tagAt, `invalid wire type ${wireType}`);
    }
  }
  if (group !== 0) throw fail(cur, cur.pos, `group ${group} has no end tag`);
}

function guessNested(cur: Cursor, field: SchemalessLen, depth: number): void {
  const bytes = field.value;
  if (bytes.length > 0 && depth + 1 < cur.maxDepth) {
    const inner: Cursor = { bytes, pos: 0, base: field.valueOffset, maxDepth: cur.maxDepth, guess: true };
    const fields: SchemalessField[] = [];
    try {
      readFields(inner, bytes.length, depth + 1, 0, fields);
      field.message = fields;
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
    }
  }
  const text = printableText(bytes);
  if (text !== undefined) field.text = text;
}

/** The bytes as text when they are valid UTF-8 without control characters (tab, LF, CR allowed). */
export function printableText(bytes: Uint8Array): string | undefined {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) return undefined;
  }
  try {
    return utf8Fatal.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Decodes protobuf bytes without a schema. Never throws on bad input: returns the
 * fields read before the first problem and an error record for it.
 */
export function decodeSchemaless(bytes: Uint8Array, options: SchemalessOptions = {}): SchemalessResult {
  const cur: Cursor = {
    bytes,
    pos: 0,
    base: options.baseOffset ?? 0,
    maxDepth: options.maxDepth ?? SCHEMALESS_MAX_DEPTH_DEFAULT,
    guess: options.guessNested ?? true,
  };
  const fields: SchemalessField[] = [];
  try {
    readFields(cur, bytes.length, 0, 0, fields);
    return { fields };
  } catch (e) {
    if (e instanceof Stop) return { fields, error: e.error };
    throw e;
  }
}

/** Signed reading of a varint's raw value (int32/int64 fields). */
export function varintAsSigned(value: bigint): bigint {
  return BigInt.asIntN(64, value);
}

/** ZigZag reading of a varint's raw value (sint32/sint64 fields). */
export function varintAsZigZag(value: bigint): bigint {
  return (value >> 1n) ^ -(value & 1n);
}
