/**
 * A small pcapng writer that turns the mock master's traffic log into packets: Ethernet + IPv4 + TCP with a
 * handshake per connection, sequence and acknowledgement numbers, and correct IPv4/TCP checksums, so Wireshark,
 * tshark and src/pcap's readers and reassembler take it as a real loopback capture.
 *
 * (test/helpers/pcap-writer.ts is a separate hand-written oracle for the readers' tests; the library may not
 * import from test/, so the few block layouts are written again here.)
 */

/** One direction of a synthesized TCP connection. */
export interface TcpFlow {
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
}

/** LINKTYPE_ETHERNET. */
const LINKTYPE_ETHERNET = 1;
/** Payload bytes per segment (well under the IPv4 limit; like a large loopback MSS). */
const SEGMENT_BYTES = 16_384;
const TCP_SYN = 0x02;
const TCP_ACK = 0x10;
const TCP_PSH = 0x08;
const TCP_FIN = 0x01;

interface Side {
  seq: number;
}

interface Connection {
  client: TcpFlow;
  sides: Map<string, Side>;
  closed: boolean;
}

function ipBytes(ip: string): number[] {
  const parts = ip.split('.').map((p) => Number.parseInt(p, 10));
  return parts.length === 4 && parts.every((p) => p >= 0 && p <= 255) ? parts : [127, 0, 0, 1];
}

function flowKey(f: TcpFlow): string {
  return `${f.srcIp}:${f.srcPort}>${f.dstIp}:${f.dstPort}`;
}

function reverse(f: TcpFlow): TcpFlow {
  return { srcIp: f.dstIp, srcPort: f.dstPort, dstIp: f.srcIp, dstPort: f.srcPort };
}

function checksum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  for (let i = start; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if ((end - start) % 2 === 1) sum += bytes[end - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Builds Ethernet/IPv4/TCP frames for a set of connections and writes them as one pcapng section. */
export class PcapngTcpWriter {
  readonly #blocks: Uint8Array[] = [];
  readonly #connections = new Map<string, Connection>();
  #ipId = 1;
  #initialSeq = 1000;

  constructor() {
    this.#blocks.push(this.#sectionHeader(), this.#interfaceDescription());
  }

  /** Sends `payload` on the connection `flow` (client -> server when first seen), opening it with a handshake. */
  data(flow: TcpFlow, payload: Uint8Array, timeUs: number): void {
    const connection = this.#open(flow, timeUs);
    for (let at = 0; at < payload.length || (payload.length === 0 && at === 0); at += SEGMENT_BYTES) {
      const piece = payload.subarray(at, Math.min(payload.length, at + SEGMENT_BYTES));
      if (piece.length === 0) break;
      this.#segment(connection, flow, TCP_ACK | TCP_PSH, piece, timeUs);
    }
  }

  /** Closes the connection with FIN/ACK from the side `flow` names, answered by the other side. */
  close(flow: TcpFlow, timeUs: number): void {
    const connection = this.#connections.get(this.#connectionKey(flow));
    if (connection === undefined || connection.closed) return;
    connection.closed = true;
    this.#segment(connection, flow, TCP_FIN | TCP_ACK, new Uint8Array(0), timeUs);
    this.#sides(connection, flow).own.seq += 1;
    this.#segment(connection, reverse(flow), TCP_FIN | TCP_ACK, new Uint8Array(0), timeUs);
    this.#sides(connection, reverse(flow)).own.seq += 1;
    this.#segment(connection, flow, TCP_ACK, new Uint8Array(0), timeUs);
  }

  /** The whole file. */
  toBytes(): Uint8Array {
    const length = this.#blocks.reduce((n, b) => n + b.length, 0);
    const out = new Uint8Array(length);
    let at = 0;
    for (const block of this.#blocks) {
      out.set(block, at);
      at += block.length;
    }
    return out;
  }

  #connectionKey(flow: TcpFlow): string {
    const a = flowKey(flow);
    const b = flowKey(reverse(flow));
    return [a, b].sort()[0]!;
  }

  #sides(connection: Connection, flow: TcpFlow): { own: Side; peer: Side } {
    return { own: connection.sides.get(flowKey(flow))!, peer: connection.sides.get(flowKey(reverse(flow)))! };
  }

  #open(flow: TcpFlow, timeUs: number): Connection {
    const key = this.#connectionKey(flow);
    let connection = this.#connections.get(key);
    if (connection !== undefined && !connection.closed) return connection;
    connection = { client: flow, sides: new Map(), closed: false };
    connection.sides.set(flowKey(flow), { seq: this.#initialSeq });
    connection.sides.set(flowKey(reverse(flow)), { seq: this.#initialSeq + 500_000 });
    this.#initialSeq += 1_000_000;
    this.#connections.set(key, connection);
    this.#segment(connection, flow, TCP_SYN, new Uint8Array(0), timeUs, false);
    this.#sides(connection, flow).own.seq += 1;
    this.#segment(connection, reverse(flow), TCP_SYN | TCP_ACK, new Uint8Array(0), timeUs);
    this.#sides(connection, reverse(flow)).own.seq += 1;
    this.#segment(connection, flow, TCP_ACK, new Uint8Array(0), timeUs);
    return connection;
  }

  #segment(connection: Connection, flow: TcpFlow, flags: number, payload: Uint8Array, timeUs: number, ack = true) {
    const { own, peer } = this.#sides(connection, flow);
    const frame = new Uint8Array(14 + 20 + 20 + payload.length);
    const view = new DataView(frame.buffer);
    // Ethernet: locally administered addresses, IPv4.
    frame.set([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01], 0);
    view.setUint16(12, 0x0800);
    // IPv4.
    const ip = 14;
    frame[ip] = 0x45;
    view.setUint16(ip + 2, 40 + payload.length);
    view.setUint16(ip + 4, this.#ipId++ & 0xffff);
    view.setUint16(ip + 6, 0x4000);
    frame[ip + 8] = 64;
    frame[ip + 9] = 6;
    frame.set(ipBytes(flow.srcIp), ip + 12);
    frame.set(ipBytes(flow.dstIp), ip + 16);
    view.setUint16(ip + 10, checksum(frame, ip, ip + 20));
    // TCP.
    const tcp = ip + 20;
    view.setUint16(tcp, flow.srcPort);
    view.setUint16(tcp + 2, flow.dstPort);
    view.setUint32(tcp + 4, own.seq >>> 0);
    view.setUint32(tcp + 8, ack ? peer.seq >>> 0 : 0);
    frame[tcp + 12] = 5 << 4;
    frame[tcp + 13] = flags;
    view.setUint16(tcp + 14, 65535);
    frame.set(payload, tcp + 20);
    const tcpLength = 20 + payload.length;
    const src = ipBytes(flow.srcIp);
    const dst = ipBytes(flow.dstIp);
    const pseudo =
      ((src[0]! << 8) | src[1]!) +
      ((src[2]! << 8) | src[3]!) +
      ((dst[0]! << 8) | dst[1]!) +
      ((dst[2]! << 8) | dst[3]!) +
      6 +
      tcpLength;
    view.setUint16(tcp + 16, checksum(frame, tcp, tcp + tcpLength, pseudo));
    own.seq = (own.seq + payload.length) >>> 0;
    this.#blocks.push(this.#enhancedPacket(frame, timeUs));
  }

  #sectionHeader(): Uint8Array {
    const body = new Uint8Array(16);
    const view = new DataView(body.buffer);
    view.setUint32(0, 0x1a2b3c4d, true);
    view.setUint16(4, 1, true);
    view.setUint16(6, 0, true);
    view.setBigInt64(8, -1n, true);
    return block(0x0a0d0d0a, body);
  }

  #interfaceDescription(): Uint8Array {
    const body = new Uint8Array(8);
    const view = new DataView(body.buffer);
    view.setUint16(0, LINKTYPE_ETHERNET, true);
    view.setUint32(4, 262_144, true);
    return block(0x00000001, body);
  }

  #enhancedPacket(frame: Uint8Array, timeUs: number): Uint8Array {
    const padded = (frame.length + 3) & ~3;
    const body = new Uint8Array(20 + padded);
    const view = new DataView(body.buffer);
    const ts = BigInt(Math.max(0, Math.round(timeUs)));
    view.setUint32(0, 0, true);
    view.setUint32(4, Number(ts >> 32n), true);
    view.setUint32(8, Number(ts & 0xffffffffn), true);
    view.setUint32(12, frame.length, true);
    view.setUint32(16, frame.length, true);
    body.set(frame, 20);
    return block(0x00000006, body);
  }
}

/** type, total length, body (a multiple of 4 bytes), total length; little-endian. */
function block(type: number, body: Uint8Array): Uint8Array {
  const length = 12 + body.length;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, length, true);
  out.set(body, 8);
  view.setUint32(length - 4, length, true);
  return out;
}
