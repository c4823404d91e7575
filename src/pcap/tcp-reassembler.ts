import type { Diagnostic, TcpDirection, TcpGapReason } from '../diagnostics.ts';
import { decodeFrameFields, FRAME_KIND, FrameFields } from './decode-packet.ts';
import { type AddressKey, addressKeyOfText, FlowMap, formatEndpoint } from './flow-key.ts';
import { IpDefragmenter } from './ip-defragmenter.ts';
import { addressText, type IpHeader, ipHeaderOf } from './link/ip.ts';
import { LINKTYPE_IPV4, LINKTYPE_IPV6 } from './link/link-layer.ts';
import { TCP_FLAGS, type TcpHeader } from './link/tcp.ts';
import { type CapturedPacket, type PacketRef, packetRefOf, TransientPacket, viewOf } from './packet.ts';

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
  /**
   * Retransmitted bytes that could not be compared with the first copy because the peer had acknowledged them and
   * their retained copy was let go (see TcpReassemblerOptions.retainAcknowledged). Reported as
   * `tcp-retransmission-unchecked`.
   */
  uncheckedBytes: number;
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

/** Which stream a data delivery belongs to (the fields of a 'data' event that stay the same for a stream). */
export interface TcpStreamInfo {
  readonly flow: string;
  readonly connection: number;
  readonly direction: TcpDirection;
  /** `source>destination` of the bytes. */
  readonly stream: string;
}

/**
 * Receives data without a 'data' event object per segment (see the TcpReassembler constructor): the arguments are the
 * fields of the event it replaces. Called at the point the event would have been emitted.
 */
export type TcpDataSink = (stream: TcpStreamInfo, streamOffset: number, bytes: Uint8Array, packet: PacketRef) => void;

/** Options of TcpReassembler. */
export interface TcpReassemblerOptions {
  /** Out-of-order bytes buffered per direction before the oldest hole is declared a gap. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Delivered bytes kept per direction to compare retransmissions against. Default 64 KiB. */
  retainBytes?: number;
  /**
   * Keep retained bytes after the peer has acknowledged them. Default false: once an ACK covers everything a
   * direction delivered, its retained copy is let go (only a spurious retransmission can repeat acknowledged bytes),
   * so memory follows the bytes in flight rather than the number of connections. A later retransmission of such
   * bytes is counted and reported (`tcp-retransmission-unchecked`), never passed as identical.
   */
  retainAcknowledged?: boolean;
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
/** Directions of closed connections remembered (two per connection, oldest forgotten first). */
const TOMBSTONES_KEPT = 4096;
/** Free retention rings kept per size. */
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
  const room = size - index;
  // One set() when the bytes fit before the wrap (the usual case: no view objects), two at the wrap.
  if (source.length <= room) {
    ring.set(source, index);
  } else {
    ring.set(source.subarray(0, room), index);
    ring.set(source.subarray(room), 0);
  }
}

const NO_BYTES = new Uint8Array(0);

function emptyStats(): TcpStreamStats {
  return {
    bytes: 0,
    segments: 0,
    retransmissions: 0,
    retransmittedBytes: 0,
    conflicts: 0,
    uncheckedBytes: 0,
    gaps: 0,
    gapBytes: 0,
    lateBytes: 0,
  };
}

/** One direction of a connection. Stream offsets are numbers (exact to 2^53 bytes). */
class Stream implements TcpStreamInfo {
  readonly conn: Connection;
  readonly flow: string;
  readonly connection: number;
  readonly direction: TcpDirection;
  /** `source>destination` text. */
  readonly stream: string;
  /** This direction's 4-tuple, as the flow tables key it. */
  readonly source: AddressKey;
  readonly sourcePort: number;
  readonly destination: AddressKey;
  readonly destinationPort: number;
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
  /** Retained bytes are valid from here (a gap invalidates what the ring holds before it; so does an ACK release). */
  retainFrom = 0;
  /** Where retainFrom would be without ACK releases (moved by gaps only): bytes from here were retained once. */
  retainedOnceFrom = 0;
  /** Recent gap ranges as [start, end) pairs, to tell late data from retransmissions. */
  recentGaps: number[] = [];
  readonly stats = emptyStats();

  constructor(
    conn: Connection,
    direction: TcpDirection,
    id: string,
    source: AddressKey,
    sourcePort: number,
    destination: AddressKey,
    destinationPort: number,
  ) {
    this.conn = conn;
    this.flow = conn.flow;
    this.connection = conn.id;
    this.direction = direction;
    this.stream = id;
    this.source = source;
    this.sourcePort = sourcePort;
    this.destination = destination;
    this.destinationPort = destinationPort;
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

/**
 * What is remembered of one direction of a closed connection (its tombstone): enough to recognise a straggler and
 * report it. Kept small and apart from the Stream (no buffers, tuples or texts but the flow), since thousands are kept.
 */
class ClosedStream {
  readonly flow: string;
  readonly connection: number;
  readonly direction: TcpDirection;
  /** Where delivery stopped: stream offset and its sequence number (late segments are placed from here). */
  readonly next: number;
  readonly nextSeq: number;
  /** The direction's counters: the close event handed out this object, and late bytes are still added to it. */
  readonly stats: TcpStreamStats;

  constructor(stream: Stream) {
    this.flow = stream.flow;
    this.connection = stream.connection;
    this.direction = stream.direction;
    this.next = stream.next;
    this.nextSeq = stream.seqAt(stream.next);
    this.stats = stream.stats;
  }

  /** Stream offset of a sequence number (as Stream.offsetOf, from where delivery stopped). */
  offsetOf(seq: number): number {
    return this.next + ((seq - this.nextSeq) | 0);
  }
}

/** A side of a connection: address key, port, and `ip:port` text. */
interface Endpoint {
  address: AddressKey;
  port: number;
  text: string;
}

class Connection {
  readonly id: number;
  readonly flow: string;
  readonly clientToServer: Stream;
  readonly serverToClient: Stream;
  readonly midstream: boolean;
  /** Both directions have the same 4-tuple (a socket connected to itself). */
  readonly selfTuple: boolean;
  closed = false;

  constructor(id: number, client: Endpoint, server: Endpoint, midstream: boolean) {
    this.id = id;
    this.selfTuple = client.address === server.address && client.port === server.port;
    this.flow = `${client.text}>${server.text}`;
    this.midstream = midstream;
    this.clientToServer = new Stream(
      this,
      'client-to-server',
      this.flow,
      client.address,
      client.port,
      server.address,
      server.port,
    );
    this.serverToClient = new Stream(
      this,
      'server-to-client',
      `${server.text}>${client.text}`,
      server.address,
      server.port,
      client.address,
      client.port,
    );
  }
}

/**
 * Maps both directions of `conn` (`value` of each direction); when they share one 4-tuple (same address and port at
 * both ends) it stands for the first.
 */
function mapConnection<V>(map: FlowMap<V>, conn: Connection, value: (stream: Stream) => V): void {
  const { clientToServer, serverToClient } = conn;
  map.set(
    clientToServer.source,
    clientToServer.sourcePort,
    clientToServer.destination,
    clientToServer.destinationPort,
    value(clientToServer),
  );
  if (!conn.selfTuple) {
    map.set(
      serverToClient.source,
      serverToClient.sourcePort,
      serverToClient.destination,
      serverToClient.destinationPort,
      value(serverToClient),
    );
  }
}

const itself = (stream: Stream): Stream => stream;
const tombstoneOf = (stream: Stream): ClosedStream => new ClosedStream(stream);

function unmapStream(map: FlowMap<Stream>, stream: Stream): void {
  map.delete(stream.source, stream.sourcePort, stream.destination, stream.destinationPort);
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
 *
 * Every PacketRef in its events and data calls is a small object of its own (frame number and time), never the
 * captured packet: listeners may keep them without keeping the reader's input chunk alive.
 */
export class TcpReassembler {
  private readonly onEvent: (event: TcpEvent) => void;
  private readonly onData: TcpDataSink | undefined;
  private readonly maxBufferedBytes: number;
  private readonly retainBytes: number;
  private readonly retainAcknowledged: boolean;
  private readonly maxConnections: number;
  /** Live connections, each direction under its 4-tuple; insertion order is open order. */
  private readonly connections = new FlowMap<Stream>();
  /** Directions of closed connections, under their 4-tuples, to recognise their stragglers. */
  private readonly tombstones = new FlowMap<ClosedStream>();
  private readonly reportedLinkTypes = new Set<number>();
  private readonly defragmenter = new IpDefragmenter();
  /** Header fields of the packet being decoded: one object for all packets (read into locals before any event). */
  private readonly fields = new FrameFields();
  /**
   * Retention rings of closed streams and the smaller rings streams grew out of, by size (4 KiB times a power of two,
   * or retainBytes), reused so long captures do not allocate (and zero) a ring per stream and growth step.
   */
  private readonly ringPools = new Map<number, Uint8Array[]>();
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

  /**
   * `onData`, when given, receives delivered bytes instead of `onEvent` receiving 'data' events (same order, same
   * values, no event object per segment); every other event still goes to `onEvent`.
   */
  constructor(onEvent: (event: TcpEvent) => void, options: TcpReassemblerOptions = {}, onData?: TcpDataSink) {
    this.onEvent = onEvent;
    this.onData = onData;
    this.maxBufferedBytes = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES_DEFAULT;
    this.retainBytes = options.retainBytes ?? RETAIN_BYTES_DEFAULT;
    this.retainAcknowledged = options.retainAcknowledged === true;
    this.maxConnections = options.maxConnections ?? MAX_CONNECTIONS_DEFAULT;
  }

  /** Connections currently tracked. */
  get openConnections(): number {
    return this.liveConnections;
  }

  /** Decodes a captured packet down to TCP and reassembles it. Non-TCP packets are counted and skipped. */
  push(packet: CapturedPacket): void {
    this.stats.packets++;
    const f = this.fields;
    // A reader's transient packet is read where it lies in the reader's input: no view of it per packet.
    const inPlace = packet instanceof TransientPacket;
    let frame = inPlace ? packet.frame : packet.data;
    const start = inPlace ? packet.frameStart : 0;
    const end = inPlace ? start + packet.capturedLength : frame.length;
    switch (decodeFrameFields(packet.linkType, frame, f, start, end)) {
      case FRAME_KIND.TCP:
        this.segmentFromFields(frame, packet);
        return;
      case FRAME_KIND.NOT_IP:
      case FRAME_KIND.NOT_TCP:
        this.stats.otherPackets++;
        return;
      case FRAME_KIND.FRAGMENT: {
        // The defragmenter reads the fragment relative to its frame's own bytes: decoded again from the packet's view.
        if (inPlace) {
          frame = packet.data;
          decodeFrameFields(packet.linkType, frame, f);
        }
        this.stats.fragments++;
        const ip = ipHeaderOf(f);
        this.diagnose({
          kind: 'ip-fragment',
          frame: packet.index,
          source: ip.source,
          destination: ip.destination,
          id: ip.fragment!.id,
          fragmentOffset: ip.fragment!.offset,
          moreFragments: ip.fragment!.more,
        });
        const datagram = this.defragmenter.push(frame, ip);
        if (datagram !== undefined)
          this.pushDatagram(datagram, ip.version === 4 ? LINKTYPE_IPV4 : LINKTYPE_IPV6, packet);
        return;
      }
      case FRAME_KIND.UNDECODABLE:
        this.stats.undecodable++;
        this.diagnose({
          kind: 'packet-undecodable',
          frame: packet.index,
          linkType: packet.linkType,
          reason: f.reason,
        });
        return;
      case FRAME_KIND.UNSUPPORTED_LINK_TYPE:
        this.stats.unsupportedLinkType++;
        if (!this.reportedLinkTypes.has(packet.linkType)) {
          this.reportedLinkTypes.add(packet.linkType);
          this.diagnose({ kind: 'unsupported-link-type', frame: packet.index, linkType: packet.linkType });
        }
        return;
    }
  }

  /** Reassembles the TCP segment that decodeFrameFields just read from `frame` into this.fields. */
  private segmentFromFields(frame: Uint8Array, packet: CapturedPacket): void {
    const f = this.fields;
    const captured = f.capturedPayloadLength;
    const payload = captured === 0 ? NO_BYTES : viewOf(frame, f.tcpPayloadOffset, f.tcpPayloadOffset + captured);
    this.segment(
      f.sourceAddress,
      f.sourcePort,
      f.destinationAddress,
      f.destinationPort,
      f.seq,
      f.ack,
      f.flags,
      payload,
      f.tcpPayloadLength - captured,
      packetRefOf(packet),
    );
  }

  /** A datagram rebuilt from IP fragments: decoded as raw IPv4 or IPv6, credited to the packet of its last fragment. */
  private pushDatagram(datagram: Uint8Array, linkType: number, packet: CapturedPacket): void {
    const f = this.fields;
    const kind = decodeFrameFields(linkType, datagram, f);
    if (kind === FRAME_KIND.TCP) {
      this.segmentFromFields(datagram, packet);
    } else if (kind === FRAME_KIND.UNDECODABLE) {
      this.stats.undecodable++;
      this.diagnose({
        kind: 'packet-undecodable',
        frame: packet.index,
        linkType: packet.linkType,
        reason: f.reason,
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
    this.segment(
      addressKeyOfText(ip.source),
      tcp.sourcePort,
      addressKeyOfText(ip.destination),
      tcp.destinationPort,
      tcp.seq,
      tcp.ack,
      tcp.flags,
      payload,
      missingBytes,
      packetRefOf(packet),
    );
  }

  /** pushSegment with the 4-tuple as flow-map keys (every argument a value: nothing shared with the next packet). */
  private segment(
    source: AddressKey,
    sourcePort: number,
    destination: AddressKey,
    destinationPort: number,
    seq: number,
    ack: number,
    flags: number,
    payload: Uint8Array,
    missingBytes: number,
    packet: PacketRef,
  ): void {
    this.stats.tcpSegments++;
    const syn = (flags & TCP_FLAGS.SYN) !== 0;
    const ackFlag = (flags & TCP_FLAGS.ACK) !== 0;
    let stream = this.connections.get(source, sourcePort, destination, destinationPort);
    if (stream !== undefined && syn && !ackFlag) {
      const client = stream.conn.clientToServer;
      // A retransmitted SYN, or a SYN captured after the SYN-ACK that already placed the client's stream.
      const sameSyn =
        client === stream && (client.isn === seq || (client.isn === undefined && client.baseSeq === (seq + 1) >>> 0));
      if (sameSyn) {
        client.isn = seq;
        return;
      }
      // A fresh SYN on a live 4-tuple: the port was reused (or the midstream guess of roles was wrong).
      this.close(stream.conn, 'reused', packet);
      stream = undefined;
    }
    if (stream === undefined) {
      const closed = this.tombstones.get(source, sourcePort, destination, destinationPort);
      if (closed !== undefined && !syn) {
        this.stats.afterClose++;
        if (payload.length + missingBytes > 0) {
          closed.stats.lateBytes += payload.length + missingBytes;
          this.diagnose({
            kind: 'tcp-data-after-close',
            flow: closed.flow,
            connection: closed.connection,
            direction: closed.direction,
            seq,
            streamOffset: closed.offsetOf(seq),
            bytes: payload.length + missingBytes,
            frame: packet.index,
          });
        }
        return;
      }
      if (closed !== undefined) {
        // A new connection on the 4-tuple: forget both directions of the old one (the other is the swapped tuple).
        this.tombstones.delete(source, sourcePort, destination, destinationPort);
        this.tombstones.delete(destination, destinationPort, source, sourcePort);
      }
      stream = this.open(source, sourcePort, destination, destinationPort, syn, ackFlag, packet);
    }
    const conn = stream.conn;
    const other = stream === conn.clientToServer ? conn.serverToClient : conn.clientToServer;

    if (syn) {
      if (!stream.started) {
        stream.started = true;
        stream.baseSeq = (seq + 1) >>> 0;
        stream.isn = seq;
      }
      // A SYN-ACK tells where the client's stream starts even when its SYN was not captured.
      if (ackFlag && !other.started) {
        other.started = true;
        other.baseSeq = ack;
      }
    } else if (!stream.started) {
      stream.started = true;
      stream.baseSeq = seq;
      if (conn.midstream) {
        stream.midstream = true;
        this.diagnose({
          kind: 'tcp-midstream-start',
          flow: conn.flow,
          connection: conn.id,
          direction: stream.direction,
          seq,
          streamOffset: 0,
          frame: packet.index,
        });
      }
    }
    // After a handshake, the peer's first ACK marks the start of a stream whose SYN-ACK was missed.
    if (ackFlag && !syn && !other.started && !conn.midstream) {
      other.started = true;
      other.baseSeq = ack;
    }
    // An ACK of everything the other direction delivered: its retained copy is no longer needed (with one ring per
    // direction of every connection, rings of idle directions were most of a long capture's retained bytes).
    if (ackFlag && other.ring !== undefined && !this.retainAcknowledged && !conn.selfTuple) {
      if (other.offsetOf(ack) >= other.next) this.letGoOfRing(other);
    }

    const dataStart = stream.offsetOf(seq) + (syn ? 1 : 0);
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
    const open = new Set<Connection>();
    for (const stream of this.connections.values()) open.add(stream.conn);
    for (const conn of open) {
      const bothFin = conn.clientToServer.finAt >= 0 && conn.serverToClient.finAt >= 0;
      this.close(conn, bothFin ? 'fin' : 'end-of-capture', undefined);
    }
  }

  private open(
    source: AddressKey,
    sourcePort: number,
    destination: AddressKey,
    destinationPort: number,
    syn: boolean,
    ackFlag: boolean,
    packet: PacketRef,
  ): Stream {
    // The SYN sender is the client; a SYN-ACK comes from the server; otherwise guess the sender.
    const senderIsServer = syn && ackFlag;
    const sender: Endpoint = {
      address: source,
      port: sourcePort,
      text: formatEndpoint(addressText(source), sourcePort),
    };
    const receiver: Endpoint = {
      address: destination,
      port: destinationPort,
      text: formatEndpoint(addressText(destination), destinationPort),
    };
    const client = senderIsServer ? receiver : sender;
    const server = senderIsServer ? sender : receiver;
    const conn = new Connection(this.nextConnectionId++, client, server, !syn);
    mapConnection(this.connections, conn, itself);
    this.liveConnections++;
    this.stats.connections++;
    this.onEvent({
      kind: 'open',
      flow: conn.flow,
      connection: conn.id,
      client: client.text,
      server: server.text,
      midstream: conn.midstream,
      packet,
    });
    if (this.liveConnections > this.maxConnections) {
      const oldest = this.connections.oldest()!.conn;
      this.diagnose({ kind: 'tcp-connection-evicted', flow: oldest.flow, connection: oldest.id, frame: packet.index });
      this.close(oldest, 'evicted', packet);
    }
    // The packet's own direction (client-to-server as well when a connection talks to its own address and port).
    return senderIsServer && !conn.selfTuple ? conn.serverToClient : conn.clientToServer;
  }

  private close(conn: Connection, reason: TcpCloseReason, packet: PacketRef | undefined): void {
    if (conn.closed) return;
    conn.closed = true;
    this.flush(conn, conn.clientToServer);
    this.flush(conn, conn.serverToClient);
    unmapStream(this.connections, conn.clientToServer);
    unmapStream(this.connections, conn.serverToClient);
    this.liveConnections--;
    mapConnection(this.tombstones, conn, tombstoneOf);
    // Each connection maps two entries (one per direction): drop until back under the cap, not just one.
    while (this.tombstones.size > TOMBSTONES_KEPT) this.tombstones.deleteOldest();
    // The streams are no longer referenced (flushed: nothing pending); their retention rings go back to the pool.
    for (const stream of [conn.clientToServer, conn.serverToClient]) {
      if (stream.ring !== undefined) this.releaseRing(stream.ring);
      stream.ring = undefined;
    }
    this.onEvent({
      kind: 'close',
      flow: conn.flow,
      connection: conn.id,
      reason,
      packet,
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
    let cursor = start;
    let overlapBytes = 0;
    let firstDiff = -1;
    let lastDiff = -1;
    let i = 0;
    while (i < pending.length && pending[i]!.end <= cursor) i++;
    for (; i < pending.length && pending[i]!.start < end; i++) {
      const piece = pending[i]!;
      if (piece.start > cursor) added.push(this.piece(start, cursor, piece.start, bytes, packet));
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
    if (cursor < end) added.push(this.piece(start, cursor, end, bytes, packet));
    if (overlapBytes > 0 && bytes !== undefined) {
      stream.stats.retransmissions++;
      stream.stats.retransmittedBytes += overlapBytes;
    }
    if (firstDiff >= 0)
      this.retransmissionProblem('conflict', conn, stream, firstDiff, lastDiff + 1 - firstDiff, packet);
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
    if (this.onData !== undefined) {
      this.onData(stream, start, bytes, packet);
      return;
    }
    this.onEvent({
      kind: 'data',
      flow: conn.flow,
      connection: conn.id,
      direction: stream.direction,
      stream: stream.stream,
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
    stream.retainedOnceFrom = stream.next;
    stream.recentGaps.push(start, start + length);
    if (stream.recentGaps.length > 2 * RECENT_GAPS_KEPT) stream.recentGaps.splice(0, 2);
    const seq = stream.seqAt(start);
    this.onEvent({
      kind: 'gap',
      flow: conn.flow,
      connection: conn.id,
      direction: stream.direction,
      stream: stream.stream,
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
      if (firstDiff >= 0)
        this.retransmissionProblem('conflict', conn, stream, firstDiff, lastDiff + 1 - firstDiff, packet);
    }
    // Bytes that were retained once (after the last gap, within retainBytes) but let go on an ACK: not compared.
    const uncheckedFrom = Math.max(start, stream.retainedOnceFrom, stream.next - this.retainBytes, 0);
    const uncheckedTo = Math.min(end, retainedFrom);
    if (uncheckedTo > uncheckedFrom)
      this.retransmissionProblem('unchecked', conn, stream, uncheckedFrom, uncheckedTo - uncheckedFrom, packet);
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

  /**
   * Reports retransmitted bytes that differ from their first copy (`conflict`), or that could not be compared with it
   * (`unchecked`: let go once the peer acknowledged them), and counts them in the direction's stats.
   */
  private retransmissionProblem(
    problem: 'conflict' | 'unchecked',
    conn: Connection,
    stream: Stream,
    start: number,
    length: number,
    packet: PacketRef,
  ): void {
    if (problem === 'conflict') stream.stats.conflicts++;
    else stream.stats.uncheckedBytes += length;
    this.diagnose({
      kind: problem === 'conflict' ? 'tcp-retransmission-conflict' : 'tcp-retransmission-unchecked',
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
    // The ring always holds every byte since retainFrom (up to max): its exact size beyond that is not observable.
    if (ring === undefined) {
      let initial = INITIAL_RING_BYTES;
      while (initial < wanted) initial *= 2;
      ring = stream.ring = this.takeRing(Math.min(max, initial));
    } else if (ring.length < wanted) {
      let size = ring.length;
      while (size < wanted) size *= 2;
      // Pooled rings hold stale bytes; only [retainFrom, next) is ever read, and that part is rewritten here.
      const grown = this.takeRing(Math.min(max, size));
      const keepFrom = Math.max(stream.retainFrom, start - ring.length, 0);
      // Re-place what is still valid: the old ring holds [keepFrom, start) in at most two runs.
      const index = keepFrom % ring.length;
      const length = start - keepFrom;
      const first = Math.min(length, ring.length - index);
      ringWrite(grown, keepFrom, ring.subarray(index, index + first));
      if (first < length) ringWrite(grown, keepFrom + first, ring.subarray(0, length - first));
      this.releaseRing(ring);
      ring = stream.ring = grown;
    }
    ringWrite(ring, start, bytes);
  }

  /** Lets go of a direction's retained bytes (all acknowledged): the next delivery starts a ring afresh. */
  private letGoOfRing(stream: Stream): void {
    this.releaseRing(stream.ring!);
    stream.ring = undefined;
    stream.retainFrom = stream.next;
  }

  private takeRing(size: number): Uint8Array {
    return this.ringPools.get(size)?.pop() ?? new Uint8Array(size);
  }

  private releaseRing(ring: Uint8Array): void {
    let pool = this.ringPools.get(ring.length);
    if (pool === undefined) {
      pool = [];
      this.ringPools.set(ring.length, pool);
    }
    if (pool.length < RING_POOL_SIZE) pool.push(ring);
  }

  private diagnose(diagnostic: Diagnostic): void {
    this.onEvent({ kind: 'diagnostic', diagnostic });
  }
}
