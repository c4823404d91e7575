/**
 * 64-bit integers as BigInt. protobufjs reads int64/uint64/sint64/fixed64/sfixed64 as
 * `Long` objects; mesos-wire's value type for them is `bigint` (exact, and printable as
 * exact decimal text). `BigIntReader` makes the generated decoders produce bigints
 * directly (no second walk); `BigIntWriter` lets the generated encoders take them.
 */
import { pb } from './schema.ts';

interface ReaderState {
  buf: Uint8Array;
  pos: number;
  len: number;
}

function outOfRange(r: ReaderState, need: number): RangeError {
  return new RangeError(`index out of range: ${r.pos} + ${need} > ${r.len}`);
}

/** Reads a varint as an unsigned 64-bit bigint (at most 10 bytes). */
function readVarint64(r: ReaderState): bigint {
  const buf = r.buf;
  const len = r.len;
  let pos = r.pos;
  let lo = 0;
  let b = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= len) throw outOfRange(r, 1);
    b = buf[pos++]!;
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) {
      r.pos = pos;
      return BigInt(lo >>> 0);
    }
  }
  if (pos >= len) throw outOfRange(r, 1);
  b = buf[pos++]!;
  lo |= (b & 0x7f) << 28;
  let hi = (b & 0x7f) >> 4;
  if (b >= 0x80) {
    for (let shift = 3; ; shift += 7) {
      if (shift > 31) throw new Error(`invalid varint encoding at offset ${r.pos}`);
      if (pos >= len) throw outOfRange(r, 1);
      b = buf[pos++]!;
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
  }
  r.pos = pos;
  hi >>>= 0;
  return hi === 0 ? BigInt(lo >>> 0) : (BigInt(hi) << 32n) | BigInt(lo >>> 0);
}

function readFixed64(r: ReaderState): bigint {
  if (r.pos + 8 > r.len) throw outOfRange(r, 8);
  const b = r.buf;
  const p = r.pos;
  const lo = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  const hi = (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) >>> 0;
  r.pos = p + 8;
  return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

const baseTag = pb.Reader.prototype.tag as (this: ReaderState) => number;

const readerMethods = {
  // Bytes fields are views of the input. For a plain Uint8Array the constructor makes the same view about twice as fast
  // as subarray(), which looks up a species constructor (Buffers keep subarray(), which gives a Buffer).
  raw(this: ReaderState, start: number, end: number): Uint8Array {
    const buf = this.buf;
    if (buf.constructor !== Uint8Array) return buf.subarray(start, end);
    return new Uint8Array(buf.buffer, buf.byteOffset + start, end - start);
  },
  // Field number 0 is never valid. protobufjs rejects it only in types that declare
  // fields (a field-less type hands skipType the whole tag), so check every tag here.
  tag(this: ReaderState): number {
    const at = this.pos;
    const t = baseTag.call(this);
    if (t < 8) {
      this.pos = at; // so the error's offset is the tag's
      throw new Error('illegal tag: field number 0');
    }
    return t;
  },
  uint64(this: ReaderState): bigint {
    return readVarint64(this);
  },
  int64(this: ReaderState): bigint {
    return BigInt.asIntN(64, readVarint64(this));
  },
  sint64(this: ReaderState): bigint {
    const u = readVarint64(this);
    return (u >> 1n) ^ -(u & 1n);
  },
  fixed64(this: ReaderState): bigint {
    return readFixed64(this);
  },
  sfixed64(this: ReaderState): bigint {
    return BigInt.asIntN(64, readFixed64(this));
  },
};

/** A protobufjs Reader whose 64-bit reads return bigint (see `createReader`). */
export type BigIntReader = InstanceType<typeof pb.Reader>;

function makeReaderClass(Base: typeof pb.Reader): new (buf: Uint8Array) => BigIntReader {
  const Sub = function (this: BigIntReader, buf: Uint8Array) {
    Base.call(this, buf);
  } as unknown as { prototype: object } & (new (buf: Uint8Array) => BigIntReader);
  Sub.prototype = Object.create(Base.prototype);
  Object.assign(Sub.prototype, readerMethods);
  return Sub;
}

const ReaderWithBigInt = makeReaderClass(pb.Reader);

/**
 * A reader for `bytes` whose 64-bit reads return bigint and which keeps unknown
 * fields (`$unknowns` on each decoded message). Buffers get the plain Reader too:
 * its JS UTF-8 decoding beats BufferReader's native `utf8Slice` call on the short
 * strings Mesos messages are made of (1.5x on bench/proto-corpus.ts), and it hands
 * long strings to TextDecoder anyway.
 */
export function createReader(bytes: Uint8Array): BigIntReader {
  const r = new ReaderWithBigInt(bytes);
  (r as unknown as { discardUnknown: boolean }).discardUnknown = false;
  return r;
}

/** Splits a 64-bit value (bigint, number, decimal string or Long) into Long-like bits. */
function toLongBits(value: unknown): unknown {
  if (typeof value === 'bigint') {
    const u = BigInt.asUintN(64, value);
    return { low: Number(u & 0xffffffffn) | 0, high: Number(u >> 32n) | 0, unsigned: false };
  }
  return value;
}

type WriterLike = InstanceType<typeof pb.Writer>;

const WriterWithBigInt = (() => {
  const Base = pb.Writer;
  const Sub = function (this: WriterLike) {
    Base.call(this);
  } as unknown as { prototype: Record<string, unknown> } & (new () => WriterLike);
  Sub.prototype = Object.create(Base.prototype);
  for (const name of ['uint64', 'int64', 'sint64', 'fixed64', 'sfixed64'] as const) {
    const base = Base.prototype[name] as (this: WriterLike, v: unknown) => WriterLike;
    Sub.prototype[name] = function (this: WriterLike, v: unknown) {
      return base.call(this, toLongBits(v));
    };
    // Packed repeated fields go through the plural writers, which do not call the singular ones.
    const plural = `${name}s` as const;
    const baseMany = (Base.prototype as unknown as Record<string, (this: WriterLike, v: unknown[]) => WriterLike>)[
      plural
    ]!;
    Sub.prototype[plural] = function (this: WriterLike, values: unknown[]) {
      return baseMany.call(this, values.map(toLongBits));
    };
  }
  return Sub;
})();

/** A protobufjs Writer whose 64-bit writes accept bigint as well as Long, number and string. */
export function createWriter(): WriterLike {
  return new WriterWithBigInt();
}

/** A 64-bit value of any protobufjs form (bigint, number, Long, decimal string) as bigint. */
export function toBigInt(value: unknown, unsigned = false): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  if (typeof value === 'string') return BigInt(value);
  if (typeof value === 'object' && value !== null && 'low' in value && 'high' in value) {
    const v = value as { low: number; high: number; unsigned?: boolean };
    const u = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
    return (v.unsigned ?? unsigned) ? u : BigInt.asIntN(64, u);
  }
  throw new TypeError(`not a 64-bit integer: ${String(value)}`);
}
