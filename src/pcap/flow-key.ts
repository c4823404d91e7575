/**
 * Flow ids: `ip:port>ip:port`, source first, IPv6 addresses in brackets
 * (`[::1]:5050>[::1]:41234`), as in the ndjson `flow` field.
 */

/** `ip:port`, or `[ipv6]:port`. */
export function formatEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** `source>destination` for one direction of a TCP connection. */
export function formatFlowId(sourceAddress: string, sourcePort: number, destAddress: string, destPort: number): string {
  return `${formatEndpoint(sourceAddress, sourcePort)}>${formatEndpoint(destAddress, destPort)}`;
}

/** The id of the opposite direction: `a>b` becomes `b>a`. */
export function reverseFlowId(flow: string): string {
  const at = flow.indexOf('>');
  return `${flow.slice(at + 1)}>${flow.slice(0, at)}`;
}

/**
 * An address as the flow tables key it: an IPv4 address as an unsigned 32-bit number (no text per packet), any other
 * address (IPv6, or text that is not a canonical dotted quad) as its text.
 */
export type AddressKey = number | string;

const DOTTED_QUAD = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/** The key of an address given as text: canonical dotted quads become the number a decoded IPv4 header yields. */
export function addressKeyOfText(text: string): AddressKey {
  const quad = DOTTED_QUAD.exec(text);
  if (quad === null) return text;
  const a = Number(quad[1]);
  const b = Number(quad[2]);
  const c = Number(quad[3]);
  const d = Number(quad[4]);
  if (a > 255 || b > 255 || c > 255 || d > 255) return text;
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function addressHash(address: AddressKey): number {
  if (typeof address === 'number') return address | 0;
  let hash = 0;
  for (let i = 0; i < address.length; i++) hash = (Math.imul(hash, 31) + address.charCodeAt(i)) | 0;
  return hash;
}

/** A 30-bit hash of a direction's 4-tuple (a small integer, so Map keys need no boxing). */
function flowHash(source: AddressKey, sourcePort: number, destination: AddressKey, destinationPort: number): number {
  let h = Math.imul(addressHash(source) ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ addressHash(destination), 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ ((sourcePort << 16) | destinationPort), 0x27d4eb2f);
  return (h ^ (h >>> 15)) & 0x3fffffff;
}

interface FlowEntry<V> {
  readonly source: AddressKey;
  readonly sourcePort: number;
  readonly destination: AddressKey;
  readonly destinationPort: number;
  value: V;
  /** Next entry with the same hash. */
  chained: FlowEntry<V> | undefined;
  /** Insertion order. */
  older: FlowEntry<V> | undefined;
  newer: FlowEntry<V> | undefined;
}

/**
 * A Map keyed by one direction's 4-tuple (source, source port, destination, destination port) that finds an entry
 * without building a key string per packet: entries are chained under a 30-bit hash and compared field by field.
 * It keeps Map's semantics where callers rely on them: iteration and `oldest` follow first insertion, and `set` on a
 * present key replaces the value in place.
 */
export class FlowMap<V> {
  private readonly buckets = new Map<number, FlowEntry<V>>();
  private oldestEntry: FlowEntry<V> | undefined;
  private newestEntry: FlowEntry<V> | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(source: AddressKey, sourcePort: number, destination: AddressKey, destinationPort: number): V | undefined {
    return this.find(source, sourcePort, destination, destinationPort)?.value;
  }

  set(source: AddressKey, sourcePort: number, destination: AddressKey, destinationPort: number, value: V): void {
    const found = this.find(source, sourcePort, destination, destinationPort);
    if (found !== undefined) {
      found.value = value;
      return;
    }
    const hash = flowHash(source, sourcePort, destination, destinationPort);
    const entry: FlowEntry<V> = {
      source,
      sourcePort,
      destination,
      destinationPort,
      value,
      chained: this.buckets.get(hash),
      older: this.newestEntry,
      newer: undefined,
    };
    this.buckets.set(hash, entry);
    if (this.newestEntry === undefined) this.oldestEntry = entry;
    else this.newestEntry.newer = entry;
    this.newestEntry = entry;
    this.count++;
  }

  delete(source: AddressKey, sourcePort: number, destination: AddressKey, destinationPort: number): boolean {
    const hash = flowHash(source, sourcePort, destination, destinationPort);
    let previous: FlowEntry<V> | undefined;
    for (let entry = this.buckets.get(hash); entry !== undefined; entry = entry.chained) {
      if (matches(entry, source, sourcePort, destination, destinationPort)) {
        if (previous !== undefined) previous.chained = entry.chained;
        else if (entry.chained !== undefined) this.buckets.set(hash, entry.chained);
        else this.buckets.delete(hash);
        if (entry.older !== undefined) entry.older.newer = entry.newer;
        else this.oldestEntry = entry.newer;
        if (entry.newer !== undefined) entry.newer.older = entry.older;
        else this.newestEntry = entry.older;
        this.count--;
        return true;
      }
      previous = entry;
    }
    return false;
  }

  /** The value inserted first among those present. */
  oldest(): V | undefined {
    return this.oldestEntry?.value;
  }

  /** Deletes the entry inserted first. */
  deleteOldest(): void {
    const entry = this.oldestEntry;
    if (entry !== undefined) this.delete(entry.source, entry.sourcePort, entry.destination, entry.destinationPort);
  }

  /** Values in insertion order. */
  *values(): Generator<V> {
    for (let entry = this.oldestEntry; entry !== undefined; entry = entry.newer) yield entry.value;
  }

  private find(
    source: AddressKey,
    sourcePort: number,
    destination: AddressKey,
    destinationPort: number,
  ): FlowEntry<V> | undefined {
    let entry = this.buckets.get(flowHash(source, sourcePort, destination, destinationPort));
    while (entry !== undefined && !matches(entry, source, sourcePort, destination, destinationPort)) {
      entry = entry.chained;
    }
    return entry;
  }
}

function matches<V>(
  entry: FlowEntry<V>,
  source: AddressKey,
  sourcePort: number,
  destination: AddressKey,
  destinationPort: number,
): boolean {
  return (
    entry.sourcePort === sourcePort &&
    entry.destinationPort === destinationPort &&
    entry.source === source &&
    entry.destination === destination
  );
}
