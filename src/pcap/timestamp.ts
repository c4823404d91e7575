/**
 * An exact capture timestamp: whole seconds since the Unix epoch plus nanoseconds,
 * and the number of fraction digits the capture really has (6 for microsecond pcap,
 * 9 for nanosecond pcap, the if_tsresol exponent for pcapng), so the ISO-8601 text
 * shows the capture's full precision and no invented digits.
 */
export class CaptureTimestamp {
  /** Whole seconds since 1970-01-01T00:00:00Z (a bigint only when beyond 2^53). */
  readonly seconds: number | bigint;
  /** Nanoseconds within the second, 0..999999999 (truncated when the resolution is finer). */
  readonly nanos: number;
  /** Fraction digits in the ISO text (0..9, or more for sub-nanosecond resolutions); -1 for UNKNOWN_TIME. */
  readonly digits: number;
  /** Exact fraction digits when `digits` > 9 (the nanos field cannot hold them). */
  readonly fineFraction: string | undefined;
  private iso: string | undefined;

  constructor(seconds: number | bigint, nanos: number, digits: number, fineFraction?: string) {
    this.seconds = seconds;
    this.nanos = nanos;
    this.digits = digits;
    this.fineFraction = fineFraction;
  }

  /** False for UNKNOWN_TIME: the packet's capture format records no time for it. */
  get known(): boolean {
    return this.digits >= 0;
  }

  /**
   * `2026-11-27T21:16:03.123456Z`, with exactly `digits` fraction digits. Computed once, on demand. The empty string
   * for UNKNOWN_TIME.
   */
  toISOString(): string {
    if (this.iso === undefined) {
      this.iso = this.known ? formatIsoTime(this.seconds, this.nanos, this.digits, this.fineFraction) : '';
    }
    return this.iso;
  }

  /** The ISO text; null for UNKNOWN_TIME (JSON output then says `"time":null`). */
  toJSON(): string | null {
    return this.known ? this.toISOString() : null;
  }
}

/**
 * The time of a packet whose capture format records none (a pcapng Simple Packet Block): not the epoch, which would
 * be a made-up time. `known` is false, `toJSON()` null, `toISOString()` empty.
 */
export const UNKNOWN_TIME = new CaptureTimestamp(0, 0, -1);

/** A time as JSON output writes it: ISO text, or null when absent or unknown. */
export function isoTimeOrNull(time: CaptureTimestamp | undefined): string | null {
  return time === undefined || !time.known ? null : time.toISOString();
}

/** Milliseconds since the epoch (enough precision for latencies), or undefined when the time is unknown. */
export function timeMillis(time: CaptureTimestamp): number | undefined {
  return time.known ? Number(time.seconds) * 1000 + time.nanos / 1e6 : undefined;
}

const SECONDS_PER_DAY = 86400;

/** Civil date from days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm), valid for any safe integer. */
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Powers of ten up to 10^9, for cutting nanoseconds to a number of fraction digits. */
const POWERS_OF_TEN = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/**
 * The date and time of day of the last whole second formatted (`2026-11-27T21:16:03`): packets come in time order, so
 * most times share it with the one before, and only their fraction is new.
 */
let lastSeconds = Number.NaN;
let lastSecondText = '';

function formatIsoTime(seconds: number | bigint, nanos: number, digits: number, fineFraction?: string): string {
  // Beyond 2^53 seconds a calendar date is meaningless: write @seconds.fraction, exact.
  if (typeof seconds === 'bigint') {
    return digits > 0 ? `@${seconds}.${fineFraction ?? pad(nanos, 9).slice(0, digits)}` : `@${seconds}`;
  }
  if (seconds !== lastSeconds) {
    lastSecondText = formatSecond(seconds);
    lastSeconds = seconds;
  }
  if (digits <= 0) return `${lastSecondText}Z`;
  // The first `digits` of the nine nanosecond digits (truncated, never rounded: no invented precision).
  const fraction =
    fineFraction ?? (digits >= 9 ? pad(nanos, 9) : pad(Math.floor(nanos / POWERS_OF_TEN[9 - digits]!), digits));
  return `${lastSecondText}.${fraction}Z`;
}

/** `YYYY-MM-DDTHH:MM:SS` of a whole second since the epoch (expanded years beyond 0000-9999). */
function formatSecond(seconds: number): string {
  const days = Math.floor(seconds / SECONDS_PER_DAY);
  const secondOfDay = seconds - days * SECONDS_PER_DAY;
  const [year, month, day] = civilFromDays(days);
  // ISO 8601 expanded years carry a sign and at least six digits.
  const yearText = year >= 0 && year <= 9999 ? pad(year, 4) : `${year < 0 ? '-' : '+'}${pad(Math.abs(year), 6)}`;
  const hh = Math.floor(secondOfDay / 3600);
  const mm = Math.floor((secondOfDay % 3600) / 60);
  const ss = secondOfDay % 60;
  return `${yearText}-${pad(month, 2)}-${pad(day, 2)}T${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}`;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_21 = 2097152;

/**
 * The resolution of a pcapng interface's timestamps (option if_tsresol): the most
 * significant bit clear means 10^-n seconds, set means 2^-n seconds.
 */
export interface TimestampResolution {
  /** true for 2^-exponent, false for 10^-exponent. */
  readonly binary: boolean;
  readonly exponent: number;
}

/** if_tsresol absent: microseconds. */
export const MICROSECOND_RESOLUTION: TimestampResolution = { binary: false, exponent: 6 };

/**
 * Converts a 64-bit pcapng timestamp (high and low 32-bit words, in units of the
 * interface's resolution) plus the interface's if_tsoffset (seconds) into an exact
 * CaptureTimestamp. Plain number arithmetic covers every realistic value; bigint is
 * used only when a product could pass 2^53.
 */
export function timestampFromUnits(
  high: number,
  low: number,
  resolution: TimestampResolution,
  offsetSeconds: number,
): CaptureTimestamp {
  const { binary, exponent } = resolution;
  if (high < TWO_POW_21) {
    const units = high * TWO_POW_32 + low;
    if (!binary && exponent <= 9) {
      const perSecond = 10 ** exponent;
      let seconds = Math.floor(units / perSecond);
      let rest = units - seconds * perSecond;
      // Float division may round across an integer; correct by one step.
      if (rest < 0) {
        seconds -= 1;
        rest += perSecond;
      } else if (rest >= perSecond) {
        seconds += 1;
        rest -= perSecond;
      }
      return new CaptureTimestamp(seconds + offsetSeconds, rest * 10 ** (9 - exponent), exponent);
    }
    if (binary && exponent <= 23) {
      const perSecond = 2 ** exponent;
      const seconds = Math.floor(units / perSecond);
      const rest = units - seconds * perSecond;
      return new CaptureTimestamp(seconds + offsetSeconds, Math.floor((rest * 1e9) / perSecond), 9);
    }
  }
  const units = (BigInt(high) << 32n) | BigInt(low);
  const perSecond = binary ? 1n << BigInt(exponent) : 10n ** BigInt(exponent);
  const wholeSeconds = units / perSecond + BigInt(offsetSeconds);
  const rest = units % perSecond;
  const seconds = wholeSeconds <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(wholeSeconds) : wholeSeconds;
  if (binary) return new CaptureTimestamp(seconds, Number((rest * 1_000_000_000n) / perSecond), 9);
  if (exponent <= 9) return new CaptureTimestamp(seconds, Number(rest) * 10 ** (9 - exponent), exponent);
  const nanos = Number(rest / 10n ** BigInt(exponent - 9));
  return new CaptureTimestamp(seconds, nanos, exponent, rest.toString().padStart(exponent, '0'));
}
