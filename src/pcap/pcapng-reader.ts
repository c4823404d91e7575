import { ByteQueue } from '../bytes/byte-queue.ts';
import { type ErrorCode, MesosWireError } from '../errors.ts';
import { type CapturedPacket, type CaptureReader, readU16, readU32 } from './packet.ts';
import { type CaptureReaderOptions, MAX_PACKET_BYTES_DEFAULT } from './pcap-reader.ts';
import { MICROSECOND_RESOLUTION, type TimestampResolution, timestampFromUnits } from './timestamp.ts';

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

const State = { BLOCK_HEADER: 0, BLOCK_BODY: 1, SKIP: 2, SKIPPED_TRAILER: 3, FAILED: 4 } as const;
type State = (typeof State)[keyof typeof State];

/**
 * Push-driven pcapng reader (same contract as PcapReader). Decodes SHB, IDB, EPB, SPB
 * and the obsolete Packet Block; other blocks are skipped without being buffered
 * (their trailer length is still checked). Custom blocks take a frame number without
 * delivering a packet, as in Wireshark. A Simple Packet Block has no timestamp: its
 * packet carries the epoch with zero fraction digits.
 */
export class PcapngReader implements CaptureReader {
  private readonly queue = new ByteQueue();
  private readonly maxPacketBytes: number;
  private readonly maxBlockBytes: number;
  private state: State = State.BLOCK_HEADER;
  private failure: MesosWireError | undefined;
  private littleEndian = true;
  private sawSection = false;
  private delivered = 0;
  private blockType = 0;
  private blockLength = 0;
  private blockOffset = 0;
  private skipRemaining = 0;
  /** Section number (0-based) of the current section. */
  section = -1;
  /** Interfaces of the current section, by id. */
  interfaces: PcapngInterface[] = [];

  constructor(options: CaptureReaderOptions = {}) {
    this.maxPacketBytes = options.maxPacketBytes ?? MAX_PACKET_BYTES_DEFAULT;
    this.maxBlockBytes = this.maxPacketBytes + BLOCK_OVERHEAD_ALLOWANCE;
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
      switch (this.state) {
        case State.BLOCK_HEADER: {
          if (queue.length < 8) return;
          const head = queue.peek(8);
          const typeLe = readU32(head, 0, true);
          if (typeLe === BLOCK_SECTION_HEADER) {
            // The byte order magic follows the length; both are needed to read the length.
            if (queue.length < 12) return;
            this.startSection(queue.peek(12));
          } else if (!this.sawSection) {
            this.fail('MW_PCAPNG_BAD_BLOCK', 'pcapng file does not start with a Section Header Block', queue.offset);
          }
          const le = this.littleEndian;
          this.blockOffset = queue.offset;
          this.blockType = readU32(head, 0, le);
          this.blockLength = readU32(head, 4, le);
          this.checkBlockLength();
          if (this.isDecoded(this.blockType)) {
            this.state = State.BLOCK_BODY;
          } else {
            // Wireshark numbers custom and systemd-journal blocks as frames; keep frame numbers aligned with it.
            if (WIRESHARK_FRAME_BLOCKS.has(this.blockType)) this.delivered++;
            queue.skip(8);
            this.skipRemaining = this.blockLength - 12;
            this.state = State.SKIP;
          }
          continue;
        }
        case State.BLOCK_BODY: {
          if (queue.length < this.blockLength) return;
          const block = queue.take(this.blockLength);
          this.checkTrailer(block, this.blockLength - 4);
          this.state = State.BLOCK_HEADER;
          this.decodeBlock(block, onPacket);
          continue;
        }
        case State.SKIP: {
          const n = Math.min(this.skipRemaining, queue.length);
          queue.skip(n);
          this.skipRemaining -= n;
          if (this.skipRemaining > 0) return;
          this.state = State.SKIPPED_TRAILER;
          continue;
        }
        case State.SKIPPED_TRAILER: {
          if (queue.length < 4) return;
          const trailerOffset = queue.offset;
          const trailer = queue.take(4);
          if (readU32(trailer, 0, this.littleEndian) !== this.blockLength) {
            this.fail(
              'MW_PCAPNG_BAD_BLOCK',
              `pcapng block trailer length ${readU32(trailer, 0, this.littleEndian)} differs from its header length ${this.blockLength}`,
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

  end(): void {
    if (this.failure) throw this.failure;
    if (!this.sawSection) {
      this.fail('MW_PCAP_TRUNCATED', 'file ends before the pcapng Section Header Block', this.queue.offset);
    }
    if (this.state !== State.BLOCK_HEADER || this.queue.length > 0) {
      const at = this.state === State.BLOCK_HEADER ? this.queue.offset : this.blockOffset;
      this.fail('MW_PCAP_TRUNCATED', 'file ends inside a pcapng block', at);
    }
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

  private startSection(head: Uint8Array): void {
    const magicLe = readU32(head, 8, true);
    if (magicLe === BYTE_ORDER_MAGIC) this.littleEndian = true;
    else if (readU32(head, 8, false) === BYTE_ORDER_MAGIC) this.littleEndian = false;
    else {
      this.fail(
        'MW_PCAPNG_BAD_BLOCK',
        `pcapng byte-order magic is 0x${readU32(head, 8, false).toString(16).padStart(8, '0')}, not 0x1a2b3c4d`,
        this.queue.offset + 8,
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

  private checkTrailer(block: Uint8Array, at: number): void {
    const trailer = readU32(block, at, this.littleEndian);
    if (trailer !== this.blockLength) {
      this.fail(
        'MW_PCAPNG_BAD_BLOCK',
        `pcapng block trailer length ${trailer} differs from its header length ${this.blockLength}`,
        this.blockOffset + at,
      );
    }
  }

  private decodeBlock(block: Uint8Array, onPacket: (packet: CapturedPacket) => void): void {
    const le = this.littleEndian;
    switch (this.blockType) {
      case BLOCK_SECTION_HEADER: {
        const major = readU16(block, 12, le);
        if (major !== 1)
          this.fail('MW_PCAPNG_BAD_BLOCK', `pcapng major version ${major} is not 1`, this.blockOffset + 12);
        this.section++;
        this.interfaces = [];
        return;
      }
      case BLOCK_INTERFACE_DESCRIPTION:
        this.interfaces.push(this.decodeInterface(block));
        return;
      case BLOCK_ENHANCED_PACKET: {
        const interfaceId = readU32(block, 8, le);
        this.emitPacket(block, interfaceId, readU32(block, 12, le), readU32(block, 16, le), 20, onPacket);
        return;
      }
      case BLOCK_PACKET: {
        const interfaceId = readU16(block, 8, le);
        this.emitPacket(block, interfaceId, readU32(block, 12, le), readU32(block, 16, le), 20, onPacket);
        return;
      }
      case BLOCK_SIMPLE_PACKET: {
        const iface = this.interfaceAt(0, this.blockOffset + 8);
        const originalLength = readU32(block, 8, le);
        // The SPB has no captured length: it is the original length cut by interface 0's snap length.
        let capturedLength = originalLength;
        if (iface.snapLength > 0 && capturedLength > iface.snapLength) capturedLength = iface.snapLength;
        if (capturedLength > block.length - 16) capturedLength = block.length - 16;
        if (capturedLength > this.maxPacketBytes) this.tooLarge(capturedLength, this.blockOffset + 8);
        onPacket({
          index: ++this.delivered,
          fileOffset: this.blockOffset,
          section: this.section,
          interface: 0,
          linkType: iface.linkType,
          // The SPB carries no timestamp; report the epoch with no fraction digits rather than invent one.
          timestamp: timestampFromUnits(0, 0, { binary: false, exponent: 0 }, 0),
          capturedLength,
          originalLength,
          data: block.subarray(12, 12 + capturedLength),
        });
        return;
      }
      default:
        return;
    }
  }

  private emitPacket(
    block: Uint8Array,
    interfaceId: number,
    timeHigh: number,
    timeLow: number,
    lengthsAt: number,
    onPacket: (packet: CapturedPacket) => void,
  ): void {
    const le = this.littleEndian;
    const iface = this.interfaceAt(interfaceId, this.blockOffset + 8);
    const capturedLength = readU32(block, lengthsAt, le);
    const originalLength = readU32(block, lengthsAt + 4, le);
    if (capturedLength > this.maxPacketBytes) this.tooLarge(capturedLength, this.blockOffset + lengthsAt);
    const dataAt = lengthsAt + 8;
    if (dataAt + capturedLength + 4 > block.length) {
      this.fail(
        'MW_PCAPNG_BAD_BLOCK',
        `pcapng packet block claims ${capturedLength} captured bytes but has room for ${block.length - dataAt - 4}`,
        this.blockOffset + lengthsAt,
      );
    }
    onPacket({
      index: ++this.delivered,
      fileOffset: this.blockOffset,
      section: this.section,
      interface: interfaceId,
      linkType: iface.linkType,
      timestamp: timestampFromUnits(timeHigh, timeLow, iface.resolution, iface.offsetSeconds),
      capturedLength,
      originalLength,
      data: block.subarray(dataAt, dataAt + capturedLength),
    });
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

  private fail(code: ErrorCode, message: string, offset: number): never {
    this.state = State.FAILED;
    this.failure = new MesosWireError(code, message, { offset });
    throw this.failure;
  }
}
