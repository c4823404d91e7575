import type { IpHeader } from './link/ip.ts';

/** Datagrams being reassembled at once; beyond it the oldest is dropped (its bytes then show up as a TCP gap). */
export const MAX_PENDING_DATAGRAMS_DEFAULT = 256;
/** IPv4 total length and IPv6 payload length are both 16-bit fields. */
const MAX_LENGTH_FIELD = 65535;
const IPV6_HEADER_BYTES = 40;
const IPV6_FRAGMENT_HEADER_BYTES = 8;
/** The one IPv6 extension header whose length counts 4-byte units (RFC 4302). */
const IPV6_AUTHENTICATION = 51;

interface PendingDatagram {
  /**
   * Header of the rebuilt packet, from the fragment at offset 0 once seen: the IPv4 header, or the IPv6
   * unfragmentable part (fixed header and the extension headers before the fragment header) with the Next Header
   * byte that named the fragment header already pointing past it.
   */
  header: Uint8Array | undefined;
  /**
   * Fragmentable-part bytes as [offset, bytes], sorted by offset, never overlapping (the first copy won), and never
   * past `total` once it is known.
   */
  pieces: [number, Uint8Array][];
  /** Bytes held in `pieces`: the datagram is whole when this reaches `total` (pieces do not overlap). */
  held: number;
  /** Fragmentable-part length, known once the last fragment (more-fragments clear) arrived; -1 before. */
  total: number;
}

/**
 * IP fragment reassembly for IPv4 (RFC 791 §3.2) and IPv6 (RFC 8200 §4.5), cheap and bounded. Fragments are keyed
 * by source, destination and identification (plus protocol for IPv4); a datagram is rebuilt once its first and last
 * fragments and everything between have arrived. Bytes that overlap bytes already held are ignored (the first copy
 * wins), so a datagram never holds more than 64 KiB of fragment bytes. A fragment cut by the snap length, or one
 * reaching past what the 16-bit length field of the rebuilt packet can declare, drops its datagram: nothing is
 * invented, and the missing bytes show up downstream as the TCP gap they are.
 */
export class IpDefragmenter {
  private readonly pending = new Map<string, PendingDatagram>();
  private readonly maxPending: number;

  constructor(maxPending = MAX_PENDING_DATAGRAMS_DEFAULT) {
    this.maxPending = maxPending;
  }

  /** Datagrams waiting for more fragments. */
  get pendingDatagrams(): number {
    return this.pending.size;
  }

  /**
   * Adds one fragment: `frame` holds the IP header at `ip.payloadOffset - ip.headerLength` (for IPv6, `ip` is what
   * readIpv6 reports: `payloadOffset` just past the fragment header). When this fragment completes its datagram,
   * returns the whole packet, a raw IPv4 or IPv6 packet (as `ip.version`) without fragmentation: IPv4 with the
   * fragment fields cleared, IPv6 with the fragment header removed; length fields match the rebuilt packet.
   */
  push(frame: Uint8Array, ip: IpHeader): Uint8Array | undefined {
    const fragment = ip.fragment!;
    const key =
      ip.version === 4
        ? `4 ${ip.source}>${ip.destination}/${ip.protocol}/${fragment.id}`
        : `6 ${ip.source}>${ip.destination}/${fragment.id}`;
    const end = fragment.offset + ip.payloadLength;
    const captured = frame.length - ip.payloadOffset;
    if (captured < ip.payloadLength || end > MAX_LENGTH_FIELD - lengthFieldOverhead(ip.version, ip.headerLength)) {
      this.pending.delete(key);
      return undefined;
    }
    let datagram = this.pending.get(key);
    if (datagram === undefined) {
      datagram = { header: undefined, pieces: [], held: 0, total: -1 };
      this.pending.set(key, datagram);
      if (this.pending.size > this.maxPending) this.pending.delete(this.pending.keys().next().value!);
    }
    if (!fragment.more && datagram.total < 0) cutAt(datagram, end);
    const limit = datagram.total < 0 ? end : Math.min(end, datagram.total);
    datagram.held += addPiece(datagram.pieces, frame, ip.payloadOffset - fragment.offset, fragment.offset, limit);
    if (fragment.offset === 0 && datagram.header === undefined) datagram.header = rebuiltHeader(frame, ip);
    if (datagram.header === undefined || datagram.held !== datagram.total) return undefined;
    this.pending.delete(key);
    const header = datagram.header!;
    if (lengthFieldOverhead(ip.version, header.length) + datagram.total > MAX_LENGTH_FIELD) return undefined;
    return assemble(ip.version, header, datagram.pieces, datagram.total);
  }
}

/**
 * What the rebuilt packet's 16-bit length field counts besides the fragmentable part, for a fragment whose
 * `headerLength` (as IpHeader reports it) precedes its payload: the whole IPv4 header; the IPv6 extension headers
 * before the fragment header (the fixed header is not counted, and the fragment header is removed).
 */
function lengthFieldOverhead(version: 4 | 6, headerLength: number): number {
  return version === 4 ? headerLength : headerLength - IPV6_HEADER_BYTES - IPV6_FRAGMENT_HEADER_BYTES;
}

/**
 * Adds the datagram bytes [start, end) to the sorted pieces (datagram byte n is `frame[base + n]`): only the parts no
 * piece covers yet are copied in, so earlier copies win and overlaps cost no memory. Returns the bytes added.
 */
function addPiece(pieces: [number, Uint8Array][], frame: Uint8Array, base: number, start: number, end: number): number {
  // The first piece ending after `start` (pieces are sorted and disjoint, so their ends are sorted too).
  let low = 0;
  let high = pieces.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const [offset, bytes] = pieces[middle]!;
    if (offset + bytes.length <= start) low = middle + 1;
    else high = middle;
  }
  let added = 0;
  let cursor = start;
  let i = low;
  for (; i < pieces.length && cursor < end; i++) {
    const [pieceStart, pieceBytes] = pieces[i]!;
    if (pieceStart >= end) break;
    if (pieceStart > cursor) {
      pieces.splice(i, 0, [cursor, frame.slice(base + cursor, base + pieceStart)]);
      added += pieceStart - cursor;
      i++;
    }
    cursor = Math.max(cursor, pieceStart + pieceBytes.length);
  }
  if (cursor < end) {
    pieces.splice(i, 0, [cursor, frame.slice(base + cursor, base + end)]);
    added += end - cursor;
  }
  return added;
}

/** Fixes the datagram's length at `total` (its first last fragment): bytes held past it are let go. */
function cutAt(datagram: PendingDatagram, total: number): void {
  datagram.total = total;
  const { pieces } = datagram;
  while (pieces.length > 0) {
    const [offset, bytes] = pieces[pieces.length - 1]!;
    if (offset + bytes.length <= total) break;
    if (offset >= total) {
      pieces.pop();
      datagram.held -= bytes.length;
    } else {
      pieces[pieces.length - 1] = [offset, bytes.slice(0, total - offset)];
      datagram.held -= offset + bytes.length - total;
    }
  }
}

/** Header of the rebuilt packet, taken from the first fragment (see PendingDatagram.header). */
function rebuiltHeader(frame: Uint8Array, ip: IpHeader): Uint8Array {
  const start = ip.payloadOffset - ip.headerLength;
  if (ip.version === 4) return frame.slice(start, ip.payloadOffset);
  const header = frame.slice(start, ip.payloadOffset - IPV6_FRAGMENT_HEADER_BYTES);
  // Walk the extension headers readIpv6 already checked, to find the Next Header byte that names the fragment header.
  let nextHeaderAt = 6;
  let at = IPV6_HEADER_BYTES;
  while (at < header.length) {
    const type = header[nextHeaderAt]!;
    nextHeaderAt = at;
    at += type === IPV6_AUTHENTICATION ? (header[at + 1]! + 2) * 4 : (header[at + 1]! + 1) * 8;
  }
  header[nextHeaderAt] = ip.protocol;
  return header;
}

/** The whole packet: `header`, then the pieces (which cover `total` bytes exactly), length fields fixed. */
function assemble(version: 4 | 6, header: Uint8Array, pieces: [number, Uint8Array][], total: number): Uint8Array {
  const out = new Uint8Array(header.length + total);
  out.set(header);
  for (const [offset, bytes] of pieces) out.set(bytes, header.length + offset);
  const lengthField = version === 4 ? header.length + total : header.length - IPV6_HEADER_BYTES + total;
  const lengthAt = version === 4 ? 2 : 4;
  out[lengthAt] = lengthField >> 8;
  out[lengthAt + 1] = lengthField & 0xff;
  if (version === 4) {
    // Clear more-fragments and the offset (keep don't-fragment): the result is a whole datagram.
    out[6] &= 0x40;
    out[7] = 0;
  }
  return out;
}
