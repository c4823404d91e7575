import type { Diagnostic, TcpDirection, TcpGapReason } from '../diagnostics.ts';
import { decodeFrame, decodePacket } from './decode-packet.ts';
import { formatEndpoint, formatFlowId } from './flow-key.ts';
import { Ipv4Defragmenter } from './ipv4-defragmenter.ts';
import type { IpHeader } from './link/ip.ts';
import { LINKTYPE_IPV4 } from './link/link-layer.ts';
import { TCP_FLAGS, type TcpHeader } from './link/tcp.ts';
import type { CapturedPacket, PacketRef } from './packet.ts';

/** Why a connection's events ended. */
export type TcpCloseReason =
  /** Both sides sent FIN (and every byte before it was delivered or reported as a gap). */
  | 'fin'
  | 'rst'
  /** The capture ended while the connection was open (or only half closed). */
  | 'end-of-capture'
  /** A new SYN reused the 4-tuple before the old connection closed. */
  | 'reused'
  /** Closed early because more than maxConnections were open (see the tcp-connection-evicted diagnostic). */
  | 'evicted';

/** Byte and segment counts of one direction of a connection. */
export interface TcpStreamStats {
  /** Payload bytes delivered in data events. */
  bytes: number;
  /** Segments that carried payload. */
  segments: number;
  /** Segments whose bytes (some or all) had been seen before. */
  retransmissions: number;
  /** Bytes seen again (identical or not). */
  retransmittedBytes: number;
  /** Retransmissions whose bytes differed from the first copy. */
  conflicts: number;
  gaps: number;
  gapBytes: number;
  /** Bytes that came too late to deliver (after their gap, before the start, after close). */
  lateBytes: number;
}

/** Events of the reassembler, in capture order; one connection's events are ordered per direction. */
export type TcpEvent =
  | {
      kind: 'open';
      /** `client>server` (IPv6 in brackets). */
      flow: string;
      connection: number;
      /** `ip:port` of the side that sent the SYN (a guess from the first packet when no SYN was seen). */
      client: string;
      server: string;
      /** No handshake seen: streams may start inside a message. */
      midstream: boolean;
      packet: PacketRef;
    }
  | {
      kind: 'data';
      flow: string;
      connection: number;
      direction: TcpDirection;
      /** `source>destination` of these bytes. */
      stream: string;
      /** Offset of bytes[0] in this direction's stream (gaps count as bytes). */
      streamOffset: number;
      /** TCP sequence number of bytes[0]. */
      seq: number;
      /** A view of the packet data, or a copy when the segment was buffered out of order. */
      bytes: Uint8Array;
      /** The packet whose segment carried these bytes. */
      packet: PacketRef;
    }
  | {
      kind: 'gap';
      flow: string;
      connection: number;
      direction: TcpDirection;
      stream: string;
      streamOffset: number;
      seq: number;
      /** Number of missing bytes. */
      length: number;
      reason: TcpGapReason;
      packet: PacketRef | undefined;
    }
  | {
      kind: 'close';
      flow: string;
      connection: number;
      reason: TcpCloseReason;
      packet: PacketRef | undefined;
      clientToServer: TcpStreamStats;
      serverToClient: TcpStreamStats;
    }
  | { kind: 'diagnostic'; diagnostic: Diagnostic };

/** Options of TcpReassembler. */
export interface TcpReassemblerOptions {
  /** Out-of-order bytes buffered per direction before the oldest hole is declared a gap. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Delivered bytes kept per direction to compare retransmissions against. Default 64 KiB. */
  retainBytes?: number;
  /** Connections tracked at once; beyond it the oldest is closed ('evicted'). Default 65536. */
  maxConnections?: number;
}

/** Counters over the whole capture. */
export interface TcpReassemblerStats {
  packets: number;
  tcpSegments: number;
  /** Valid frames that are not TCP (ARP, UDP, ...). */
  otherPackets: number;
  fragments: number;
  undecodable: number;
  unsupportedLinkType: number;
  connections: number;
  /** Segments of connections already closed (pure ACKs included). */
  afterClose: number;
}

export const MAX_BUFFERED_BYTES_DEFAULT = 1024 * 1024;
export const RETAIN_BYTES_DEFAULT = 64 * 1024;
export const MAX_CONNECTIONS_DEFAULT = 65536;
const INITIAL_RING_BYTES = 4096;
const RECENT_GAPS_KEPT = 16;
const TOMBSTONES_KEPT = 8192;
const RING_POOL_SIZE = 64;

/** A buffered range of one direction: bytes (copied), or a known-missing range (cut by the snap length). */
interface Piece {
  start: number;
  end: number;
  bytes: Uint8Array | undefined;
  packet: PacketRef;
}

/** Writes bytes for stream offsets [at, at + length) into a ring indexed by offset modulo its size. */
function ringWrite(ring: Uint8Array, at: number, bytes: Uint8Array): void {
  const size = ring.length;
  let source = bytes;
  if (source.length > size) {
    at += source.length - size;
    source = source.subarray(source.length - size);
  }
  const index = at % size;
  const first = Math.min(source.length, size - index);
  ring.set(source.subarray(0, first), index);
  if (first < source.length) ring.set(source.subarray(first), 0);
}

function emptyStats(): TcpStreamStats {
  return {
    bytes: 0,
    segments: 0,
    retransmissions: 0,
    retransmittedBytes: 0,
    conflicts: 0,
    gaps: 0,
    gapBytes: 0,
    lateBytes: 0,
  };
}

/** One direction of a connection. Stream offsets are numbers (exact to 2^53 bytes). */
class Stream {
  readonly direction: TcpDirection;
  readonly id: string;
  started = false;
  midstream = false;
  /** Sequence number of stream offset 0. */
  baseSeq = 0;
  /** The SYN's sequence number, when one was seen. */
  isn: number | undefined;
  /** Next stream offset to deliver. */
  next = 0;
  /** Stream offset of the FIN (end of data), or -1. */
  finAt = -1;
  pending: Piece[] = [];
  pendingBytes = 0;
  /** Last delivered bytes, indexed by stream offset modulo its length. */
  ring: Uint8Array | undefined;
  /** Retained bytes are valid from here (a gap invalidates what the ring holds before it). */
  retainFrom = 0;
  /** Recent gap ranges as [start, end) pairs, to tell late data from retransmissions. */
  recentGaps: number[] = [];
  readonly stats = emptyStats();

  constructor(direction: TcpDirection, id: string) {
    this.direction = direction;
    this.id = id;
  }

  seqAt(offset: number): number {
    return (this.baseSeq + offset) >>> 0;
  }

  /** Stream offset of a sequence number, taking the nearer side of the 32-bit wrap. */
  offsetOf(seq: number): number {
    return this.next + ((seq - this.seqAt(this.next)) | 0);
  }

  get complete(): boolean {
    return this.finAt >= 0 && this.next >= this.finAt && this.pending.length === 0;
  }
}

class Connection {
  readonly id: number;
  readonly flow: string;
  readonly clientToServer: Stream;
  readonly serverToClient: Stream;
  readonly midstream: boolean;
  closed = false;

  constructor(id: number, clientToServerId: string, serverToClientId: string, midstream: boolean) {
    this.id = id;
    this.flow = clientToServerId;
    this.clientToServer = new Stream('client-to-server', clientToServerId);
    this.serverToClient = new Stream('server-to-client', serverToClientId);
    this.midstream = midstream;
  }

  streamFrom(key: string): Stream {
    return key === this.clientToServer.id ? this.clientToServer : this.serverToClient;
  }
}

/**
 * TCP reassembly per direction. Feed captured packets in file order with `push`, then
 * call `end()`; events arrive synchronously through `onEvent`.
 *
 * Connections are tracked by 4-tuple: a SYN opens one (a SYN with a new ISN on a live
 * 4-tuple closes the old one as 'reused'); without a SYN the first packet opens it
 * midstream, flagged. Sequence numbers wrap at 2^32. Out-of-order segments are buffered
 * (copied) up to maxBufferedBytes per direction; retransmitted bytes are compared with
 * what was seen first (kept: the first copy); holes become explicit `gap` events, so
 * nothing is invented and nothing disappears without a diagnostic. Anomalies are
 * reported as `diagnostic` events; `push` never throws on bad traffic.
 */
export class TcpReassembler {
  private readonly onEvent: (event: TcpEvent) => void;
  private readonly maxBufferedBytes: number;
  private readonly retainBytes: number;
  private readonly maxConnections: number;
  /** Live connections, under both direction ids. */
  private readonly connections = new Map<string, Connection>();
  /** Closed connections, under both direction ids, to recognise their stragglers. */
  private readonly tombstones = new Map<string, Connection>();
  private readonly reportedLinkTypes = new Set<number>();
  private readonly defragmenter = new Ipv4Defragmenter();
  /** Full-size retention rings of closed streams, reused so long captures do not churn the allocator. */
  private readonly ringPool: Uint8Array[] = [];
  private liveConnections = 0;
  private nextConnectionId = 1;
  readonly stats: TcpReassemblerStats = {
    packets: 0,
    tcpSegments: 0,
    otherPackets: 0,
    fragments: 0,
    undecodable: 0,
    unsupportedLinkType: 0,
    connections: 0,
    afterClose: 0,
  };

  constructor(onEvent: (event: TcpEvent) => void, options: TcpReassemblerOptions = {}) {
    this.onEvent = onEvent;
    this.maxBufferedBytes = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES_DEFAULT;
    this.retainBytes = options.retainBytes ?? RETAIN_BYTES_DEFAULT;
    this.maxConnections = options.maxConnections ?? MAX_CONNECTIONS_DEFAULT;
  }

  /** Connections currently tracked. */
  get openConnections(): number {
    return this.liveConnections;
  }

  /** Decodes a captured packet down to TCP and reassembles it. Non-TCP packets are counted and skipped. */
  push(packet: CapturedPacket): void {
    this.stats.packets++;
    const decoded = decodePacket(packet);
    switch (decoded.kind) {
      case 'tcp':
        this.pushSegment(decoded.ip, decoded.tcp, decoded.payload, decoded.missingBytes, packet);
        return;
      case 'not-tcp':
        this.stats.otherPackets++;
        return;
      case 'fragment':
        this.stats.fragments++;
        this.diagnose({
          kind: 'ip-fragment',
          frame: packet.index,
          source: decoded.ip.source,
          destination: decoded.ip.destination,
          id: decoded.ip.fragment!.id,
          fragmentOffset: decoded.ip.fragment!.offset,
          moreFragments: decoded.ip.fragment!.more,
        });
        if (decoded.ip.version === 4) {
          const datagram = this.defragmenter.push(packet.data, decoded.ip);
          if (datagram !== undefined) this.pushDatagram(datagram, packet);
        }
        return;
      case 'undecodable':
        this.stats.undecodable++;
        this.diagnose({
          kind: 'packet-undecodable',
          frame: packet.index,
          linkType: packet.linkType,
          reason: decoded.reason,
        });
        return;
      case 'unsupported-link-type':
        this.stats.unsupportedLinkType++;
        if (!this.reportedLinkTypes.has(packet.linkType)) {
          this.reportedLinkTypes.add(packet.linkType);
          this.diagnose({ kind: 'unsupported-link-type', frame: packet.index, linkType: packet.linkType });
        }
        return;
    }
  }

  /** A datagram rebuilt from IPv4 fragments: decoded as raw IPv4, credited to the packet of its last fragment. */
  private pushDatagram(datagram: Uint8Array, packet: CapturedPacket): void {
    const whole = decodeFrame(LINKTYPE_IPV4, datagram);
    if (whole.kind === 'tcp') {
      this.pushSegment(whole.ip, whole.tcp, whole.payload, whole.missingBytes, packet);
    } else if (whole.kind === 'undecodable') {
      this.stats.undecodable++;
      this.diagnose({
        kind: 'packet-undecodable',
        frame: packet.index,
        linkType: packet.linkType,
        reason: whole.reason,
      });
    } else {
      this.stats.otherPackets++;
    }
  }

  /**
   * Reassembles one decoded TCP segment. `payload` holds the captured payload bytes;
   * `missingBytes` more were on the wire but cut by the snap length.
   */
  pushSegment(
    ip: Pick<IpHeader, 'source' | 'destination'>,
    tcp: Pick<TcpHeader, 'sourcePort' | 'destinationPort' | 'seq' | 'ack' | 'flags'>,
    payload: Uint8Array,
    missingBytes: number,
    packet: PacketRef,
  ): void {
    this.stats.tcpSegments++;
    const flags = tcp.flags;
    const syn = (flags & TCP_FLAGS.SYN) !== 0;
    const ackFlag = (flags & TCP_FLAGS.ACK) !== 0;
    const key = formatFlowId(ip.source, tcp.sourcePort, ip.destination, tcp.destinationPort);
    let conn = this.connections.get(key);
    if (conn !== undefined && syn && !ackFlag) {
      const client = conn.clientToServer;
      // A retransmitted SYN, or a SYN captured after the SYN-ACK that already placed the client's stream.
      const sameSyn =
        client.id === key &&
        (client.isn === tcp.seq || (client.isn === undefined && client.baseSeq === (tcp.seq + 1) >>> 0));
      if (sameSyn) {
        client.isn = tcp.seq;
        return;
      }
      // A fresh SYN on a live 4-tuple: the port was reused (or the midstream guess of roles was wrong).
      this.close(conn, 'reused', packet);
      conn = undefined;
    }
    if (conn === undefined) {
      const closed = this.tombstones.get(key);
      if (closed !== undefined && !syn) {
        this.stats.afterClose++;
        if (payload.length + missingBytes > 0) {
          const stream = closed.streamFrom(key);
          stream.stats.lateBytes += payload.length + missingBytes;
          this.diagnose({
            kind: 'tcp-data-after-close',
            flow: closed.flow,
            connection: closed.id,
            direction: stream.direction,
            seq: tcp.seq,
            streamOffset: stream.offsetOf(tcp.seq),
            bytes: payload.length + missingBytes,
            frame: packet.index,
          });
        }
        return;
      }
      if (closed !== undefined) {
        this.tombstones.delete(closed.clientToServer.id);
        this.tombstones.delete(closed.serverToClient.id);
      }
      conn = this.open(ip, tcp, syn, ackFlag, packet);
    }
    const stream = conn.streamFrom(key);
    const other = stream === conn.clientToServer ? conn.serverToClient : conn.clientToServer;

    if (syn) {
      if (!stream.started) {
        stream.started = true;
        stream.baseSeq = (tcp.seq + 1) >>> 0;
        stream.isn = tcp.seq;
      }
      // A SYN-ACK tells where the client's stream starts even when its SYN was not captured.
      if (ackFlag && !other.started) {
        other.started = true;
        other.baseSeq = tcp.ack;
      }
    } else if (!stream.started) {
      stream.started = true;
      stream.baseSeq = tcp.seq;
      if (conn.midstream) {
        stream.midstream = true;
        this.diagnose({
          kind: 'tcp-midstream-start',
          flow: conn.flow,
          connection: conn.id,
          direction: stream.direction,
          seq: tcp.seq,
          streamOffset: 0,
          frame: packet.index,
        });
      }
    }
    // After a handshake, the peer's first ACK marks the start of a stream whose SYN-ACK was missed.
    if (ackFlag && !syn && !other.started && !conn.midstream) {
      other.started = true;
      other.baseSeq = tcp.ack;
    }

    const dataStart = stream.offsetOf(tcp.seq) + (syn ? 1 : 0);
    if (payload.length > 0) this.acceptBytes(conn, stream, dataStart, payload, packet);
    if (missingBytes > 0) {
      this.acceptMissing(conn, stream, dataStart + payload.length, dataStart + payload.length + missingBytes, packet);
    }
    if ((flags & TCP_FLAGS.FIN) !== 0 && stream.finAt < 0) {
      stream.finAt = dataStart + payload.length + missingBytes;
    }
    if (stream.pending.length > 0) this.drain(conn, stream);
    if ((flags & TCP_FLAGS.RST) !== 0) {
      this.close(conn, 'rst', packet);
    } else if (stream.complete && other.complete) {
      this.close(conn, 'fin', packet);
    }
  }

  /** End of capture: flushes every open connection (holes become gaps) and closes it. */
  end(): void {
    for (const conn of [...new Set(this.connections.values())]) {
      const bothFin = conn.clientToServer.finAt >= 0 && conn.serverToClient.finAt >= 0;
      this.close(conn, bothFin ? 'fin' : 'end-of-capture', undefined);
    }
  }

  private open(
    ip: Pick<IpHeader, 'source' | 'destination'>,
    tcp: Pick<TcpHeader, 'sourcePort' | 'destinationPort'>,
    syn: boolean,
    ackFlag: boolean,
    packet: PacketRef,
  ): Connection {
    // The SYN sender is the client; a SYN-ACK comes from the server; otherwise guess the sender.
    const senderIsServer = syn && ackFlag;
    const source = formatEndpoint(ip.source, tcp.sourcePort);
    const destination = formatEndpoint(ip.destination, tcp.destinationPort);
    const client = senderIsServer ? destination : source;
    const server = senderIsServer ? source : destination;
    const conn = new Connection(this.nextConnectionId++, `${client}>${server}`, `${server}>${client}`, !syn);
    this.connections.set(conn.clientToServer.id, conn);
    this.connections.set(conn.serverToClient.id, conn);
    this.liveConnections++;
    this.stats.connections++;
    this.onEvent({
      kind: 'open',
      flow: conn.flow,
      connection: conn.id,
      client,
      server,
      midstream: conn.midstream,
      packet: { index: packet.index, timestamp: packet.timestamp },
    });
    if (this.liveConnections > this.maxConnections) {
      const oldest = this.connections.values().next().value!;
      this.diagnose({ kind: 'tcp-connection-evicted', flow: oldest.flow, connection: oldest.id, frame: packet.index });
      this.close(oldest, 'evicted', packet);
    }
    return conn;
  }

  private close(conn: Connection, reason: TcpCloseReason, packet: PacketRef | undefined): void {
    if (conn.closed) return;
    conn.closed = true;
    this.flush(conn, conn.clientToServer);
    this.flush(conn, conn.serverToClient);
    this.connections.delete(conn.clientToServer.id);
    this.connections.delete(conn.serverToClient.id);
    this.liveConnections--;
    this.tombstones.set(conn.clientToServer.id, conn);
    this.tombstones.set(conn.serverToClient.id, conn);
    if (this.tombstones.size > TOMBSTONES_KEPT) {
      const oldest = this.tombstones.keys().next().value!;
      this.tombstones.delete(oldest);
    }
    // Release buffers now: the tombstone keeps only ids, offsets and counters.
    for (const stream of [conn.clientToServer, conn.serverToClient]) {
      if (stream.ring?.length === this.retainBytes && this.ringPool.length < RING_POOL_SIZE) {
        this.ringPool.push(stream.ring);
      }
      stream.ring = undefined;
      stream.pending = [];
      stream.recentGaps = [];
    }
    this.onEvent({
      kind: 'close',
      flow: conn.flow,
      connection: conn.id,
      reason,
      packet: packet && { index: packet.index, timestamp: packet.timestamp },
      clientToServer: conn.clientToServer.stats,
      serverToClient: conn.serverToClient.stats,
    });
  }

  /** Delivers everything buffered, reporting the holes between as gaps (no more data will come). */
  private flush(conn: Connection, stream: Stream): void {
    while (stream.pending.length > 0) {
      const first = stream.pending[0]!;
      if (first.start > stream.next) this.gap(conn, stream, first.start - stream.next, 'missing', first.packet);
      this.drain(conn, stream);
    }
    if (stream.finAt > stream.next) this.gap(conn, stream, stream.finAt - stream.next, 'missing', undefined);
  }

  private acceptBytes(conn: Connection, stream: Stream, start: number, bytes: Uint8Array, packet: PacketRef): void {
    stream.stats.segments++;
    const end = start + bytes.length;
    if (start < stream.next) {
      const oldEnd = Math.min(end, stream.next);
      this.checkOld(conn, stream, start, bytes.subarray(0, oldEnd - start), packet);
      if (end <= stream.next) return;
      bytes = bytes.subarray(stream.next - start);
      start = stream.next;
    }
    if (start === stream.next && stream.pending.length === 0) {
      this.deliver(conn, stream, start, bytes, packet);
      return;
    }
    this.insert(conn, stream, start, end, bytes, packet);
    while (stream.pendingBytes > this.maxBufferedBytes) {
      const first = stream.pending[0]!;
      if (first.start > stream.next) this.gap(conn, stream, first.start - stream.next, 'buffer-limit', packet);
      this.drain(conn, stream);
    }
  }

  private acceptMissing(conn: Connection, stream: Stream, start: number, end: number, packet: PacketRef): void {
    if (end <= stream.next) return;
    if (start < stream.next) start = stream.next;
    this.insert(conn, stream, start, end, undefined, packet);
  }

  /**
   * Adds [start, end) to the out-of-order buffer, keeping what is already buffered
   * (first seen wins) and comparing the overlap. `bytes` undefined marks a known-missing range.
   */
  private insert(
    conn: Connection,
    stream: Stream,
    start: number,
    end: number,
    bytes: Uint8Array | undefined,
    packet: PacketRef,
  ): void {
    const pending = stream.pending;
    const added: Piece[] = [];
    const ref = { index: packet.index, timestamp: packet.timestamp };
    let cursor = start;
    let overlapBytes = 0;
    let firstDiff = -1;
    let lastDiff = -1;
    let i = 0;
    while (i < pending.length && pending[i]!.end <= cursor) i++;
    for (; i < pending.length && pending[i]!.start < end; i++) {
      const piece = pending[i]!;
      if (piece.start > cursor) added.push(this.piece(start, cursor, piece.start, bytes, ref));
      const from = Math.max(cursor, piece.start);
      const to = Math.min(end, piece.end);
      if (to > from) {
        overlapBytes += to - from;
        if (bytes !== undefined && piece.bytes !== undefined) {
          for (let at = from; at < to; at++) {
            if (bytes[at - start] !== piece.bytes[at - piece.start]) {
              if (firstDiff < 0) firstDiff = at;
              lastDiff = at;
            }
          }
        }
      }
      cursor = Math.max(cursor, piece.end);
    }
    if (cursor < end) added.push(this.piece(start, cursor, end, bytes, ref));
    if (overlapBytes > 0 && bytes !== undefined) {
      stream.stats.retransmissions++;
      stream.stats.retransmittedBytes += overlapBytes;
    }
    if (firstDiff >= 0) this.conflict(conn, stream, firstDiff, lastDiff + 1 - firstDiff, packet);
    for (const piece of added) {
      if (piece.bytes !== undefined) stream.pendingBytes += piece.bytes.length;
      let at = pending.length;
      while (at > 0 && pending[at - 1]!.start > piece.start) at--;
      pending.splice(at, 0, piece);
    }
  }

  private piece(origin: number, from: number, to: number, bytes: Uint8Array | undefined, packet: PacketRef): Piece {
    // Copy: the input view may belong to a buffer the caller reuses.
    return { start: from, end: to, bytes: bytes?.slice(from - origin, to - origin), packet };
  }

  /** Delivers buffered pieces while the first one starts at the next offset. */
  private drain(conn: Connection, stream: Stream): void {
    const pending = stream.pending;
    while (pending.length > 0 && pending[0]!.start <= stream.next) {
      const piece = pending.shift()!;
      if (piece.bytes !== undefined) {
        stream.pendingBytes -= piece.bytes.length;
        this.deliver(conn, stream, piece.start, piece.bytes, piece.packet);
      } else {
        this.gap(conn, stream, piece.end - piece.start, 'snaplen', piece.packet);
      }
    }
  }

  private deliver(conn: Connection, stream: Stream, start: number, bytes: Uint8Array, packet: PacketRef): void {
    stream.stats.bytes += bytes.length;
    this.retain(stream, start, bytes);
    stream.next = start + bytes.length;
    this.onEvent({
      kind: 'data',
      flow: conn.flow,
      connection: conn.id,
      direction: stream.direction,
      stream: stream.id,
      streamOffset: start,
      seq: stream.seqAt(start),
      bytes,
      packet,
    });
  }

  private gap(conn: Connection, stream: Stream, length: number, reason: TcpGapReason, packet: PacketRef | undefined) {
    const start = stream.next;
    stream.stats.gaps++;
    stream.stats.gapBytes += length;
    stream.next = start + length;
    stream.retainFrom = stream.next;
    stream.recentGaps.push(start, start + length);
    if (stream.recentGaps.length > 2 * RECENT_GAPS_KEPT) stream.recentGaps.splice(0, 2);
    const seq = stream.seqAt(start);
    this.onEvent({
      kind: 'gap',
      flow: conn.flow,
      connection: conn.id,
      direction: stream.direction,
      stream: stream.id,
      streamOffset: start,
      seq,
      length,
      reason,
      packet,
    });
    const diagnostic: Diagnostic = {
      kind: 'tcp-gap',
      flow: conn.flow,
      connection: conn.id,
      direction: stream.direction,
      seq,
      streamOffset: start,
      bytes: length,
      reason,
    };
    if (packet !== undefined) diagnostic.frame = packet.index;
    this.diagnose(diagnostic);
  }

  /** Bytes before `next`: compare with the retained copy; what cannot be compared is late or an old retransmission. */
  private checkOld(conn: Connection, stream: Stream, start: number, bytes: Uint8Array, packet: PacketRef): void {
    stream.stats.retransmissions++;
    stream.stats.retransmittedBytes += bytes.length;
    const end = start + bytes.length;
    const ring = stream.ring;
    const retainedFrom = ring === undefined ? stream.next : Math.max(stream.retainFrom, stream.next - ring.length, 0);
    if (ring !== undefined) {
      let firstDiff = -1;
      let lastDiff = -1;
      for (let at = Math.max(start, retainedFrom); at < end; at++) {
        if (ring[at % ring.length] !== bytes[at - start]) {
          if (firstDiff < 0) firstDiff = at;
          lastDiff = at;
        }
      }
      if (firstDiff >= 0) this.conflict(conn, stream, firstDiff, lastDiff + 1 - firstDiff, packet);
    }
    // Bytes before the stream's first byte, or inside a range already reported missing, are late.
    const beforeStart = Math.min(end, 0) - Math.min(start, 0);
    if (beforeStart > 0) this.late(conn, stream, start, beforeStart, 'before-start', packet);
    const gaps = stream.recentGaps;
    for (let g = 0; g < gaps.length; g += 2) {
      const from = Math.max(start, gaps[g]!);
      const to = Math.min(end, gaps[g + 1]!);
      if (to > from) this.late(conn, stream, from, to - from, 'after-gap', packet);
    }
  }

  private late(
    conn: Connection,
    stream: Stream,
    start: number,
    length: number,
    reason: 'after-gap' | 'before-start',
    packet: PacketRef,
  ): void {
    stream.stats.lateBytes += length;
    this.diagnose({
      kind: 'tcp-late-segment',
      flow: conn.flow,
      connection: conn.id,
      direction: stream.direction,
      seq: stream.seqAt(start),
      streamOffset: start,
      bytes: length,
      reason,
      frame: packet.index,
    });
  }

  private conflict(conn: Connection, stream: Stream, start: number, length: number, packet: PacketRef): void {
    stream.stats.conflicts++;
    this.diagnose({
      kind: 'tcp-retransmission-conflict',
      flow: conn.flow,
      connection: conn.id,
      direction: stream.direction,
      seq: stream.seqAt(start),
      streamOffset: start,
      bytes: length,
      frame: packet.index,
    });
  }

  /** Keeps the last retainBytes delivered bytes in a ring that grows on demand (most flows stay small). */
  private retain(stream: Stream, start: number, bytes: Uint8Array): void {
    const max = this.retainBytes;
    if (max === 0) return;
    let ring = stream.ring;
    const wanted = Math.min(max, start + bytes.length - stream.retainFrom);
    if (ring === undefined) {
      const initial = Math.min(max, Math.max(INITIAL_RING_BYTES, wanted));
      ring = stream.ring = (initial === max ? this.ringPool.pop() : undefined) ?? new Uint8Array(initial);
    } else if (ring.length < wanted) {
      let size = ring.length;
      while (size < wanted) size *= 2;
      const grownSize = Math.min(max, size);
      // Pooled rings hold stale bytes; only [retainFrom, next) is ever read, and that part is rewritten here.
      const grown = (grownSize === max ? this.ringPool.pop() : undefined) ?? new Uint8Array(grownSize);
      const keepFrom = Math.max(stream.retainFrom, start - ring.length, 0);
      // Re-place what is still valid: the old ring holds [keepFrom, start) in at most two runs.
      const index = keepFrom % ring.length;
      const length = start - keepFrom;
      const first = Math.min(length, ring.length - index);
      ringWrite(grown, keepFrom, ring.subarray(index, index + first));
      if (first < length) ringWrite(grown, keepFrom + first, ring.subarray(0, length - first));
      ring = stream.ring = grown;
    }
    ringWrite(ring, start, bytes);
  }

  private diagnose(diagnostic: Diagnostic): void {
    this.onEvent({ kind: 'diagnostic', diagnostic });
  }
}
