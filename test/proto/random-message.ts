/**
 * Random valid messages for any type, built from reflection with a seeded generator:
 * required fields always set, at most one member per oneof, floats representable as
 * float32, 64-bit values as bigint over their whole range.
 */
import { type PbField, type PbType, pb } from '../../src/proto/schema.ts';

/** mulberry32: small, seeded, good enough for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;

function int(r: Rand, n: number): number {
  return Math.floor(r() * n);
}

function big64(r: Rand): bigint {
  const hi = BigInt(int(r, 2 ** 32));
  const lo = BigInt(int(r, 2 ** 32));
  const bits = [0n, 1n, 127n, 128n, 2n ** 63n - 1n, 2n ** 64n - 1n, 2n ** 63n];
  return r() < 0.3 ? bits[int(r, bits.length)]! : (hi << 32n) | lo;
}

const DOUBLES = [0, -0, 1, -1.5, 0.1, 1e21, 1e-7, 123456.789, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
const STRINGS = ['', 'a', 'root', 'slave(1)@10.0.0.2:5051', 'é ü "q" \\ \n\t', 'ports', '*'];

function scalar(r: Rand, type: string): unknown {
  switch (type) {
    case 'double':
      return r() < 0.5 ? DOUBLES[int(r, DOUBLES.length)] : (r() - 0.5) * 10 ** int(r, 12);
    case 'float':
      return Math.fround(r() < 0.5 ? DOUBLES[int(r, DOUBLES.length)]! : (r() - 0.5) * 1000);
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return int(r, 2 ** 32) - 2 ** 31;
    case 'uint32':
    case 'fixed32':
      return int(r, 2 ** 32);
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return BigInt.asIntN(64, big64(r));
    case 'uint64':
    case 'fixed64':
      return BigInt.asUintN(64, big64(r));
    case 'bool':
      return r() < 0.5;
    case 'string':
      return STRINGS[int(r, STRINGS.length)];
    case 'bytes': {
      const b = new Uint8Array(int(r, 20));
      for (let i = 0; i < b.length; i++) b[i] = int(r, 256);
      return b;
    }
    default:
      throw new Error(`no generator for ${type}`);
  }
}

function value(r: Rand, field: PbField, depth: number): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof pb.Type) return randomMessage(resolved, r, depth + 1);
  if (resolved instanceof pb.Enum) {
    const values = Object.values(resolved.values);
    return values[int(r, values.length)];
  }
  return scalar(r, field.type);
}

/** A random message of `type`; optional fields thin out with depth. */
export function randomMessage(type: PbType, r: Rand, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const usedOneofs = new Set<string>();
  for (const field of type.fieldsArray) {
    field.resolve();
    const oneof = field.partOf?.name;
    const p = depth >= 3 ? 0 : 0.5 / (depth + 1);
    if (!field.required && (r() >= p || (oneof !== undefined && usedOneofs.has(oneof)))) continue;
    if (oneof !== undefined) usedOneofs.add(oneof);
    if (field instanceof pb.MapField) {
      const map: Record<string, unknown> = {};
      const keyType = (field as unknown as { keyType: string }).keyType;
      for (let i = 0; i < 1 + int(r, 2); i++) {
        const k = scalar(r, keyType);
        map[String(k)] = value(r, field, depth);
      }
      out[field.name] = map;
    } else if (field.repeated) {
      const n = 1 + int(r, 2);
      out[field.name] = Array.from({ length: n }, () => value(r, field, depth));
    } else out[field.name] = value(r, field, depth);
  }
  return out;
}
