import { ChunkedCaptureReader } from './chunked-reader.ts';
import { type CapturedPacket, capturedPacket, readU16, readU32, TransientPacket } from './packet.ts';
import { type CaptureReaderOptions, MAX_PACKET_BYTES_DEFAULT } from './pcap-reader.ts';
import {
  type CaptureTimestamp,
  MICROSECOND_RESOLUTION,
  type TimestampResolution,
  timestampFromUnits,
  UNKNOWN_TIME,
} from './timestamp.ts';

/**
 * pcapng: a sequence of blocks, each `type (4) | total length (4) | body | total length (4)`,
 * lengths counting the whole block and a multiple of 4. A Section Header Block starts
 * every section and fixes its byte order with the magic 0x1A2B3C4D; interfaces are
 * numbered per section in the order of their Interface Description Blocks.
 * See draft-ietf-opsawg-pcapng.
 */
export const BLOCK_SECTION_HEADER = 0x0a0d0d0a;
export const BLOCK_INTERFACE_DESCRIPTION = 0x00000001;
/** Obsolete Packet Block (replaced by the Enhanced Packet Block). */
export const BLOCK_PACKET = 0x00000002;
export const BLOCK_SIMPLE_PACKET = 0x00000003;
export const BLOCK_ENHANCED_PACKET = 0x00000006;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** Custom Blocks (copyable, not copyable) and the systemd Journal Export Block: skipped, but frames in Wireshark. */
const WIRESHARK_FRAME_BLOCKS = new Set([0x00000bad, 0x40000bad, 0x00000009]);

const OPTION_END = 0;
const OPTION_IF_TSRESOL = 9;
const OPTION_IF_TSOFFSET = 14;

/** Smallest valid total length of each block type we decode (header, fixed fields, trailer). */
const MIN_BLOCK_LENGTH: Record<number, number> = {
  [BLOCK_SECTION_HEADER]: 28,
  [BLOCK_INTERFACE_DESCRIPTION]: 20,
  [BLOCK_PACKET]: 32,
  [BLOCK_SIMPLE_PACKET]: 16,
  [BLOCK_ENHANCED_PACKET]: 32,
};
const GENERIC_MIN_BLOCK_LENGTH = 12;
/** Room for the fixed fields and options of a packet block on top of its packet bytes. */
const BLOCK_OVERHEAD_ALLOWANCE = 64 * 1024;

/** An interface described in the current section. */
export interface PcapngInterface {
  readonly linkType: number;
  readonly snapLength: number;
  readonly resolution: TimestampResolution;
  /** if_tsoffset: seconds added to every timestamp of the interface. */
  readonly offsetSeconds: number;
}

const State = { BLOCK_HEADER: 0, BLOCK_BODY: 1, SKIP: 2, SKIPPED_TRAILER: 3 } as const;
type State = (typeof State)[keyof typeof State];

const NO_BYTES = new Uint8Array(0);

/**
 * Push-driven pcapng reader (same contract as PcapReader). Decodes SHB, IDB, EPB, SPB
 * and the obsolete Packet Block; other blocks are skipped without being buffered
 * (their trailer length is still checked). Custom blocks take a frame number without
 * delivering a packet, as in Wireshark. A Simple Packet Block has no timestamp: its
 * packet's time is UNKNOWN_TIME (`known` false, null in JSON), not a made-up one.
 *
 * Blocks are read in place from each input chunk; only a unit (block header, block, or skipped block's trailer) cut
 * by the end of a chunk is copied, into `carry`, and completed from the next chunk.
 */
export class PcapngReader extends ChunkedCaptureReader {
  private readonly maxBlockBytes: number;
  private state: State = State.BLOCK_HEADER;
  private littleEndian = true;
  private sawSection = false;
  private blockType = 0;
  private blockLength = 0;
  private blockOffset = 0;
  private skipRemaining = 0;
  /** Section number (0-based) of the current section. */
  section = -1;
  /** Interfaces of the current section, by id. */
  interfaces: PcapngInterface[] = [];

  /** The packet object handed out for every packet (transientPackets), or undefined: a new one each time. */
  private readonly transient: TransientPacket | undefined;

  constructor(options: CaptureReaderOptions = {}) {
    super(options.maxPacketBytes ?? MAX_PACKET_BYTES_DEFAULT);
    this.maxBlockBytes = this.maxPacketBytes + BLOCK_OVERHEAD_ALLOWANCE;
    this.transient = options.transientPackets === true ? new TransientPacket() : undefined;
  }

  /** The packet described: the transient object filled, or a new object. */
  private packet(
    iface: number,
    linkType: number,
    timestamp: CaptureTimestamp,
    capturedLength: number,
    originalLength: number,
    frame: Uint8Array,
    frameStart: number,
  ): CapturedPacket {
    return capturedPacket(
      this.transient,
      ++this.delivered,
      this.blockOffset,
      this.section,
      iface,
      linkType,
      timestamp,
      capturedLength,
      originalLength,
      frame,
      frameStart,
    );
  }

  end(): void {
    if (this.failure) throw this.failure;
    if (!this.sawSection) {
      this.fail('MW_PCAP_TRUNCATED', 'file ends before the pcapng Section Header Block', this.consumed);
    }
    if (this.state !== State.BLOCK_HEADER || this.carried > 0 || this.unread.length > 0) {
      const at = this.state === State.BLOCK_HEADER ? this.consumed : this.blockOffset;
      this.fail('MW_PCAP_TRUNCATED', 'file ends inside a pcapng block', at);
    }
  }

  /** Reads one input chunk: tops up and reads a carried unit first, then reads blocks in place. */
  protected read(bytes: Uint8Array, onPacket: (packet: CapturedPacket) => void): void {
    let at = 0;
    while (this.carried > 0) {
      const carry = this.carry;
      const take = Math.min(carry.length - this.carried, bytes.length - at);
      carry.set(at === 0 && take === bytes.length ? bytes : bytes.subarray(at, at + take), this.carried);
      this.carried += take;
      at += take;
      if (this.carried < carry.length) return;
      // Whole: read it like input (it may turn out to be only the header of a longer unit, carried again).
      this.carry = NO_BYTES;
      this.carried = 0;
      this.readUnits(carry, 0, onPacket, bytes, at);
    }
    this.readUnits(bytes, at, onPacket, bytes, bytes.length);
  }

  /**
   * Reads blocks from `bytes` at `at`; a unit cut by its end is carried. `input` from `resumeAt` on is what follows
   * `bytes` in the file (kept for the next write if a packet handler throws).
   */
  private readUnits(
    bytes: Uint8Array,
    at: number,
    onPacket: (packet: CapturedPacket) => void,
    input: Uint8Array,
    resumeAt: number,
  ): void {
    const end = bytes.length;
    for (;;) {
      switch (this.state) {
        case State.BLOCK_HEADER: {
          if (end - at < 8) {
            this.startCarry(bytes, at, 8);
            return;
          }
          const typeLe = readU32(bytes, at, true);
          if (typeLe === BLOCK_SECTION_HEADER) {
            // The byte order magic follows the length; both are needed to read the length.
            if (end - at < 12) {
              this.startCarry(bytes, at, 12);
              return;
            }
            this.startSection(bytes, at);
          } else if (!this.sawSection) {
            this.fail('MW_PCAPNG_BAD_BLOCK', 'pcapng file does not start with a Section Header Block', this.consumed);
          }
          const le = this.littleEndian;
          this.blockOffset = this.consumed;
          this.blockType = readU32(bytes, at, le);
          this.blockLength = readU32(bytes, at + 4, le);
          this.checkBlockLength();
          if (this.isDecoded(this.blockType)) {
            this.state = State.BLOCK_BODY;
          } else {
            // Wireshark numbers custom and systemd-journal blocks as frames; keep frame numbers aligned with it.
            if (WIRESHARK_FRAME_BLOCKS.has(this.blockType)) this.delivered++;
            at += 8;
            this.consumed += 8;
            this.skipRemaining = this.blockLength - 12;
            this.state = State.SKIP;
          }
          continue;
        }
        case State.BLOCK_BODY: {
          const length = this.blockLength;
          if (end - at < length) {
            this.startCarry(bytes, at, length);
            return;
          }
          // Consumed before it is checked: after a bad block, `offset` is past it.
          this.consumed += length;
          this.checkTrailer(bytes, at, length - 4);
          this.state = State.BLOCK_HEADER;
          at += length;
          try {
            this.decodeBlock(bytes, at - length, onPacket);
          } catch (error) {
            // A packet handler's error (the reader's own are terminal): what follows is read by the next write.
            if (this.failure === undefined) this.keepUnread(bytes, at, input, resumeAt);
            throw error;
          }
          continue;
        }
        case State.SKIP: {
          const n = Math.min(this.skipRemaining, end - at);
          at += n;
          this.consumed += n;
          this.skipRemaining -= n;
          if (this.skipRemaining > 0) return;
          this.state = State.SKIPPED_TRAILER;
          continue;
        }
        case State.SKIPPED_TRAILER: {
          if (end - at < 4) {
            this.startCarry(bytes, at, 4);
            return;
          }
          const trailer = readU32(bytes, at, this.littleEndian);
          const trailerOffset = this.consumed;
          at += 4;
          this.consumed += 4;
          if (trailer !== this.blockLength) {
            this.fail(
              'MW_PCAPNG_BAD_BLOCK',
              `pcapng block trailer length ${trailer} differs from its header length ${this.blockLength}`,
              trailerOffset,
            );
          }
          this.state = State.BLOCK_HEADER;
          continue;
        }
        default:
          return;
      }
    }
  }

  /** Copies bytes[at..] (less than `size`, the unit's length) into a fresh carry. */
  private startCarry(bytes: Uint8Array, at: number, size: number): void {
    if (at === bytes.length) return;
    this.carry = new Uint8Array(size);
    this.carry.set(bytes.subarray(at), 0);
    this.carried = bytes.length - at;
  }

  private keepUnread(bytes: Uint8Array, at: number, input: Uint8Array, resumeAt: number): void {
    if (resumeAt < input.length) this.unread.unshift(input.subarray(resumeAt));
    if (bytes !== input && at < bytes.length) this.unread.unshift(bytes.slice(at));
    else if (bytes === input && at < resumeAt) this.unread.unshift(bytes.subarray(at, resumeAt));
  }

  private isDecoded(type: number): boolean {
    return (
      type === BLOCK_SECTION_HEADER ||
      type === BLOCK_INTERFACE_DESCRIPTION ||
      type === BLOCK_ENHANCED_PACKET ||
      type === BLOCK_SIMPLE_PACKET ||
      type === BLOCK_PACKET
    );
  }

  private startSection(bytes: Uint8Array, at: number): void {
    const magicLe = readU32(bytes, at + 8, true);
    if (magicLe === BYTE_ORDER_MAGIC) this.littleEndian = true;
    else if (readU32(bytes, at + 8, false) === BYTE_ORDER_MAGIC) this.littleEndian = false;
    else {
      this.fail(
        'MW_PCAPNG_BAD_BLOCK',
        `pcapng byte-order magic is 0x${readU32(bytes, at + 8, false)
          .toString(16)
          .padStart(8, '0')}, not 0x1a2b3c4d`,
        this.consumed + 8,
      );
    }
    this.sawSection = true;
  }

  private checkBlockLength(): void {
    const length = this.blockLength;
    const min = MIN_BLOCK_LENGTH[this.blockType] ?? GENERIC_MIN_BLOCK_LENGTH;
    if (length < min || length % 4 !== 0) {
      this.fail(
        'MW_PCAPNG_BAD_BLOCK',
        `pcapng block of type 0x${this.blockType.toString(16)} has total length ${length} (minimum ${min}, multiple of 4)`,
        this.blockOffset + 4,
      );
    }
    if (this.isDecoded(this.blockType) && length > this.maxBlockBytes) {
      this.fail(
        'MW_PCAP_RECORD_TOO_LARGE',
        `pcapng block of ${length} bytes exceeds the limit of ${this.maxBlockBytes} (maxPacketBytes + 64 KiB)`,
        this.blockOffset + 4,
      );
    }
  }

  /** Checks the trailer at `at` of the block that starts at `base`. */
  private checkTrailer(bytes: Uint8Array, base: number, at: number): void {
    const trailer = readU32(bytes, base + at, this.littleEndian);
    if (trailer !== this.blockLength) {
      this.fail(
        'MW_PCAPNG_BAD_BLOCK',
        `pcapng block trailer length ${trailer} differs from its header length ${this.blockLength}`,
        this.blockOffset + at,
      );
    }
  }

  /** Decodes the block (of blockLength bytes) that starts at `base` in `bytes`. */
  private decodeBlock(bytes: Uint8Array, base: number, onPacket: (packet: CapturedPacket) => void): void {
    const le = this.littleEndian;
    switch (this.blockType) {
      case BLOCK_SECTION_HEADER: {
        const major = readU16(bytes, base + 12, le);
        if (major !== 1)
          this.fail('MW_PCAPNG_BAD_BLOCK', `pcapng major version ${major} is not 1`, this.blockOffset + 12);
        this.section++;
        this.interfaces = [];
        return;
      }
      case BLOCK_INTERFACE_DESCRIPTION:
        this.interfaces.push(this.decodeInterface(bytes.subarray(base, base + this.blockLength)));
        return;
      case BLOCK_ENHANCED_PACKET: {
        const interfaceId = readU32(bytes, base + 8, le);
        const high = readU32(bytes, base + 12, le);
        this.emitPacket(bytes, base, interfaceId, high, readU32(bytes, base + 16, le), 20, onPacket);
        return;
      }
      case BLOCK_PACKET: {
        const interfaceId = readU16(bytes, base + 8, le);
        const high = readU32(bytes, base + 12, le);
        this.emitPacket(bytes, base, interfaceId, high, readU32(bytes, base + 16, le), 20, onPacket);
        return;
      }
      case BLOCK_SIMPLE_PACKET: {
        const iface = this.interfaceAt(0, this.blockOffset + 8);
        const originalLength = readU32(bytes, base + 8, le);
        // The SPB has no captured length: it is the original length cut by interface 0's snap length.
        let capturedLength = originalLength;
        if (iface.snapLength > 0 && capturedLength > iface.snapLength) capturedLength = iface.snapLength;
        if (capturedLength > this.blockLength - 16) capturedLength = this.blockLength - 16;
        if (capturedLength > this.maxPacketBytes) this.tooLarge(capturedLength, this.blockOffset + 8);
        // The SPB carries no timestamp: say so rather than invent one.
        onPacket(this.packet(0, iface.linkType, UNKNOWN_TIME, capturedLength, originalLength, bytes, base + 12));
        return;
      }
      default:
        return;
    }
  }

  private emitPacket(
    bytes: Uint8Array,
    base: number,
    interfaceId: number,
    timeHigh: number,
    timeLow: number,
    lengthsAt: number,
    onPacket: (packet: CapturedPacket) => void,
  ): void {
    const le = this.littleEndian;
    const iface = this.interfaceAt(interfaceId, this.blockOffset + 8);
    const capturedLength = readU32(bytes, base + lengthsAt, le);
    const originalLength = readU32(bytes, base + lengthsAt + 4, le);
    if (capturedLength > this.maxPacketBytes) this.tooLarge(capturedLength, this.blockOffset + lengthsAt);
    const dataAt = lengthsAt + 8;
    if (dataAt + capturedLength + 4 > this.blockLength) {
      this.fail(
        'MW_PCAPNG_BAD_BLOCK',
        `pcapng packet block claims ${capturedLength} captured bytes but has room for ${this.blockLength - dataAt - 4}`,
        this.blockOffset + lengthsAt,
      );
    }
    const timestamp = timestampFromUnits(timeHigh, timeLow, iface.resolution, iface.offsetSeconds);
    onPacket(this.packet(interfaceId, iface.linkType, timestamp, capturedLength, originalLength, bytes, base + dataAt));
  }

  private interfaceAt(id: number, offset: number): PcapngInterface {
    const iface = this.interfaces[id];
    if (iface === undefined) {
      this.fail(
        'MW_PCAPNG_UNKNOWN_INTERFACE',
        `pcapng packet names interface ${id}, but section ${this.section} describes ${this.interfaces.length}`,
        offset,
      );
    }
    return iface;
  }

  private decodeInterface(block: Uint8Array): PcapngInterface {
    const le = this.littleEndian;
    const linkType = readU16(block, 8, le);
    const snapLength = readU32(block, 12, le);
    let resolution = MICROSECOND_RESOLUTION;
    let offsetSeconds = 0;
    const end = block.length - 4;
    let at = 16;
    while (at + 4 <= end) {
      const code = readU16(block, at, le);
      const length = readU16(block, at + 2, le);
      if (code === OPTION_END) break;
      const valueAt = at + 4;
      if (valueAt + length > end) {
        this.fail('MW_PCAPNG_BAD_BLOCK', `pcapng option ${code} overruns its block`, this.blockOffset + at);
      }
      if (code === OPTION_IF_TSRESOL && length >= 1) {
        const value = block[valueAt]!;
        resolution = { binary: (value & 0x80) !== 0, exponent: value & 0x7f };
      } else if (code === OPTION_IF_TSOFFSET && length >= 8) {
        // A signed 64-bit integer in the section's byte order.
        const first = readU32(block, valueAt, le);
        const second = readU32(block, valueAt + 4, le);
        const [high, low] = le ? [second, first] : [first, second];
        offsetSeconds = Number((BigInt.asIntN(32, BigInt(high)) << 32n) | BigInt(low));
      }
      at = valueAt + ((length + 3) & ~3);
    }
    return { linkType, snapLength, resolution, offsetSeconds };
  }

  private tooLarge(capturedLength: number, offset: number): never {
    this.fail(
      'MW_PCAP_RECORD_TOO_LARGE',
      `pcapng packet claims ${capturedLength} captured bytes, more than maxPacketBytes ${this.maxPacketBytes}`,
      offset,
    );
  }
}
