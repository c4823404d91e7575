import type { IpHeader } from './link/ip.ts';

/** Datagrams being reassembled at once; beyond it the oldest is dropped (its bytes then show up as a TCP gap). */
export const MAX_PENDING_DATAGRAMS_DEFAULT = 256;
/** An IPv4 datagram cannot exceed 65535 bytes (total length is 16 bits). */
const MAX_DATAGRAM_BYTES = 65535;

interface PendingDatagram {
  /** The first fragment's IP header (offset 0), once seen. */
  header: Uint8Array | undefined;
  /** Fragment payloads as [offset, bytes], in arrival order; overlaps keep the first copy. */
  pieces: [number, Uint8Array][];
  /** Payload length, known once the last fragment (more-fragments clear) arrived. */
  total: number;
}

/**
 * IPv4 fragment reassembly (RFC 791 §3.2), cheap and bounded: fragments are keyed by
 * source, destination, protocol and identification; a datagram is rebuilt once its
 * first and last fragments and everything between have arrived. Fragments cut by the
 * snap length cannot be reassembled and drop their datagram. Overlapping fragments keep
 * the bytes that arrived first.
 */
export class Ipv4Defragmenter {
  private readonly pending = new Map<string, PendingDatagram>();
  private readonly maxPending: number;

  constructor(maxPending = MAX_PENDING_DATAGRAMS_DEFAULT) {
    this.maxPending = maxPending;
  }

  /**
   * Adds one fragment (`frame` holds the IPv4 header at `ip.payloadOffset - ip.headerLength`).
   * Returns the whole datagram (a raw IPv4 packet with the fragment fields cleared) when this fragment completes it.
   */
  push(frame: Uint8Array, ip: IpHeader): Uint8Array | undefined {
    const fragment = ip.fragment!;
    const key = `${ip.source}>${ip.destination}/${ip.protocol}/${fragment.id}`;
    let datagram = this.pending.get(key);
    const captured = Math.min(ip.payloadLength, frame.length - ip.payloadOffset);
    if (captured < ip.payloadLength || fragment.offset + ip.payloadLength > MAX_DATAGRAM_BYTES - ip.headerLength) {
      this.pending.delete(key);
      return undefined;
    }
    if (datagram === undefined) {
      datagram = { header: undefined, pieces: [], total: -1 };
      this.pending.set(key, datagram);
      if (this.pending.size > this.maxPending) this.pending.delete(this.pending.keys().next().value!);
    }
    const payload = frame.slice(ip.payloadOffset, ip.payloadOffset + ip.payloadLength);
    datagram.pieces.push([fragment.offset, payload]);
    if (fragment.offset === 0 && datagram.header === undefined) {
      datagram.header = frame.slice(ip.payloadOffset - ip.headerLength, ip.payloadOffset);
    }
    if (!fragment.more && datagram.total < 0) datagram.total = fragment.offset + ip.payloadLength;
    const whole = this.assemble(datagram);
    if (whole !== undefined) this.pending.delete(key);
    return whole;
  }

  private assemble(datagram: PendingDatagram): Uint8Array | undefined {
    const { header, total } = datagram;
    if (header === undefined || total < 0) return undefined;
    const covered = new Uint8Array(total);
    const out = new Uint8Array(header.length + total);
    out.set(header);
    let filled = 0;
    for (const [offset, bytes] of datagram.pieces) {
      for (let i = 0; i < bytes.length && offset + i < total; i++) {
        if (covered[offset + i] === 0) {
          covered[offset + i] = 1;
          out[header.length + offset + i] = bytes[i]!;
          filled++;
        }
      }
    }
    if (filled < total) return undefined;
    const length = header.length + total;
    out[2] = length >> 8;
    out[3] = length & 0xff;
    // Clear more-fragments and the offset: the result is a whole datagram.
    out[6] &= 0x40;
    out[7] = 0;
    return out;
  }
}
