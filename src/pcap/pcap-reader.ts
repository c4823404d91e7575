import { ChunkedCaptureReader } from './chunked-reader.ts';
import { type CapturedPacket, capturedPacket, readU16, readU32, TransientPacket } from './packet.ts';
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
  /**
   * The caller keeps no packet object past its callback (what it keeps is `packetRefOf(packet)` and copies of
   * fields), so the reader may hand out one packet object again and again, with a small PacketRef per packet as its
   * `ref`. Less garbage per packet for a decoder that reads millions of them. Default false: a new object per packet.
   */
  transientPackets?: boolean;
}

const State = { GLOBAL_HEADER: 0, RECORD: 1 } as const;
type State = (typeof State)[keyof typeof State];

const NO_BYTES = new Uint8Array(0);

/**
 * Push-driven pcap reader: `write(bytes, onPacket)` as the file arrives, `end()` at EOF.
 * Packets are delivered in file order with 1-based frame numbers; `data` is a view of
 * the input when the record lies inside one input chunk.
 *
 * Records are read in place from each input chunk (header fields straight from its bytes, one view for the data).
 * Only a header or record cut by the end of a chunk is copied, into `carry`, and completed from the next chunk.
 */
export class PcapReader extends ChunkedCaptureReader {
  // The carried unit is the global header, a record header or a record, sized to the whole unit once its length is
  // known. A record delivered from it keeps it (the packet's data is a view of it): the next cut gets a fresh one.
  private state: State = State.GLOBAL_HEADER;
  private littleEndian = true;
  private nanosecond = false;
  private recordHeaderLength = RECORD_HEADER_LENGTH;
  /** LINKTYPE_* of every packet (lower 16 bits of the header's network field). */
  linkType = -1;
  /** Snap length from the global header. */
  snapLength = 0;
  /** Version from the global header, e.g. [2, 4]. */
  version: [number, number] = [0, 0];

  /** The packet object handed out for every packet (transientPackets), or undefined: a new one each time. */
  private readonly transient: TransientPacket | undefined;

  constructor(options: CaptureReaderOptions = {}) {
    super(options.maxPacketBytes ?? MAX_PACKET_BYTES_DEFAULT);
    this.transient = options.transientPackets === true ? new TransientPacket() : undefined;
  }

  end(): void {
    if (this.failure) throw this.failure;
    let left = this.carried;
    for (const piece of this.unread) left += piece.length;
    if (this.state === State.GLOBAL_HEADER) {
      this.fail(
        'MW_PCAP_TRUNCATED',
        `file ends after ${left} of the ${PCAP_GLOBAL_HEADER_LENGTH} bytes of the pcap global header`,
        this.consumed,
      );
    }
    if (left > 0) {
      this.fail('MW_PCAP_TRUNCATED', `file ends inside a pcap record (${left} bytes of it present)`, this.consumed);
    }
  }

  /** Reads one input chunk: first completes the unit carried over, then reads records in place, then carries the rest. */
  protected read(bytes: Uint8Array, onPacket: (packet: CapturedPacket) => void): void {
    let at = 0;
    if (this.carried > 0) {
      at = this.fillCarry(bytes, onPacket);
      if (this.carried > 0) return;
    }
    const end = bytes.length;
    if (this.state === State.GLOBAL_HEADER) {
      if (end - at < PCAP_GLOBAL_HEADER_LENGTH) {
        this.startCarry(bytes, at, PCAP_GLOBAL_HEADER_LENGTH);
        return;
      }
      // Consumed before it is checked: after a bad header, `offset` is past it (as when read whole).
      this.consumed += PCAP_GLOBAL_HEADER_LENGTH;
      this.readGlobalHeader(bytes.subarray(at, at + PCAP_GLOBAL_HEADER_LENGTH));
      at += PCAP_GLOBAL_HEADER_LENGTH;
    }
    const headerLength = this.recordHeaderLength;
    while (end - at >= headerLength) {
      const capturedLength = this.checkedLength(bytes, at);
      const recordEnd = at + headerLength + capturedLength;
      if (recordEnd > end) break;
      this.deliver(bytes, at, capturedLength, onPacket, bytes, recordEnd);
      at = recordEnd;
    }
    if (at < end) this.startCarry(bytes, at, headerLength);
  }

  /** incl_len of the record header at `at`, checked against maxPacketBytes before the record is buffered. */
  private checkedLength(header: Uint8Array, at: number): number {
    const capturedLength = readU32(header, at + 8, this.littleEndian);
    if (capturedLength > this.maxPacketBytes) {
      this.fail(
        'MW_PCAP_RECORD_TOO_LARGE',
        `pcap record claims ${capturedLength} captured bytes, more than maxPacketBytes ${this.maxPacketBytes}`,
        this.consumed + 8,
      );
    }
    return capturedLength;
  }

  /** Copies bytes[at..] into a fresh carry of `size` bytes (the unit's known length so far). */
  private startCarry(bytes: Uint8Array, at: number, size: number): void {
    const rest = bytes.length - at;
    // A record header already in hand tells the whole record's length (checked against the limit first).
    if (this.state === State.RECORD && rest >= this.recordHeaderLength) {
      size = this.recordHeaderLength + this.checkedLength(bytes, at);
    }
    this.carry = new Uint8Array(size);
    this.carry.set(bytes.subarray(at), 0);
    this.carried = rest;
  }

  /** Completes the carried unit from `bytes`; returns where the rest of `bytes` starts (carried is 0 when complete). */
  private fillCarry(bytes: Uint8Array, onPacket: (packet: CapturedPacket) => void): number {
    let at = 0;
    for (;;) {
      const carry = this.carry;
      const take = Math.min(carry.length - this.carried, bytes.length - at);
      carry.set(at === 0 && take === bytes.length ? bytes : bytes.subarray(at, at + take), this.carried);
      this.carried += take;
      at += take;
      if (this.carried < carry.length) return at;
      if (this.state === State.GLOBAL_HEADER) {
        this.consumed += PCAP_GLOBAL_HEADER_LENGTH;
        this.carried = 0;
        this.readGlobalHeader(carry);
        return at;
      }
      const headerLength = this.recordHeaderLength;
      if (carry.length === headerLength) {
        // The header is complete: grow the carry to the whole record.
        const size = headerLength + this.checkedLength(carry, 0);
        if (size > headerLength) {
          this.carry = new Uint8Array(size);
          this.carry.set(carry, 0);
          continue;
        }
      }
      this.carried = 0;
      this.carry = NO_BYTES;
      this.deliver(carry, 0, carry.length - headerLength, onPacket, bytes, at);
      return at;
    }
  }

  /**
   * Delivers the record whose header is at `at` in `record`. If the handler throws, `input` from `resumeAt` on is
   * kept for the next write (as if it had not been read yet).
   */
  private deliver(
    record: Uint8Array,
    at: number,
    capturedLength: number,
    onPacket: (packet: CapturedPacket) => void,
    input: Uint8Array,
    resumeAt: number,
  ): void {
    const le = this.littleEndian;
    const headerLength = this.recordHeaderLength;
    const seconds = readU32(record, at, le);
    const fraction = readU32(record, at + 4, le);
    const originalLength = readU32(record, at + 12, le);
    const fileOffset = this.consumed;
    this.consumed += headerLength + capturedLength;
    const perSecond = this.nanosecond ? 1_000_000_000 : 1_000_000;
    // Some writers put a whole second or more in the fraction field; carry it rather than fail.
    const carry = fraction >= perSecond ? Math.floor(fraction / perSecond) : 0;
    const nanos = (fraction - carry * perSecond) * (this.nanosecond ? 1 : 1000);
    const index = ++this.delivered;
    const timestamp = new CaptureTimestamp(seconds + carry, nanos, this.nanosecond ? 9 : 6);
    const packet = capturedPacket(
      this.transient,
      index,
      fileOffset,
      0,
      0,
      this.linkType,
      timestamp,
      capturedLength,
      originalLength,
      record,
      at + headerLength,
    );
    try {
      onPacket(packet);
    } catch (error) {
      if (resumeAt < input.length) this.unread.unshift(input.subarray(resumeAt));
      throw error;
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
}
