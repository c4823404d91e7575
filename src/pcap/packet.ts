import { type CaptureTimestamp, UNKNOWN_TIME } from './timestamp.ts';

/** Where a packet came from: enough to point a user at it in Wireshark. */
export interface PacketRef {
  /** Frame number, 1-based, counted over the whole file like Wireshark's frame.number. */
  readonly index: number;
  readonly timestamp: CaptureTimestamp;
}

/**
 * One packet record of a pcap or pcapng file.
 *
 * `data` is a view: it aliases the reader's input chunk (or a copy when the record
 * spanned chunks). Copy it to keep it beyond the callback if the caller reuses buffers.
 */
export interface CapturedPacket extends PacketRef {
  /** Absolute file offset of the record (pcap record header or pcapng block start). */
  readonly fileOffset: number;
  /** pcapng section number (0-based); 0 for pcap. */
  readonly section: number;
  /** pcapng interface id within its section; 0 for pcap. */
  readonly interface: number;
  /** LINKTYPE_* value (1 Ethernet, 113 SLL, 276 SLL2, 0 null, 108 loop, 101/228/229 raw IP). */
  readonly linkType: number;
  /** Bytes present in the file (`data.length`). */
  readonly capturedLength: number;
  /** Length of the packet on the wire; larger than capturedLength when the snap length cut it. */
  readonly originalLength: number;
  readonly data: Uint8Array;
  /**
   * A PacketRef of this packet that may be kept past the callback, when the reader made one (readers asked for
   * `transientPackets` reuse the packet object itself). packetRefOf returns it.
   */
  readonly ref?: PacketRef;
}

const NO_DATA = new Uint8Array(0);

/**
 * The one packet object a reader hands out for every packet when asked for transientPackets (see
 * CaptureReaderOptions): filled anew per packet, with a new `ref` (the object a caller keeps).
 */
export class TransientPacket implements CapturedPacket {
  index = 0;
  fileOffset = 0;
  section = 0;
  interface = 0;
  linkType = -1;
  timestamp: CaptureTimestamp = UNKNOWN_TIME;
  capturedLength = 0;
  originalLength = 0;
  ref: PacketRef = { index: 0, timestamp: UNKNOWN_TIME };
  /**
   * The packet's bytes are `frame[frameStart, frameStart + capturedLength)`: `frame` is the reader's input chunk (or
   * the carry of a record cut by a chunk's end). A decoder that knows this class reads them in place; `data`, the
   * view of them, is only made when asked for (a view per packet was one of the larger allocations per packet).
   */
  frame: Uint8Array = NO_DATA;
  frameStart = 0;
  private view: Uint8Array | undefined = NO_DATA;

  /** The packet's bytes (a view of `frame`, made on first use). */
  get data(): Uint8Array {
    if (this.view === undefined) this.view = viewOf(this.frame, this.frameStart, this.frameStart + this.capturedLength);
    return this.view;
  }

  /** Makes this object the packet described, whose bytes are `frame[frameStart, frameStart + capturedLength)`. */
  fill(
    index: number,
    fileOffset: number,
    section: number,
    iface: number,
    linkType: number,
    timestamp: CaptureTimestamp,
    capturedLength: number,
    originalLength: number,
    frame: Uint8Array,
    frameStart: number,
  ): this {
    this.index = index;
    this.fileOffset = fileOffset;
    this.section = section;
    this.interface = iface;
    this.linkType = linkType;
    this.timestamp = timestamp;
    this.capturedLength = capturedLength;
    this.originalLength = originalLength;
    this.frame = frame;
    this.frameStart = frameStart;
    this.view = undefined;
    this.ref = { index, timestamp };
    return this;
  }
}

/**
 * The packet described, whose bytes are `frame[frameStart, frameStart + capturedLength)`: `transient` filled anew
 * (see TransientPacket), or a new object (with `data` a view of those bytes) when there is none.
 */
export function capturedPacket(
  transient: TransientPacket | undefined,
  index: number,
  fileOffset: number,
  section: number,
  iface: number,
  linkType: number,
  timestamp: CaptureTimestamp,
  capturedLength: number,
  originalLength: number,
  frame: Uint8Array,
  frameStart: number,
): CapturedPacket {
  if (transient !== undefined) {
    return transient.fill(
      index,
      fileOffset,
      section,
      iface,
      linkType,
      timestamp,
      capturedLength,
      originalLength,
      frame,
      frameStart,
    );
  }
  const data = viewOf(frame, frameStart, frameStart + capturedLength);
  return { index, fileOffset, section, interface: iface, linkType, timestamp, capturedLength, originalLength, data };
}

/** Capture readers share this push-driven shape (see PcapReader, PcapngReader). */
export interface CaptureReader {
  /**
   * Feeds the next bytes of the file. Delivers every complete packet, then throws a
   * MesosWireError (MW_PCAP_* / MW_PCAPNG_*, offset = absolute file offset) on corrupt
   * input. Failure is terminal: later calls re-throw the first error.
   */
  write(bytes: Uint8Array, onPacket: (packet: CapturedPacket) => void): void;
  /** End of file: throws MW_PCAP_TRUNCATED when the file stops inside a header or record. */
  end(): void;
  /** Absolute offset of the next byte to be consumed. */
  readonly offset: number;
  /** Packets delivered so far. */
  readonly packets: number;
}

/** Little/big-endian reads of unsigned integers from a byte view (no DataView per packet). */
export function readU16(bytes: Uint8Array, at: number, littleEndian: boolean): number {
  return littleEndian ? bytes[at]! | (bytes[at + 1]! << 8) : (bytes[at]! << 8) | bytes[at + 1]!;
}

export function readU32(bytes: Uint8Array, at: number, littleEndian: boolean): number {
  return littleEndian
    ? (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0
    : ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/**
 * A PacketRef of its own (frame number and time only). What is kept past a packet's callback must be this, not the
 * captured packet: that one's `data` views the reader's whole input chunk, which would stay alive with it.
 */
export function packetRefOf(packet: PacketRef | CapturedPacket): PacketRef {
  return (packet as CapturedPacket).ref ?? { index: packet.index, timestamp: packet.timestamp };
}

/**
 * `bytes.subarray(start, end)` as a plain Uint8Array over the same memory, built with the constructor: the same view,
 * about twice as fast (subarray looks up a species constructor), which counts on the once-per-packet paths.
 */
export function viewOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start);
}
