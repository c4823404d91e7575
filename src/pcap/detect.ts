import { MesosWireError } from '../errors.ts';
import type { CapturedPacket, CaptureReader } from './packet.ts';
import {
  type CaptureReaderOptions,
  PCAP_MAGIC_KUZNETSOV,
  PCAP_MAGIC_MICROS,
  PCAP_MAGIC_NANOS,
  PcapReader,
} from './pcap-reader.ts';
import { BLOCK_SECTION_HEADER, PcapngReader } from './pcapng-reader.ts';

/** What a file holds, judged by its first bytes. */
export type CaptureFormat = 'pcap' | 'pcapng' | 'raw';

/** Bytes `detectCaptureFormat` needs to decide; fewer always answer 'raw'. */
export const CAPTURE_MAGIC_LENGTH = 4;

const PCAP_MAGICS = new Set([PCAP_MAGIC_MICROS, PCAP_MAGIC_NANOS, PCAP_MAGIC_KUZNETSOV]);

/**
 * 'pcap' for the pcap magics (either byte order, microsecond, nanosecond or Kuznetsov),
 * 'pcapng' for a Section Header Block type, otherwise 'raw' (a plain byte stream).
 */
export function detectCaptureFormat(firstBytes: Uint8Array): CaptureFormat {
  if (firstBytes.length < CAPTURE_MAGIC_LENGTH) return 'raw';
  const be = ((firstBytes[0]! << 24) | (firstBytes[1]! << 16) | (firstBytes[2]! << 8) | firstBytes[3]!) >>> 0;
  const le = ((firstBytes[3]! << 24) | (firstBytes[2]! << 16) | (firstBytes[1]! << 8) | firstBytes[0]!) >>> 0;
  if (PCAP_MAGICS.has(be) || PCAP_MAGICS.has(le)) return 'pcap';
  if (be === BLOCK_SECTION_HEADER) return 'pcapng';
  return 'raw';
}

/** A reader for the given format; 'raw' is not a capture and fails with MW_CAPTURE_UNKNOWN_FORMAT. */
export function createCaptureReader(format: CaptureFormat, options?: CaptureReaderOptions): CaptureReader {
  if (format === 'pcap') return new PcapReader(options);
  if (format === 'pcapng') return new PcapngReader(options);
  throw new MesosWireError('MW_CAPTURE_UNKNOWN_FORMAT', 'input is neither a pcap nor a pcapng file', { offset: 0 });
}

/**
 * A capture reader that picks pcap or pcapng from the first 4 bytes it is fed, so a
 * caller can stream any capture file without looking at it first.
 */
export class AutoCaptureReader implements CaptureReader {
  private readonly options: CaptureReaderOptions | undefined;
  private inner: CaptureReader | undefined;
  private head: Uint8Array = new Uint8Array(0);
  /** The detected format, once known. */
  format: CaptureFormat | undefined;

  constructor(options?: CaptureReaderOptions) {
    this.options = options;
  }

  get offset(): number {
    return this.inner?.offset ?? 0;
  }

  get packets(): number {
    return this.inner?.packets ?? 0;
  }

  write(bytes: Uint8Array, onPacket: (packet: CapturedPacket) => void): void {
    if (this.inner) {
      this.inner.write(bytes, onPacket);
      return;
    }
    const joined = new Uint8Array(this.head.length + bytes.length);
    joined.set(this.head);
    joined.set(bytes, this.head.length);
    if (joined.length < CAPTURE_MAGIC_LENGTH) {
      this.head = joined;
      return;
    }
    this.format = detectCaptureFormat(joined);
    this.inner = createCaptureReader(this.format, this.options);
    this.head = new Uint8Array(0);
    this.inner.write(joined, onPacket);
  }

  end(): void {
    if (this.inner) {
      this.inner.end();
      return;
    }
    throw new MesosWireError(
      'MW_PCAP_TRUNCATED',
      `file ends after ${this.head.length} bytes, before any capture magic`,
      {
        offset: 0,
      },
    );
  }
}
