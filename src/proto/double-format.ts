/**
 * Doubles as Mesos writes them in JSON: RapidJSON's `Writer::Double`, which prints the
 * digits of the Grisu2 algorithm (Loitsch 2010, with 64-bit "do-it-yourself" floats) and
 * lays them out with RapidJSON's rules (wire-protocol.md 4.9).
 *
 * Grisu2 always round-trips but is neither always shortest nor always closest: checked
 * against RapidJSON, about a third of random bit patterns, most widened floats
 * (float 54.31: JS `54.310001373291016`, Mesos `54.310001373291019`) and a few short
 * decimals (`4.17588e21` -> `4.1758799999999999e21`) print differently from JavaScript's
 * `String(v)`, so the digits are computed here. Layout: integral values below 1e21 end in `.0`, exponents have
 * no `+` (`1e21`, `1.5e-7`), and fixed notation is used for 1e-6 <= |v| < 1e21, as in JS.
 */

const MASK64 = (1n << 64n) - 1n;
const HIDDEN_BIT = 1n << 52n;
const SIGNIFICAND_MASK = HIDDEN_BIT - 1n;
/** Exponent of the smallest cached power of ten; the table steps by 8 decimal exponents. */
const FIRST_CACHED_EXPONENT = -348;
const CACHED_POWER_STEP = 8;
const CACHED_POWER_COUNT = 87;
const POW10_32 = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

/** A 64-bit significand and a binary exponent: f * 2^e. */
interface DiyFp {
  f: bigint;
  e: number;
}

let cachedPowers: DiyFp[] | undefined;

/** 10^k for k = -348, -340, ..., 340, each as a normalized 64-bit significand rounded to nearest. */
function powersOfTen(): DiyFp[] {
  if (cachedPowers !== undefined) return cachedPowers;
  const table: DiyFp[] = [];
  for (let i = 0; i < CACHED_POWER_COUNT; i++) {
    const k = FIRST_CACHED_EXPONENT + i * CACHED_POWER_STEP;
    let f: bigint;
    let e: number;
    if (k >= 0) {
      const n = 10n ** BigInt(k);
      const bits = n.toString(2).length;
      if (bits > 64) {
        const shift = BigInt(bits - 64);
        f = (n + (1n << (shift - 1n))) >> shift;
        e = bits - 64;
      } else {
        f = n << BigInt(64 - bits);
        e = bits - 64;
      }
    } else {
      const d = 10n ** BigInt(-k);
      const s = 63 + d.toString(2).length;
      f = ((1n << BigInt(s)) + d / 2n) / d;
      e = -s;
    }
    if (f > MASK64) {
      f >>= 1n;
      e += 1;
    }
    table.push({ f, e });
  }
  cachedPowers = table;
  return table;
}

/** The upper 64 bits of the 128-bit product, rounded (the exponents add up, plus 64). */
function multiply(a: DiyFp, b: DiyFp): DiyFp {
  return { f: (a.f * b.f + (1n << 63n)) >> 64n, e: a.e + b.e + 64 };
}

function normalize(x: DiyFp): DiyFp {
  const shift = 64 - x.f.toString(2).length;
  return { f: (x.f << BigInt(shift)) & MASK64, e: x.e - shift };
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/**
 * Grisu2 digits of a finite positive double: the digit string and the decimal exponent K
 * such that the value is digits * 10^K.
 */
function grisu2(value: number): { digits: string; k: number } {
  f64[0] = value;
  const bits = u64[0]!;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const significand = bits & SIGNIFICAND_MASK;
  const v: DiyFp = biased !== 0 ? { f: significand + HIDDEN_BIT, e: biased - 1075 } : { f: significand, e: -1074 };

  // Boundaries halfway to the neighbouring doubles, on a common exponent.
  const plus = normalize({ f: (v.f << 1n) + 1n, e: v.e - 1 });
  const minus: DiyFp = v.f === HIDDEN_BIT ? { f: (v.f << 2n) - 1n, e: v.e - 2 } : { f: (v.f << 1n) - 1n, e: v.e - 1 };
  minus.f <<= BigInt(minus.e - plus.e);
  minus.e = plus.e;

  // A cached power c = 10^-K brings the scaled exponent into [-60, -32].
  const dk = (-61 - plus.e) * 0.30102999566398114 + 347;
  let ki = Math.trunc(dk);
  if (dk - ki > 0) ki++;
  const index = (ki >> 3) + 1;
  const c = powersOfTen()[index]!;
  let k = -(FIRST_CACHED_EXPONENT + index * CACHED_POWER_STEP);

  const w = multiply(normalize(v), c);
  const wPlus = multiply(plus, c);
  const wMinus = multiply(minus, c);
  wPlus.f -= 1n; // stay inside the rounding uncertainty of the products
  wMinus.f += 1n;
  let delta = wPlus.f - wMinus.f;

  const shift = BigInt(-wPlus.e);
  const one = 1n << shift;
  const distance = wPlus.f - w.f; // from the upper bound down to the value
  let p1 = Number(wPlus.f >> shift);
  let p2 = wPlus.f & (one - 1n);
  let kappa = p1 < 10 ? 1 : String(p1).length;
  let digits = '';

  while (kappa > 0) {
    const unit = POW10_32[kappa - 1]!;
    const d = Math.floor(p1 / unit);
    p1 %= unit;
    if (d !== 0 || digits.length > 0) digits += String.fromCharCode(48 + d);
    kappa--;
    const rest = (BigInt(p1) << shift) + p2;
    if (rest <= delta) {
      k += kappa;
      return { digits: roundDown(digits, delta, rest, BigInt(POW10_32[kappa]!) << shift, distance), k };
    }
  }
  for (;;) {
    p2 *= 10n;
    delta *= 10n;
    const d = Number(p2 >> shift);
    if (d !== 0 || digits.length > 0) digits += String.fromCharCode(48 + d);
    p2 &= one - 1n;
    kappa--;
    if (p2 < delta) {
      k += kappa;
      const scale = -kappa < 9 ? BigInt(POW10_32[-kappa]!) : 0n;
      return { digits: roundDown(digits, delta, p2, one, (distance * scale) & MASK64), k };
    }
  }
}

/**
 * Moves the last digit down while the candidate stays inside the interval and gets closer
 * to the value (Grisu's "weeding").
 */
function roundDown(digits: string, delta: bigint, rest: bigint, tenKappa: bigint, distance: bigint): string {
  let last = digits.charCodeAt(digits.length - 1);
  let r = rest;
  while (r < distance && delta - r >= tenKappa && (r + tenKappa < distance || distance - r > r + tenKappa - distance)) {
    last--;
    r += tenKappa;
  }
  return digits.slice(0, -1) + String.fromCharCode(last);
}

/** RapidJSON's layout of `digits` * 10^k (no sign). */
function layout(digits: string, k: number): string {
  const length = digits.length;
  const kk = length + k; // 10^(kk-1) <= v < 10^kk
  if (k >= 0 && kk <= 21) return `${digits}${'0'.repeat(k)}.0`;
  if (kk > 0 && kk <= 21) return `${digits.slice(0, kk)}.${digits.slice(kk)}`;
  if (kk > -6 && kk <= 0) return `0.${'0'.repeat(-kk)}${digits}`;
  const exponent = `e${kk - 1}`;
  return length === 1 ? `${digits}${exponent}` : `${digits[0]}.${digits.slice(1)}${exponent}`;
}

/** Recent non-integral values and their text (Mesos traffic repeats values like 0.1 cpus). */
const recent = new Map<number, string>();
const RECENT_MAX = 4096;

/**
 * A double as Mesos writes it: Grisu2 digits in RapidJSON's layout, `.0` on integral
 * values, `-0.0`, the strings `"Infinity"`/`"-Infinity"` and the bare token `NaN`.
 * Non-integral values cost a few microseconds (64-bit arithmetic in bigint); recent
 * ones are remembered.
 */
export function formatDouble(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '"Infinity"';
  if (v === Number.NEGATIVE_INFINITY) return '"-Infinity"';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  // An integer below 2^53 is its own shortest form and sits mid-interval, where Grisu2 agrees.
  if (Number.isSafeInteger(v)) return `${v}.0`;
  let text = recent.get(v);
  if (text === undefined) {
    const { digits, k } = grisu2(Math.abs(v));
    text = v < 0 ? `-${layout(digits, k)}` : layout(digits, k);
    if (recent.size >= RECENT_MAX) recent.clear();
    recent.set(v, text);
  }
  return text;
}
