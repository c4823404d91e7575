/**
 * A small, naive pcap/pcapng and packet writer for tests, fixtures and benchmarks.
 * It shares no code with src/pcap (it is the independent oracle the readers are
 * checked against): every field is written by hand with a DataView.
 */

export type ByteOrder = 'le' | 'be';

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Fixed-size byte builder with explicit byte order. */
class Fields {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly le: boolean;
  constructor(size: number, order: ByteOrder = 'be') {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
    this.le = order === 'le';
  }
  u8(at: number, v: number): this {
    this.view.setUint8(at, v);
    return this;
  }
  u16(at: number, v: number): this {
    this.view.setUint16(at, v, this.le);
    return this;
  }
  u32(at: number, v: number): this {
    this.view.setUint32(at, v >>> 0, this.le);
    return this;
  }
  i64(at: number, v: bigint): this {
    this.view.setBigInt64(at, v, this.le);
    return this;
  }
  set(at: number, b: Uint8Array): this {
    this.bytes.set(b, at);
    return this;
  }
}

// ---------------------------------------------------------------- pcap

export interface PcapRecord {
  seconds: number;
  /** Microseconds, or nanoseconds in a nanosecond file. */
  fraction: number;
  data: Uint8Array;
  /** Defaults to data.length. */
  originalLength?: number;
}

export interface PcapFileOptions {
  order?: ByteOrder;
  nanosecond?: boolean;
  snapLength?: number;
  linkType: number;
  records: PcapRecord[];
}

/** A whole pcap file: 24-byte global header, then a 16-byte header + data per record. */
export function pcapFile(options: PcapFileOptions): Uint8Array {
  const order = options.order ?? 'le';
  const header = new Fields(24, order)
    .u32(0, options.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4)
    .u16(4, 2)
    .u16(6, 4)
    .u32(8, 0)
    .u32(12, 0)
    .u32(16, options.snapLength ?? 262144)
    .u32(20, options.linkType);
  const parts = [header.bytes];
  for (const r of options.records) {
    parts.push(
      new Fields(16, order)
        .u32(0, r.seconds)
        .u32(4, r.fraction)
        .u32(8, r.data.length)
        .u32(12, r.originalLength ?? r.data.length).bytes,
      r.data,
    );
  }
  return concat(parts);
}

// ---------------------------------------------------------------- pcapng

export interface PcapngOption {
  code: number;
  value: Uint8Array;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function optionsBytes(options: PcapngOption[], order: ByteOrder): Uint8Array {
  if (options.length === 0) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  for (const o of options) {
    const f = new Fields(4 + pad4(o.value.length), order).u16(0, o.code).u16(2, o.value.length).set(4, o.value);
    parts.push(f.bytes);
  }
  parts.push(new Uint8Array(4)); // opt_endofopt
  return concat(parts);
}

/** One block: type, total length, body (padded to 4), total length. */
export function pcapngBlock(type: number, body: Uint8Array, order: ByteOrder): Uint8Array {
  const length = 12 + pad4(body.length);
  return new Fields(length, order)
    .u32(0, type)
    .u32(4, length)
    .set(8, body)
    .u32(length - 4, length).bytes;
}

export function sectionHeaderBlock(order: ByteOrder, options: PcapngOption[] = []): Uint8Array {
  const opts = optionsBytes(options, order);
  const body = new Fields(16 + opts.length, order)
    .u32(0, 0x1a2b3c4d)
    .u16(4, 1)
    .u16(6, 0)
    .i64(8, -1n)
    .set(16, opts).bytes;
  return pcapngBlock(0x0a0d0d0a, body, order);
}

export interface InterfaceOptions {
  linkType: number;
  snapLength?: number;
  /** Raw if_tsresol byte (e.g. 9 for ns, 0x80|20 for 2^-20). Omitted: microseconds. */
  tsresol?: number;
  /** if_tsoffset seconds. */
  tsoffset?: bigint;
  /** Extra options, written before the timestamp ones. */
  extra?: PcapngOption[];
}

export function interfaceDescriptionBlock(order: ByteOrder, iface: InterfaceOptions): Uint8Array {
  const options: PcapngOption[] = [...(iface.extra ?? [])];
  if (iface.tsresol !== undefined) options.push({ code: 9, value: Uint8Array.of(iface.tsresol) });
  if (iface.tsoffset !== undefined) {
    options.push({ code: 14, value: new Fields(8, order).i64(0, iface.tsoffset).bytes });
  }
  const opts = optionsBytes(options, order);
  const body = new Fields(8 + opts.length, order)
    .u16(0, iface.linkType)
    .u16(2, 0)
    .u32(4, iface.snapLength ?? 0)
    .set(8, opts).bytes;
  return pcapngBlock(1, body, order);
}

export interface PcapngPacket {
  interfaceId: number;
  /** Timestamp in the interface's units. */
  units: bigint;
  data: Uint8Array;
  originalLength?: number;
  options?: PcapngOption[];
}

export function enhancedPacketBlock(order: ByteOrder, p: PcapngPacket): Uint8Array {
  const opts = optionsBytes(p.options ?? [], order);
  const body = new Fields(20 + pad4(p.data.length) + opts.length, order)
    .u32(0, p.interfaceId)
    .u32(4, Number(p.units >> 32n))
    .u32(8, Number(p.units & 0xffffffffn))
    .u32(12, p.data.length)
    .u32(16, p.originalLength ?? p.data.length)
    .set(20, p.data)
    .set(20 + pad4(p.data.length), opts).bytes;
  return pcapngBlock(6, body, order);
}

/** The obsolete Packet Block (type 2): 16-bit interface id and drops count. */
export function obsoletePacketBlock(order: ByteOrder, p: PcapngPacket): Uint8Array {
  const body = new Fields(20 + pad4(p.data.length), order)
    .u16(0, p.interfaceId)
    .u16(2, 0)
    .u32(4, Number(p.units >> 32n))
    .u32(8, Number(p.units & 0xffffffffn))
    .u32(12, p.data.length)
    .u32(16, p.originalLength ?? p.data.length)
    .set(20, p.data).bytes;
  return pcapngBlock(2, body, order);
}

/** Simple Packet Block: original length and data only (captured length implied by interface 0's snaplen). */
export function simplePacketBlock(order: ByteOrder, data: Uint8Array, originalLength = data.length): Uint8Array {
  const body = new Fields(4 + pad4(data.length), order).u32(0, originalLength).set(4, data).bytes;
  return pcapngBlock(3, body, order);
}

export function pcapngFile(blocks: Uint8Array[]): Uint8Array {
  return concat(blocks);
}

// ---------------------------------------------------------------- frames

/** Internet checksum (RFC 1071) over the given parts. */
function internetChecksum(parts: Uint8Array[]): number {
  let sum = 0;
  let odd = -1;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      if (odd < 0) odd = p[i]!;
      else {
        sum += (odd << 8) | p[i]!;
        odd = -1;
      }
    }
  }
  if (odd >= 0) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function ipv4Address(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

export function ipv6Address(text: string): Uint8Array {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':').filter(Boolean) : [];
  const tailGroups = tail ? tail.split(':').filter(Boolean) : [];
  const groups =
    tail === undefined
      ? headGroups
      : [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = Number.parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

export interface TcpSegmentSpec {
  sourcePort: number;
  destinationPort: number;
  seq: number;
  ack?: number;
  /** 'S', 'SA', 'A', 'PA', 'FA', 'R', 'RA' ... letters F S R P A U E C. */
  flags: string;
  window?: number;
  options?: Uint8Array;
  payload?: Uint8Array;
}

const FLAG_BITS: Record<string, number> = { F: 1, S: 2, R: 4, P: 8, A: 16, U: 32, E: 64, C: 128 };

/** A TCP header + payload; the checksum is computed over the given pseudo-header. */
export function tcpSegment(spec: TcpSegmentSpec, pseudoHeader: (tcpLength: number) => Uint8Array): Uint8Array {
  const options = spec.options ?? new Uint8Array(0);
  const headerLength = 20 + pad4(options.length);
  const payload = spec.payload ?? new Uint8Array(0);
  let flags = 0;
  for (const c of spec.flags) flags |= FLAG_BITS[c] ?? 0;
  const f = new Fields(headerLength + payload.length)
    .u16(0, spec.sourcePort)
    .u16(2, spec.destinationPort)
    .u32(4, spec.seq)
    .u32(8, spec.ack ?? 0)
    .u8(12, (headerLength / 4) << 4)
    .u8(13, flags)
    .u16(14, spec.window ?? 65535)
    .set(20, options)
    .set(headerLength, payload);
  f.u16(16, internetChecksum([pseudoHeader(f.bytes.length), f.bytes]));
  return f.bytes;
}

export interface Ipv4Spec {
  source: string;
  destination: string;
  protocol?: number;
  id?: number;
  dontFragment?: boolean;
  moreFragments?: boolean;
  fragmentOffset?: number;
  options?: Uint8Array;
  ttl?: number;
}

export function ipv4Packet(spec: Ipv4Spec, payload: Uint8Array): Uint8Array {
  const options = spec.options ?? new Uint8Array(0);
  const headerLength = 20 + pad4(options.length);
  const flags = (spec.dontFragment ? 0x4000 : 0) | (spec.moreFragments ? 0x2000 : 0);
  const f = new Fields(headerLength + payload.length)
    .u8(0, 0x40 | (headerLength / 4))
    .u16(2, headerLength + payload.length)
    .u16(4, spec.id ?? 0)
    .u16(6, flags | ((spec.fragmentOffset ?? 0) / 8))
    .u8(8, spec.ttl ?? 64)
    .u8(9, spec.protocol ?? 6)
    .set(12, ipv4Address(spec.source))
    .set(16, ipv4Address(spec.destination))
    .set(20, options)
    .set(headerLength, payload);
  f.u16(10, internetChecksum([f.bytes.subarray(0, headerLength)]));
  return f.bytes;
}

export interface Ipv6Spec {
  source: string;
  destination: string;
  /** Extension headers as [type, body] where body excludes the next-header and length bytes. */
  extensions?: { type: number; body: Uint8Array }[];
  hopLimit?: number;
}

export function ipv6Packet(spec: Ipv6Spec, nextHeader: number, payload: Uint8Array): Uint8Array {
  const exts = spec.extensions ?? [];
  const extParts: Uint8Array[] = [];
  for (let i = 0; i < exts.length; i++) {
    const next = i + 1 < exts.length ? exts[i + 1]!.type : nextHeader;
    const size = 8 * Math.ceil((2 + exts[i]!.body.length) / 8);
    const f = new Fields(size)
      .u8(0, next)
      .u8(1, size / 8 - 1)
      .set(2, exts[i]!.body);
    extParts.push(f.bytes);
  }
  const ext = concat(extParts);
  const f = new Fields(40 + ext.length + payload.length)
    .u32(0, 0x60000000)
    .u16(4, ext.length + payload.length)
    .u8(6, exts.length > 0 ? exts[0]!.type : nextHeader)
    .u8(7, spec.hopLimit ?? 64)
    .set(8, ipv6Address(spec.source))
    .set(24, ipv6Address(spec.destination))
    .set(40, ext)
    .set(40 + ext.length, payload);
  return f.bytes;
}

/** An IP packet (v4 or v6 by the address form) carrying the TCP segment, with correct checksums. */
export function ipTcpPacket(
  ip: { source: string; destination: string } & Partial<Ipv4Spec> & Partial<Ipv6Spec>,
  tcp: TcpSegmentSpec,
): Uint8Array {
  if (ip.source.includes(':')) {
    const pseudo = (length: number) =>
      new Fields(40).set(0, ipv6Address(ip.source)).set(16, ipv6Address(ip.destination)).u32(32, length).u8(39, 6)
        .bytes;
    return ipv6Packet(ip as Ipv6Spec, 6, tcpSegment(tcp, pseudo));
  }
  const pseudo = (length: number) =>
    new Fields(12).set(0, ipv4Address(ip.source)).set(4, ipv4Address(ip.destination)).u8(9, 6).u16(10, length).bytes;
  return ipv4Packet(ip as Ipv4Spec, tcpSegment(tcp, pseudo));
}

/** IPv6 Fragment extension header type (RFC 8200 §4.5). */
const IPV6_FRAGMENT_HEADER = 44;

/**
 * Splits a whole IPv6 packet into fragments as RFC 8200 §4.5 describes: each fragment is the unfragmentable part (the
 * 40-byte header plus the first `unfragmentableBytes` of extension headers, each sized (length + 1) * 8), a fragment
 * header (identification `id`), then the next `chunkBytes` (a multiple of 8) of the fragmentable part; the last takes
 * the rest. One chunk that holds everything makes an atomic fragment (offset 0, M clear).
 */
export function ipv6Fragments(
  packet: Uint8Array,
  chunkBytes: number,
  id: number,
  unfragmentableBytes = 0,
): Uint8Array[] {
  if (chunkBytes <= 0 || chunkBytes % 8 !== 0)
    throw new Error(`chunkBytes ${chunkBytes} is not a positive multiple of 8`);
  const unfragmentableEnd = 40 + unfragmentableBytes;
  // The Next Header byte that will name the fragment header: the fixed header's, or the last unfragmentable extension's.
  let nextHeaderAt = 6;
  for (let at = 40; at < unfragmentableEnd; at += (packet[at + 1]! + 1) * 8) nextHeaderAt = at;
  const fragmentable = packet.subarray(unfragmentableEnd);
  const fragments: Uint8Array[] = [];
  for (let offset = 0; offset === 0 || offset < fragmentable.length; offset += chunkBytes) {
    const chunk = fragmentable.subarray(offset, offset + chunkBytes);
    const more = offset + chunkBytes < fragmentable.length;
    const f = new Fields(unfragmentableEnd + 8 + chunk.length)
      .set(0, packet.subarray(0, unfragmentableEnd))
      .u16(4, unfragmentableBytes + 8 + chunk.length)
      .u8(nextHeaderAt, IPV6_FRAGMENT_HEADER)
      .u8(unfragmentableEnd, packet[nextHeaderAt]!)
      .u16(unfragmentableEnd + 2, offset | (more ? 1 : 0))
      .u32(unfragmentableEnd + 4, id)
      .set(unfragmentableEnd + 8, chunk);
    fragments.push(f.bytes);
  }
  return fragments;
}

const MAC_A = Uint8Array.of(0x02, 0, 0, 0, 0, 0x0a);
const MAC_B = Uint8Array.of(0x02, 0, 0, 0, 0, 0x0b);

/** Ethernet II frame; `vlans` are [tpid, vlanId] pairs, outermost first. */
export function ethernetFrame(etherType: number, payload: Uint8Array, vlans: [number, number][] = []): Uint8Array {
  const f = new Fields(14 + 4 * vlans.length + payload.length).set(0, MAC_B).set(6, MAC_A);
  let at = 12;
  for (const [tpid, id] of vlans) {
    f.u16(at, tpid).u16(at + 2, id);
    at += 4;
  }
  f.u16(at, etherType).set(at + 2, payload);
  return f.bytes;
}

/** Linux cooked v1 header (packet type 0 = to us, ARPHRD_ETHER, 6-byte address). */
export function sllFrame(protocol: number, payload: Uint8Array): Uint8Array {
  return new Fields(16 + payload.length).u16(0, 0).u16(2, 1).u16(4, 6).set(6, MAC_A).u16(14, protocol).set(16, payload)
    .bytes;
}

/** Linux cooked v2 header. */
export function sll2Frame(protocol: number, payload: Uint8Array, interfaceIndex = 1): Uint8Array {
  return new Fields(20 + payload.length)
    .u16(0, protocol)
    .u32(4, interfaceIndex)
    .u16(8, 1)
    .u8(10, 0)
    .u8(11, 6)
    .set(12, MAC_A)
    .set(20, payload).bytes;
}

/** BSD loopback header: 4-byte address family in the given byte order. */
export function nullFrame(family: number, payload: Uint8Array, order: ByteOrder): Uint8Array {
  return new Fields(4 + payload.length, order).u32(0, family).set(4, payload).bytes;
}

// ---------------------------------------------------------------- conversations

export interface Endpoint {
  ip: string;
  port: number;
}

/**
 * Builds the IP packets of one TCP connection, tracking sequence numbers, so that
 * scenarios can be written as "client sends X, server answers Y" and then cut,
 * reordered or duplicated.
 */
export class TcpConversation {
  readonly client: Endpoint;
  readonly server: Endpoint;
  /** Next sequence number of each side. */
  clientSeq: number;
  serverSeq: number;

  constructor(client: Endpoint, server: Endpoint, clientIsn = 1000, serverIsn = 5000) {
    this.client = client;
    this.server = server;
    this.clientSeq = clientIsn;
    this.serverSeq = serverIsn;
  }

  private packet(from: 'client' | 'server', flags: string, seq: number, payload?: Uint8Array): Uint8Array {
    const [src, dst] = from === 'client' ? [this.client, this.server] : [this.server, this.client];
    const ack = from === 'client' ? this.serverSeq : this.clientSeq;
    return ipTcpPacket(
      { source: src.ip, destination: dst.ip },
      {
        sourcePort: src.port,
        destinationPort: dst.port,
        seq: seq >>> 0,
        ack: flags.includes('A') ? ack >>> 0 : 0,
        flags,
        ...(payload ? { payload } : {}),
      },
    );
  }

  /** SYN, SYN-ACK, ACK. */
  handshake(): Uint8Array[] {
    const syn = this.packet('client', 'S', this.clientSeq);
    this.clientSeq = (this.clientSeq + 1) >>> 0;
    const synAck = this.packet('server', 'SA', this.serverSeq);
    this.serverSeq = (this.serverSeq + 1) >>> 0;
    return [syn, synAck, this.packet('client', 'A', this.clientSeq)];
  }

  /** One data segment per piece, in order; sequence numbers advance. */
  send(from: 'client' | 'server', ...pieces: Uint8Array[]): Uint8Array[] {
    return pieces.map((piece) => {
      const seq = from === 'client' ? this.clientSeq : this.serverSeq;
      const p = this.packet(from, 'PA', seq, piece);
      if (from === 'client') this.clientSeq = (seq + piece.length) >>> 0;
      else this.serverSeq = (seq + piece.length) >>> 0;
      return p;
    });
  }

  /** A segment at an explicit sequence number (retransmissions, conflicts); does not advance. */
  segmentAt(from: 'client' | 'server', seq: number, payload: Uint8Array, flags = 'PA'): Uint8Array {
    return this.packet(from, flags, seq, payload);
  }

  /** A pure ACK. */
  ack(from: 'client' | 'server'): Uint8Array {
    return this.packet(from, 'A', from === 'client' ? this.clientSeq : this.serverSeq);
  }

  /** FIN-ACK from one side (consumes one sequence number). */
  fin(from: 'client' | 'server'): Uint8Array {
    const seq = from === 'client' ? this.clientSeq : this.serverSeq;
    const p = this.packet(from, 'FA', seq);
    if (from === 'client') this.clientSeq = (seq + 1) >>> 0;
    else this.serverSeq = (seq + 1) >>> 0;
    return p;
  }

  /** FIN from both sides and the last ACK. */
  close(): Uint8Array[] {
    return [this.fin('client'), this.fin('server'), this.ack('client')];
  }

  rst(from: 'client' | 'server'): Uint8Array {
    return this.packet(from, 'RA', from === 'client' ? this.clientSeq : this.serverSeq);
  }
}

/** pcap records for frames one millisecond apart from `seconds`. */
export function recordsAt(seconds: number, frames: Uint8Array[], stepMicros = 1000): PcapRecord[] {
  return frames.map((data, i) => ({
    seconds: seconds + Math.floor((i * stepMicros) / 1e6),
    fraction: (i * stepMicros) % 1e6,
    data,
  }));
}
