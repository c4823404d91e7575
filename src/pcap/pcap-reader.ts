import { ByteQueue } from '../bytes/byte-queue.ts';
import { type ErrorCode, MesosWireError } from '../errors.ts';
import { type CapturedPacket, type CaptureReader, readU16, readU32 } from './packet.ts';
import { CaptureTimestamp } from './timestamp.ts';

/**
 * pcap ("libpcap") file format: a 24-byte global header (magic, version 2.4,
 * thiszone, sigfigs, snaplen, link type) then records of a 16-byte header
 * (ts_sec, ts_usec or ts_nsec, incl_len, orig_len) plus incl_len bytes. The writer's
 * byte order is given by the magic; see draft-ietf-opsawg-pcap.
 */
export const PCAP_GLOBAL_HEADER_LENGTH = 24;
/** Microsecond timestamps, as written (0xa1b2c3d4). */
export const PCAP_MAGIC_MICROS = 0xa1b2c3d4;
/** Nanosecond timestamps (0xa1b23c4d). */
export const PCAP_MAGIC_NANOS = 0xa1b23c4d;
/** Alexey Kuznetsov's patched libpcap: 8 extra bytes per record header (ifindex, protocol, pkt_type). */
export const PCAP_MAGIC_KUZNETSOV = 0xa1b2cd34;
const RECORD_HEADER_LENGTH = 16;
const KUZNETSOV_RECORD_HEADER_LENGTH = 24;

/** Default limit on one packet's captured bytes, checked before buffering it. */
export const MAX_PACKET_BYTES_DEFAULT = 256 * 1024;

/** Options of the capture readers. */
export interface CaptureReaderOptions {
  /** Largest captured length of one packet; larger records fail with MW_PCAP_RECORD_TOO_LARGE. Default 256 KiB. */
  maxPacketBytes?: number;
}

const State = { GLOBAL_HEADER: 0, RECORD: 1, FAILED: 2 } as const;
type State = (typeof State)[keyof typeof State];

/**
 * Push-driven pcap reader: `write(bytes, onPacket)` as the file arrives, `end()` at EOF.
 * Packets are delivered in file order with 1-based frame numbers; `data` is a view of
 * the input when the record lies inside one input chunk.
 */
export class PcapReader implements CaptureReader {
  private readonly queue = new ByteQueue();
  private readonly maxPacketBytes: number;
  private state: State = State.GLOBAL_HEADER;
  private failure: MesosWireError | undefined;
  private littleEndian = true;
  private nanosecond = false;
  private recordHeaderLength = RECORD_HEADER_LENGTH;
  private delivered = 0;
  /** LINKTYPE_* of every packet (lower 16 bits of the header's network field). */
  linkType = -1;
  /** Snap length from the global header. */
  snapLength = 0;
  /** Version from the global header, e.g. [2, 4]. */
  version: [number, number] = [0, 0];

  constructor(options: CaptureReaderOptions = {}) {
    this.maxPacketBytes = options.maxPacketBytes ?? MAX_PACKET_BYTES_DEFAULT;
  }

  get offset(): number {
    return this.queue.offset;
  }

  get packets(): number {
    return this.delivered;
  }

  /** The first error, once the reader has failed. */
  get error(): MesosWireError | undefined {
    return this.failure;
  }

  write(bytes: Uint8Array, onPacket: (packet: CapturedPacket) => void): void {
    if (this.failure) throw this.failure;
    this.queue.push(bytes);
    const queue = this.queue;
    for (;;) {
      if (this.state === State.GLOBAL_HEADER) {
        if (queue.length < PCAP_GLOBAL_HEADER_LENGTH) return;
        this.readGlobalHeader(queue.take(PCAP_GLOBAL_HEADER_LENGTH));
        continue;
      }
      const headerLength = this.recordHeaderLength;
      if (queue.length < headerLength) return;
      const header = queue.peek(headerLength);
      const le = this.littleEndian;
      const capturedLength = readU32(header, 8, le);
      if (capturedLength > this.maxPacketBytes) {
        this.fail(
          'MW_PCAP_RECORD_TOO_LARGE',
          `pcap record claims ${capturedLength} captured bytes, more than maxPacketBytes ${this.maxPacketBytes}`,
          queue.offset + 8,
        );
      }
      if (queue.length < headerLength + capturedLength) return;
      const fileOffset = queue.offset;
      const seconds = readU32(header, 0, le);
      const fraction = readU32(header, 4, le);
      const originalLength = readU32(header, 12, le);
      const record = queue.take(headerLength + capturedLength);
      const data = record.subarray(headerLength);
      const perSecond = this.nanosecond ? 1_000_000_000 : 1_000_000;
      // Some writers put a whole second or more in the fraction field; carry it rather than fail.
      const carry = fraction >= perSecond ? Math.floor(fraction / perSecond) : 0;
      const nanos = (fraction - carry * perSecond) * (this.nanosecond ? 1 : 1000);
      const packet: CapturedPacket = {
        index: ++this.delivered,
        fileOffset,
        section: 0,
        interface: 0,
        linkType: this.linkType,
        timestamp: new CaptureTimestamp(seconds + carry, nanos, this.nanosecond ? 9 : 6),
        capturedLength,
        originalLength,
        data,
      };
      onPacket(packet);
    }
  }

  end(): void {
    if (this.failure) throw this.failure;
    if (this.state === State.GLOBAL_HEADER) {
      this.fail(
        'MW_PCAP_TRUNCATED',
        `file ends after ${this.queue.length} of the ${PCAP_GLOBAL_HEADER_LENGTH} bytes of the pcap global header`,
        this.queue.offset,
      );
    }
    if (this.queue.length > 0) {
      this.fail(
        'MW_PCAP_TRUNCATED',
        `file ends inside a pcap record (${this.queue.length} bytes of it present)`,
        this.queue.offset,
      );
    }
  }

  private readGlobalHeader(header: Uint8Array): void {
    const magicBe = readU32(header, 0, false);
    const magicLe = readU32(header, 0, true);
    let magic: number;
    if (magicBe === PCAP_MAGIC_MICROS || magicBe === PCAP_MAGIC_NANOS || magicBe === PCAP_MAGIC_KUZNETSOV) {
      this.littleEndian = false;
      magic = magicBe;
    } else if (magicLe === PCAP_MAGIC_MICROS || magicLe === PCAP_MAGIC_NANOS || magicLe === PCAP_MAGIC_KUZNETSOV) {
      this.littleEndian = true;
      magic = magicLe;
    } else {
      this.fail('MW_PCAP_BAD_MAGIC', `unknown pcap magic 0x${magicBe.toString(16).padStart(8, '0')}`, 0);
    }
    this.nanosecond = magic === PCAP_MAGIC_NANOS;
    if (magic === PCAP_MAGIC_KUZNETSOV) this.recordHeaderLength = KUZNETSOV_RECORD_HEADER_LENGTH;
    const le = this.littleEndian;
    this.version = [readU16(header, 4, le), readU16(header, 6, le)];
    if (this.version[0] !== 2) {
      this.fail('MW_PCAP_BAD_HEADER', `pcap major version ${this.version[0]} is not 2`, 4);
    }
    this.snapLength = readU32(header, 16, le);
    // The upper bits of the network field carry FCS information (draft-ietf-opsawg-pcap §4).
    this.linkType = readU32(header, 20, le) & 0xffff;
    this.state = State.RECORD;
  }

  private fail(code: ErrorCode, message: string, offset: number): never {
    this.state = State.FAILED;
    this.failure = new MesosWireError(code, message, { offset });
    throw this.failure;
  }
}
