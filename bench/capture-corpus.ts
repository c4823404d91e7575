/**
 * Generated pcap captures of libprocess traffic for the capture benchmarks (bench/pcap-read.ts,
 * bench/capture-decode.ts). Deterministic (seeded): the same file on every machine.
 *
 * `connections` concurrent connections over Ethernet/IPv4 from 10.0.1.x clients to one server port, each carrying
 * whole libprocess messages (from `message`) cut into 1448-byte segments, each answered by a 202 on the same
 * connection, pure ACKs, a fraction `ooo` of segments swapped with their successor (reordering) and the same
 * fraction retransmitted; connections close with FIN after 20-220 messages and are replaced by new ones (new ports).
 * Checksums are left 0 (no reader checks them). Written through a 1 MiB buffer: generation memory stays flat.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

const MSS = 1448;

/** xorshift32, seeded. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

/** Buffered file writer: 1 MiB at a time. */
class FileSink {
  private readonly fd: number;
  private readonly buffer = new Uint8Array(1 << 20);
  private used = 0;
  written = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  write(bytes: Uint8Array): void {
    if (this.used + bytes.length > this.buffer.length) this.flush();
    if (bytes.length > this.buffer.length) {
      writeSync(this.fd, bytes);
    } else {
      this.buffer.set(bytes, this.used);
      this.used += bytes.length;
    }
    this.written += bytes.length;
  }
  flush(): void {
    if (this.used > 0) writeSync(this.fd, this.buffer, 0, this.used);
    this.used = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export const latin1 = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A libprocess message as Mesos 1.11 writes it (chunked body in one chunk; no body: no framing header). */
export function libprocessMessageBytes(name: string, from: string, to: string, body: Uint8Array): Uint8Array {
  const id = to.slice(0, to.indexOf('@'));
  const head =
    `POST /${id}/${name} HTTP/1.1\r\nUser-Agent: libprocess/${from}\r\n` +
    `Libprocess-From: ${from}\r\nConnection: Keep-Alive\r\nHost: \r\n`;
  if (body.length === 0) return latin1(`${head}\r\n`);
  return concat([
    latin1(`${head}Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n`),
    body,
    latin1('\r\n0\r\n\r\n'),
  ]);
}

/** Synthetic bodies (not protobuf): 0 B to 16 KiB of patterned bytes, for reading/reassembly benchmarks. */
export function syntheticLibprocessMessage(random: () => number, index: number): Uint8Array {
  const names = ['StatusUpdateMessage', 'RunTaskMessage', 'PingSlaveMessage', 'ResourceOffersMessage'];
  const name = names[index % names.length]!;
  const size = random() < 0.7 ? Math.floor(random() * 512) : Math.floor(random() * 16384);
  const head =
    `POST /slave(1)/mesos.internal.${name} HTTP/1.1\r\nUser-Agent: libprocess/master@10.0.0.1:5050\r\n` +
    'Libprocess-From: master@10.0.0.1:5050\r\nConnection: Keep-Alive\r\nHost: 10.0.0.2:5051\r\n';
  if (size === 0) return latin1(`${head}\r\n`);
  const body = new Uint8Array(size);
  for (let i = 0; i < size; i++) body[i] = (i * 31 + index) & 0xff;
  return concat([
    latin1(`${head}Transfer-Encoding: chunked\r\n\r\n${size.toString(16)}\r\n`),
    body,
    latin1('\r\n0\r\n\r\n'),
  ]);
}

export const ACCEPTED = latin1(
  'HTTP/1.1 202 Accepted\r\nDate: Fri, 27 Nov 2026 21:00:00 GMT\r\nContent-Length: 0\r\n\r\n',
);

/** Ethernet + IPv4 + TCP headers (54 bytes) and payload, written by hand, checksums 0. */
export function tcpFrame(
  src: number,
  dst: number,
  sport: number,
  dport: number,
  seq: number,
  ack: number,
  flags: number,
  payload: Uint8Array,
): Uint8Array {
  const f = new Uint8Array(54 + payload.length);
  f[0] = 2;
  f[6] = 2;
  f[12] = 0x08;
  f[14] = 0x45;
  const total = 40 + payload.length;
  f[16] = total >> 8;
  f[17] = total & 0xff;
  f[22] = 64;
  f[23] = 6;
  for (let i = 0; i < 4; i++) {
    f[26 + i] = (src >>> (24 - 8 * i)) & 0xff;
    f[30 + i] = (dst >>> (24 - 8 * i)) & 0xff;
  }
  f[34] = sport >> 8;
  f[35] = sport & 0xff;
  f[36] = dport >> 8;
  f[37] = dport & 0xff;
  for (let i = 0; i < 4; i++) {
    f[38 + i] = (seq >>> (24 - 8 * i)) & 0xff;
    f[42 + i] = (ack >>> (24 - 8 * i)) & 0xff;
  }
  f[46] = 0x50;
  f[47] = flags;
  f[48] = 0xff;
  f[49] = 0xff;
  f.set(payload, 54);
  return f;
}

/** Options of generateCapture. */
export interface CaptureCorpusOptions {
  /** Concurrent connections. */
  connections: number;
  /** Fraction of segments reordered (and, separately, retransmitted). */
  ooo: number;
  /** The server's port (5051: an agent; 5050: the master). */
  serverPort: number;
  /** The request bytes of message number `index`. */
  message: (random: () => number, index: number) => Uint8Array;
  seed?: number;
}

/** Writes a pcap of at least `targetBytes` to `path`; returns the number of messages written. */
export function generateCapture(path: string, targetBytes: number, options: CaptureCorpusOptions): number {
  const random = rng(options.seed ?? 20261127);
  const port = options.serverPort;
  const sink = new FileSink(path);
  const header = new Uint8Array(24);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, 0xa1b2c3d4, true);
  hv.setUint16(4, 2, true);
  hv.setUint16(6, 4, true);
  hv.setUint32(16, 262144, true);
  hv.setUint32(20, 1, true);
  sink.write(header);
  let micros = 0;
  const recordHeader = new Uint8Array(16);
  const rv = new DataView(recordHeader.buffer);
  const emit = (f: Uint8Array) => {
    micros += 7;
    rv.setUint32(0, 1795813200 + Math.floor(micros / 1e6), true);
    rv.setUint32(4, micros % 1e6, true);
    rv.setUint32(8, f.length, true);
    rv.setUint32(12, f.length, true);
    sink.write(recordHeader);
    sink.write(f);
  };
  const SERVER = 0x0a000002;
  interface Conn {
    client: number;
    port: number;
    cseq: number;
    sseq: number;
    left: number;
    messages: number;
  }
  let nextPort = 10000;
  const empty = new Uint8Array(0);
  const open = (): Conn => {
    const c: Conn = {
      client: 0x0a000100 + Math.floor(random() * 200),
      port: nextPort++ > 60000 ? (nextPort = 10000) : nextPort,
      cseq: Math.floor(random() * 4294967295),
      sseq: Math.floor(random() * 4294967295),
      left: 20 + Math.floor(random() * 200),
      messages: 0,
    };
    emit(tcpFrame(c.client, SERVER, c.port, port, c.cseq, 0, 0x02, empty));
    emit(tcpFrame(SERVER, c.client, port, c.port, c.sseq, c.cseq + 1, 0x12, empty));
    c.cseq = (c.cseq + 1) >>> 0;
    c.sseq = (c.sseq + 1) >>> 0;
    emit(tcpFrame(c.client, SERVER, c.port, port, c.cseq, c.sseq, 0x10, empty));
    return c;
  };
  const conns: Conn[] = [];
  for (let i = 0; i < options.connections; i++) conns.push(open());
  let index = 0;
  while (sink.written < targetBytes) {
    const slot = Math.floor(random() * conns.length);
    const c = conns[slot]!;
    const message = options.message(random, index++);
    const segments: Uint8Array[] = [];
    for (let at = 0; at < message.length; at += MSS) {
      const piece = message.subarray(at, Math.min(at + MSS, message.length));
      segments.push(tcpFrame(c.client, SERVER, c.port, port, (c.cseq + at) >>> 0, c.sseq, 0x18, piece));
    }
    c.cseq = (c.cseq + message.length) >>> 0;
    for (let i = 0; i < segments.length; i++) {
      if (i + 1 < segments.length && random() < options.ooo) {
        emit(segments[i + 1]!);
        emit(segments[i]!);
        i++;
        continue;
      }
      emit(segments[i]!);
      if (random() < options.ooo) emit(segments[i]!);
    }
    emit(tcpFrame(SERVER, c.client, port, c.port, c.sseq, c.cseq, 0x18, ACCEPTED));
    c.sseq = (c.sseq + ACCEPTED.length) >>> 0;
    emit(tcpFrame(c.client, SERVER, c.port, port, c.cseq, c.sseq, 0x10, empty));
    if (++c.messages >= c.left) {
      emit(tcpFrame(c.client, SERVER, c.port, port, c.cseq, c.sseq, 0x11, empty));
      emit(tcpFrame(SERVER, c.client, port, c.port, c.sseq, c.cseq + 1, 0x11, empty));
      emit(tcpFrame(c.client, SERVER, c.port, port, c.cseq + 1, c.sseq + 1, 0x10, empty));
      conns[slot] = open();
    }
  }
  sink.close();
  return index;
}
