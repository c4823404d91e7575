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

/** TCP header fields written in place by readTcp (one object reused for every packet); names as in TcpHeader. */
export interface TcpFields {
  sourcePort: number;
  destinationPort: number;
  seq: number;
  ack: number;
  tcpHeaderLength: number;
  flags: number;
  window: number;
  urgentPointer: number;
  /** Offset of the TCP header in the frame (options are [tcpOffset + 20, tcpOffset + tcpHeaderLength)). */
  tcpOffset: number;
  tcpPayloadOffset: number;
  tcpPayloadLength: number;
  capturedPayloadLength: number;
}

/**
 * Reads the TCP header at `at` into `out` without allocating; `segmentLength` is the TCP length the IP header
 * declares. Frames may end early (snap length): only the header must be complete. Returns the reason on failure.
 * The frame ends at `end` (the array's end by default).
 */
export function readTcp(
  frame: Uint8Array,
  at: number,
  segmentLength: number,
  out: TcpFields,
  end = frame.length,
): string | undefined {
  const available = end - at;
  if (available < 20) return `TCP header truncated (${available} of 20 bytes)`;
  const headerLength = (frame[at + 12]! >> 4) * 4;
  if (headerLength < 20) return `TCP data offset ${headerLength} is below 20`;
  if (headerLength > segmentLength) return `TCP header length ${headerLength} exceeds the segment`;
  if (headerLength > available) return `TCP options truncated (${available} of ${headerLength} bytes)`;
  const capturedEnd = Math.min(end, at + segmentLength);
  out.sourcePort = (frame[at]! << 8) | frame[at + 1]!;
  out.destinationPort = (frame[at + 2]! << 8) | frame[at + 3]!;
  out.seq = ((frame[at + 4]! << 24) | (frame[at + 5]! << 16) | (frame[at + 6]! << 8) | frame[at + 7]!) >>> 0;
  out.ack = ((frame[at + 8]! << 24) | (frame[at + 9]! << 16) | (frame[at + 10]! << 8) | frame[at + 11]!) >>> 0;
  out.tcpHeaderLength = headerLength;
  out.flags = ((frame[at + 12]! & 0x01) << 8) | frame[at + 13]!;
  out.window = (frame[at + 14]! << 8) | frame[at + 15]!;
  out.urgentPointer = (frame[at + 18]! << 8) | frame[at + 19]!;
  out.tcpOffset = at;
  out.tcpPayloadOffset = at + headerLength;
  out.tcpPayloadLength = segmentLength - headerLength;
  out.capturedPayloadLength = capturedEnd - at - headerLength;
  return undefined;
}

/** The TcpHeader object of fields read by readTcp from `frame`. */
export function tcpHeaderOf(frame: Uint8Array, fields: TcpFields): TcpHeader {
  return {
    sourcePort: fields.sourcePort,
    destinationPort: fields.destinationPort,
    seq: fields.seq,
    ack: fields.ack,
    headerLength: fields.tcpHeaderLength,
    flags: fields.flags,
    window: fields.window,
    urgentPointer: fields.urgentPointer,
    options: frame.subarray(fields.tcpOffset + 20, fields.tcpOffset + fields.tcpHeaderLength),
    payloadOffset: fields.tcpPayloadOffset,
    payloadLength: fields.tcpPayloadLength,
    capturedPayloadLength: fields.capturedPayloadLength,
  };
}

/** Fields with every value 0 (to be filled by readTcp). */
export function emptyTcpFields(): TcpFields {
  return {
    sourcePort: 0,
    destinationPort: 0,
    seq: 0,
    ack: 0,
    tcpHeaderLength: 0,
    flags: 0,
    window: 0,
    urgentPointer: 0,
    tcpOffset: 0,
    tcpPayloadOffset: 0,
    tcpPayloadLength: 0,
    capturedPayloadLength: 0,
  };
}

/** readTcp into a fresh TcpHeader. */
export function decodeTcp(frame: Uint8Array, at: number, segmentLength: number): TcpHeader | TcpError {
  const fields = emptyTcpFields();
  const error = readTcp(frame, at, segmentLength, fields);
  return error === undefined ? tcpHeaderOf(frame, fields) : { error };
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
