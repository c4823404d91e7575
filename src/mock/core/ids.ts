/**
 * Deterministic identifiers. Mesos draws the master id and status update uuids from a random UUID generator; the
 * simulation draws them from a seeded generator so that two runs with the same seed produce the same bytes.
 */

/** A small seeded PRNG (mulberry32): 32 random bits per call. */
export class SeededRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Next 32-bit unsigned value. */
  nextUint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** 16 bytes laid out as a version-4, RFC 4122 variant UUID (what `id::UUID::random()` yields). */
  uuidBytes(): Uint8Array {
    const out = new Uint8Array(16);
    for (let i = 0; i < 16; i += 4) {
      const v = this.nextUint32();
      out[i] = v & 0xff;
      out[i + 1] = (v >>> 8) & 0xff;
      out[i + 2] = (v >>> 16) & 0xff;
      out[i + 3] = v >>> 24;
    }
    out[6] = (out[6]! & 0x0f) | 0x40;
    out[8] = (out[8]! & 0x3f) | 0x80;
    return out;
  }
}

/** The canonical 36-character text of a 16-byte UUID. */
export function formatUuid(bytes: Uint8Array): string {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Byte-wise equality of two uuids. */
export function uuidEquals(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Framework id as the master formats it: `<master-id>-<4-digit counter>` (`Master::newFrameworkId`). */
export function formatFrameworkId(masterId: string, n: number): string {
  return `${masterId}-${String(n).padStart(4, '0')}`;
}

/** Offer id: `<master-id>-O<n>` (`Master::newOfferId`). */
export function formatOfferId(masterId: string, n: number): string {
  return `${masterId}-O${n}`;
}

/** Agent id: `<master-id>-S<n>` (`Master::newSlaveId`). */
export function formatAgentId(masterId: string, n: number): string {
  return `${masterId}-S${n}`;
}

/** `MasterInfo.ip`: the IPv4 address in network byte order read as a little-endian uint32 (127.0.0.1 -> 16777343). */
export function masterInfoIp(ipv4: string): number {
  const parts = ipv4.split('.').map((p) => Number.parseInt(p, 10));
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) return 0;
  return (parts[0]! | (parts[1]! << 8) | (parts[2]! << 16) | (parts[3]! << 24)) >>> 0;
}
