import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CaptureTimestamp, isoTimeOrNull, timeMillis, timestampFromUnits, UNKNOWN_TIME } from '../../src/pcap/index.ts';

const iso = (high: number, low: number, binary: boolean, exponent: number, offset = 0) =>
  timestampFromUnits(high, low, { binary, exponent }, offset).toISOString();

/** 64-bit units split into the two 32-bit words pcapng stores. */
const split = (units: bigint): [number, number] => [Number(units >> 32n), Number(units & 0xffffffffn)];

describe('capture timestamps', () => {
  it('decimal resolutions keep exactly their digits', () => {
    const s = 1795813200n;
    assert.equal(iso(...split(s * 1_000_000n + 7n), false, 6), '2026-11-27T21:00:00.000007Z');
    assert.equal(iso(...split(s * 1_000_000_000n + 999_999_999n), false, 9), '2026-11-27T21:00:00.999999999Z');
    assert.equal(iso(...split(s * 1000n + 5n), false, 3), '2026-11-27T21:00:00.005Z');
    assert.equal(iso(...split(s), false, 0), '2026-11-27T21:00:00Z');
    // Picoseconds: beyond nanoseconds, the exact digits are kept as text.
    const pico = timestampFromUnits(...split(s * 10n ** 12n + 123_456_789_012n), { binary: false, exponent: 12 }, 0);
    assert.equal(pico.toISOString(), '2026-11-27T21:00:00.123456789012Z');
    assert.equal(pico.nanos, 123456789);
  });

  it('binary resolutions are truncated to nanoseconds', () => {
    const s = 1795813200n;
    assert.equal(iso(...split(s * 1048576n + 1n), true, 20), '2026-11-27T21:00:00.000000953Z');
    assert.equal(iso(...split(s * 1048576n + 524288n), true, 20), '2026-11-27T21:00:00.500000000Z');
    // 2^-30 needs the bigint path.
    assert.equal(iso(...split(s * 2n ** 30n + 2n ** 29n), true, 30), '2026-11-27T21:00:00.500000000Z');
  });

  it('if_tsoffset adds seconds, also negative ones', () => {
    assert.equal(iso(0, 1, false, 6, 3600), '1970-01-01T01:00:00.000001Z');
    assert.equal(iso(0, 1, false, 6, -1), '1969-12-31T23:59:59.000001Z');
  });

  it('values beyond 2^53 units take the bigint path and stay exact', () => {
    const units = 0xffffffffffffffffn;
    const t = timestampFromUnits(...split(units), { binary: false, exponent: 9 }, 0);
    assert.equal(t.seconds, 18446744073);
    assert.equal(t.nanos, 709551615);
    assert.equal(t.toISOString(), '2554-07-21T23:34:33.709551615Z');
    const micro = timestampFromUnits(...split(units), { binary: false, exponent: 0 }, 0);
    assert.equal(micro.seconds, 18446744073709551615n);
    assert.equal(micro.toISOString(), '@18446744073709551615');
  });

  it('formats far years in ISO 8601 expanded form', () => {
    assert.equal(new CaptureTimestamp(253402300800, 0, 0).toISOString(), '+010000-01-01T00:00:00Z');
    assert.equal(new CaptureTimestamp(-62135596801, 0, 0).toISOString(), '0000-12-31T23:59:59Z');
    assert.equal(new CaptureTimestamp(951782400, 0, 0).toISOString(), '2000-02-29T00:00:00Z');
    assert.equal(JSON.stringify({ t: new CaptureTimestamp(0, 1000, 6) }), '{"t":"1970-01-01T00:00:00.000001Z"}');
  });

  it('agrees with Date for whole milliseconds over a range of days', () => {
    for (let seconds = -5e9; seconds < 5e9; seconds += 86_399_937) {
      const expected = new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
      assert.equal(new CaptureTimestamp(seconds, 0, 0).toISOString(), expected);
    }
  });

  it('any time and precision, alone or after others of the same second: Date text plus the truncated nanoseconds', () => {
    const time = fc.record({
      seconds: fc.integer({ min: 0, max: 253_402_300_799 }), // years 1970-9999, where Date writes 4-digit years
      nanos: fc.integer({ min: 0, max: 999_999_999 }),
      digits: fc.integer({ min: 0, max: 9 }),
    });
    fc.assert(
      fc.property(fc.array(time, { minLength: 1, maxLength: 8 }), fc.boolean(), (times, sameSecond) => {
        for (const t of times) {
          const seconds = sameSecond ? times[0]!.seconds : t.seconds;
          const date = new Date(seconds * 1000).toISOString().slice(0, 19);
          const fraction = String(t.nanos).padStart(9, '0').slice(0, t.digits);
          const expected = t.digits === 0 ? `${date}Z` : `${date}.${fraction}Z`;
          assert.equal(new CaptureTimestamp(seconds, t.nanos, t.digits).toISOString(), expected);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('UNKNOWN_TIME: not known, no ISO text, null in JSON and for isoTimeOrNull, no milliseconds', () => {
    assert.equal(UNKNOWN_TIME.known, false);
    assert.equal(UNKNOWN_TIME.toISOString(), '');
    assert.equal(JSON.stringify({ t: UNKNOWN_TIME }), '{"t":null}');
    assert.equal(isoTimeOrNull(UNKNOWN_TIME), null);
    assert.equal(isoTimeOrNull(undefined), null);
    assert.equal(timeMillis(UNKNOWN_TIME), undefined);
    const known = new CaptureTimestamp(1, 500_000_000, 3);
    assert.equal(known.known, true);
    assert.equal(isoTimeOrNull(known), '1970-01-01T00:00:01.500Z');
    assert.equal(timeMillis(known), 1500);
  });
});
