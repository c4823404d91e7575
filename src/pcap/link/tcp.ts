/** TCP header (RFC 9293): ports, sequence and acknowledgement numbers, flags, options. */

/** Flag bits of the 9-bit flags field. */
export const TCP_FLAGS = {
  FIN: 0x001,
  SYN: 0x002,
  RST: 0x004,
  PSH: 0x008,
  ACK: 0x010,
  URG: 0x020,
  ECE: 0x040,
  CWR: 0x080,
  /** Formerly NS (RFC 3540), now AE (accurate ECN). */
  AE: 0x100,
} as const;

export interface TcpHeader {
  readonly sourcePort: number;
  readonly destinationPort: number;
  /** Sequence number, unsigned 32-bit. */
  readonly seq: number;
  /** Acknowledgement number, unsigned 32-bit (meaningful when ACK is set). */
  readonly ack: number;
  /** Header length in bytes including options (20..60). */
  readonly headerLength: number;
  /** TCP_FLAGS bits. */
  readonly flags: number;
  readonly window: number;
  readonly urgentPointer: number;
  /** Raw option bytes (a view); see decodeTcpOptions. */
  readonly options: Uint8Array;
  /** Offset of the payload in the frame. */
  readonly payloadOffset: number;
  /** Payload length declared by the IP header. */
  readonly payloadLength: number;
  /** Payload bytes present in the frame (less than payloadLength when the snap length cut it). */
  readonly capturedPayloadLength: number;
}

/** A header the decoder could not read. */
export interface TcpError {
  readonly error: string;
}

/**
 * Decodes the TCP header at `at`; `segmentLength` is the TCP length the IP header
 * declares. Frames may end early (snap length): only the header must be complete.
 */
export function decodeTcp(frame: Uint8Array, at: number, segmentLength: number): TcpHeader | TcpError {
  const available = frame.length - at;
  if (available < 20) return { error: `TCP header truncated (${available} of 20 bytes)` };
  const headerLength = (frame[at + 12]! >> 4) * 4;
  if (headerLength < 20) return { error: `TCP data offset ${headerLength} is below 20` };
  if (headerLength > segmentLength) return { error: `TCP header length ${headerLength} exceeds the segment` };
  if (headerLength > available) return { error: `TCP options truncated (${available} of ${headerLength} bytes)` };
  const payloadLength = segmentLength - headerLength;
  const capturedEnd = Math.min(frame.length, at + segmentLength);
  return {
    sourcePort: (frame[at]! << 8) | frame[at + 1]!,
    destinationPort: (frame[at + 2]! << 8) | frame[at + 3]!,
    seq: ((frame[at + 4]! << 24) | (frame[at + 5]! << 16) | (frame[at + 6]! << 8) | frame[at + 7]!) >>> 0,
    ack: ((frame[at + 8]! << 24) | (frame[at + 9]! << 16) | (frame[at + 10]! << 8) | frame[at + 11]!) >>> 0,
    headerLength,
    flags: ((frame[at + 12]! & 0x01) << 8) | frame[at + 13]!,
    window: (frame[at + 14]! << 8) | frame[at + 15]!,
    urgentPointer: (frame[at + 18]! << 8) | frame[at + 19]!,
    options: frame.subarray(at + 20, at + headerLength),
    payloadOffset: at + headerLength,
    payloadLength,
    capturedPayloadLength: capturedEnd - at - headerLength,
  };
}

/** One decoded TCP option. */
export type TcpOption =
  | { kind: 'mss'; value: number }
  | { kind: 'window-scale'; shift: number }
  | { kind: 'sack-permitted' }
  | { kind: 'sack'; blocks: [left: number, right: number][] }
  | { kind: 'timestamps'; value: number; echo: number }
  | { kind: 'unknown'; code: number; data: Uint8Array }
  | { kind: 'malformed'; code: number; offset: number };

const u32 = (b: Uint8Array, i: number): number =>
  ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

/**
 * TCP options: kind 0 ends the list, kind 1 is padding, every other kind has a length
 * byte counting kind and length. A bad length stops decoding with a `malformed` entry.
 */
export function decodeTcpOptions(options: Uint8Array): TcpOption[] {
  const out: TcpOption[] = [];
  let i = 0;
  while (i < options.length) {
    const code = options[i]!;
    if (code === 0) break;
    if (code === 1) {
      i++;
      continue;
    }
    const length = options[i + 1];
    if (length === undefined || length < 2 || i + length > options.length) {
      out.push({ kind: 'malformed', code, offset: i });
      break;
    }
    if (code === 2 && length === 4) out.push({ kind: 'mss', value: (options[i + 2]! << 8) | options[i + 3]! });
    else if (code === 3 && length === 3) out.push({ kind: 'window-scale', shift: options[i + 2]! });
    else if (code === 4 && length === 2) out.push({ kind: 'sack-permitted' });
    else if (code === 5 && (length - 2) % 8 === 0) {
      const blocks: [number, number][] = [];
      for (let j = i + 2; j < i + length; j += 8) blocks.push([u32(options, j), u32(options, j + 4)]);
      out.push({ kind: 'sack', blocks });
    } else if (code === 8 && length === 10) {
      out.push({ kind: 'timestamps', value: u32(options, i + 2), echo: u32(options, i + 6) });
    } else out.push({ kind: 'unknown', code, data: options.subarray(i + 2, i + length) });
    i += length;
  }
  return out;
}
