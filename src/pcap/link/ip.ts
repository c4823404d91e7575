/** IPv4 and IPv6 headers: just enough to find the TCP segment and its addresses. */

export const IP_PROTOCOL_TCP = 6;

/** The part of an IP header the TCP layer needs. */
export interface IpHeader {
  readonly version: 4 | 6;
  /** Address text: dotted quad, or RFC 5952 compressed IPv6. */
  readonly source: string;
  readonly destination: string;
  /** Upper-layer protocol (IPv6: after the extension headers). */
  readonly protocol: number;
  /** Offset of the upper-layer header in the frame. */
  readonly payloadOffset: number;
  /** Upper-layer length declared by the IP header (may exceed what was captured). */
  readonly payloadLength: number;
  /** IPv4 header length including options (20..60), or 40 plus extension headers for IPv6. */
  readonly headerLength: number;
  /** Present when the packet is a fragment (offset > 0 or more fragments follow). */
  readonly fragment: { readonly id: number; readonly offset: number; readonly more: boolean } | undefined;
}

/** A header the decoder could not read. */
export interface IpError {
  readonly error: string;
}

/** Recently formatted IPv4 addresses: captures repeat a few addresses millions of times. */
const IPV4_TEXT = new Map<number, string>();
const IPV4_TEXT_CACHED = 4096;

/** Dotted-quad text of 4 bytes at `at`. */
export function formatIpv4(bytes: Uint8Array, at: number): string {
  return ipv4Text(((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0);
}

/** Dotted-quad text of an IPv4 address held as an unsigned 32-bit number. */
export function ipv4Text(address: number): string {
  let text = IPV4_TEXT.get(address);
  if (text === undefined) {
    text = `${address >>> 24}.${(address >>> 16) & 0xff}.${(address >>> 8) & 0xff}.${address & 0xff}`;
    if (IPV4_TEXT.size >= IPV4_TEXT_CACHED) IPV4_TEXT.clear();
    IPV4_TEXT.set(address, text);
  }
  return text;
}

/**
 * RFC 5952 text of 16 bytes at `at`: lowercase hex, no leading zeros, the longest run
 * (first on ties) of two or more zero groups written `::`, IPv4-mapped addresses dotted.
 */
export function formatIpv6(bytes: Uint8Array, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((bytes[at + 2 * i]! << 8) | bytes[at + 2 * i + 1]!);
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0) {
    if (groups[5] === 0xffff) return `::ffff:${formatIpv4(bytes, at + 12)}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/**
 * IP header fields written in place by readIpv4/readIpv6 (one object reused for every packet). IPv4 addresses stay
 * numbers (formatted only when text is needed); IPv6 addresses are text.
 */
export interface IpFields {
  ipVersion: 4 | 6;
  /** IPv4: address as an unsigned 32-bit number; IPv6: RFC 5952 text. */
  sourceAddress: number | string;
  destinationAddress: number | string;
  protocol: number;
  payloadOffset: number;
  payloadLength: number;
  headerLength: number;
  isFragment: boolean;
  fragmentId: number;
  fragmentOffset: number;
  moreFragments: boolean;
}

/** Address text of an IpFields address. */
export function addressText(address: number | string): string {
  return typeof address === 'number' ? ipv4Text(address) : address;
}

/** The IpHeader object of fields read by readIpv4/readIpv6. */
export function ipHeaderOf(fields: IpFields): IpHeader {
  return {
    version: fields.ipVersion,
    source: addressText(fields.sourceAddress),
    destination: addressText(fields.destinationAddress),
    protocol: fields.protocol,
    payloadOffset: fields.payloadOffset,
    payloadLength: fields.payloadLength,
    headerLength: fields.headerLength,
    fragment: fields.isFragment
      ? { id: fields.fragmentId, offset: fields.fragmentOffset, more: fields.moreFragments }
      : undefined,
  };
}

function emptyIpFields(): IpFields {
  return {
    ipVersion: 4,
    sourceAddress: 0,
    destinationAddress: 0,
    protocol: 0,
    payloadOffset: 0,
    payloadLength: 0,
    headerLength: 0,
    isFragment: false,
    fragmentId: 0,
    fragmentOffset: 0,
    moreFragments: false,
  };
}

/**
 * IPv4 (RFC 791): version/IHL, total length, identification, flags + fragment offset,
 * protocol, addresses. A total length of 0 (TCP segmentation offload, seen in captures
 * taken on the sender) means "as long as the captured frame".
 * Writes into `out` without allocating; returns the reason when the header cannot be read. The frame ends at `end`
 * (the array's end by default: a frame read in place ends before its input chunk does).
 */
export function readIpv4(frame: Uint8Array, at: number, out: IpFields, end = frame.length): string | undefined {
  const available = end - at;
  if (available < 20) return `IPv4 header truncated (${available} of 20 bytes)`;
  const version = frame[at]! >> 4;
  if (version !== 4) return `IPv4 header has version ${version}`;
  const headerLength = (frame[at]! & 0x0f) * 4;
  if (headerLength < 20) return `IPv4 header length ${headerLength} is below 20`;
  if (headerLength > available) return `IPv4 options truncated (${available} of ${headerLength} bytes)`;
  let totalLength = (frame[at + 2]! << 8) | frame[at + 3]!;
  if (totalLength === 0) totalLength = available;
  if (totalLength < headerLength) return `IPv4 total length ${totalLength} is below its header length`;
  const flagsAndOffset = (frame[at + 6]! << 8) | frame[at + 7]!;
  const more = (flagsAndOffset & 0x2000) !== 0;
  const fragmentOffset = (flagsAndOffset & 0x1fff) * 8;
  out.ipVersion = 4;
  out.sourceAddress =
    ((frame[at + 12]! << 24) | (frame[at + 13]! << 16) | (frame[at + 14]! << 8) | frame[at + 15]!) >>> 0;
  out.destinationAddress =
    ((frame[at + 16]! << 24) | (frame[at + 17]! << 16) | (frame[at + 18]! << 8) | frame[at + 19]!) >>> 0;
  out.protocol = frame[at + 9]!;
  out.payloadOffset = at + headerLength;
  out.payloadLength = totalLength - headerLength;
  out.headerLength = headerLength;
  out.isFragment = more || fragmentOffset !== 0;
  out.fragmentId = (frame[at + 4]! << 8) | frame[at + 5]!;
  out.fragmentOffset = fragmentOffset;
  out.moreFragments = more;
  return undefined;
}

/** readIpv4 into a fresh IpHeader. */
export function decodeIpv4(frame: Uint8Array, at: number): IpHeader | IpError {
  const fields = emptyIpFields();
  const error = readIpv4(frame, at, fields);
  return error === undefined ? ipHeaderOf(fields) : { error };
}

const IPV6_HOP_BY_HOP = 0;
const IPV6_ROUTING = 43;
const IPV6_FRAGMENT = 44;
const IPV6_AUTHENTICATION = 51;
const IPV6_DESTINATION_OPTIONS = 60;
const IPV6_MOBILITY = 135;
const IPV6_HIP = 139;
const IPV6_SHIM6 = 140;
const MAX_EXTENSION_HEADERS = 16;

/**
 * IPv6 (RFC 8200): fixed 40-byte header, then extension headers, which are skipped
 * (length in 8-byte units not counting the first 8; AH in 4-byte units not counting
 * the first 8; the fragment header is always 8 bytes). The frame ends at `end`, as for readIpv4.
 */
export function readIpv6(frame: Uint8Array, at: number, out: IpFields, end = frame.length): string | undefined {
  const available = end - at;
  if (available < 40) return `IPv6 header truncated (${available} of 40 bytes)`;
  const version = frame[at]! >> 4;
  if (version !== 6) return `IPv6 header has version ${version}`;
  let payloadLength = (frame[at + 4]! << 8) | frame[at + 5]!;
  // 0 means a jumbogram (or segmentation offload): take what was captured.
  if (payloadLength === 0) payloadLength = available - 40;
  let next = frame[at + 6]!;
  let offset = at + 40;
  let fragment = false;
  let fragmentId = 0;
  let fragmentOffset = 0;
  let moreFragments = false;
  for (let count = 0; ; count++) {
    if (
      next !== IPV6_HOP_BY_HOP &&
      next !== IPV6_ROUTING &&
      next !== IPV6_FRAGMENT &&
      next !== IPV6_AUTHENTICATION &&
      next !== IPV6_DESTINATION_OPTIONS &&
      next !== IPV6_MOBILITY &&
      next !== IPV6_HIP &&
      next !== IPV6_SHIM6
    ) {
      break;
    }
    if (count === MAX_EXTENSION_HEADERS) return `more than ${MAX_EXTENSION_HEADERS} IPv6 extension headers`;
    if (offset + 8 > end) return 'IPv6 extension header truncated';
    let length: number;
    if (next === IPV6_FRAGMENT) {
      length = 8;
      const offsetAndFlags = (frame[offset + 2]! << 8) | frame[offset + 3]!;
      const thisOffset = offsetAndFlags & 0xfff8;
      const more = (offsetAndFlags & 1) !== 0;
      // An atomic fragment (offset 0, no more) is a whole packet.
      if (more || thisOffset !== 0) {
        fragment = true;
        fragmentId =
          ((frame[offset + 4]! << 24) | (frame[offset + 5]! << 16) | (frame[offset + 6]! << 8) | frame[offset + 7]!) >>>
          0;
        fragmentOffset = thisOffset;
        moreFragments = more;
      }
    } else if (next === IPV6_AUTHENTICATION) {
      length = (frame[offset + 1]! + 2) * 4;
    } else {
      length = (frame[offset + 1]! + 1) * 8;
    }
    next = frame[offset]!;
    offset += length;
    if (offset - at - 40 > payloadLength) return 'IPv6 extension headers exceed the payload length';
    if (fragment) break;
  }
  const headerLength = offset - at;
  out.ipVersion = 6;
  out.sourceAddress = formatIpv6(frame, at + 8);
  out.destinationAddress = formatIpv6(frame, at + 24);
  out.protocol = next;
  out.payloadOffset = offset;
  out.payloadLength = payloadLength - (headerLength - 40);
  out.headerLength = headerLength;
  out.isFragment = fragment;
  out.fragmentId = fragmentId;
  out.fragmentOffset = fragmentOffset;
  out.moreFragments = moreFragments;
  return undefined;
}

/** readIpv6 into a fresh IpHeader. */
export function decodeIpv6(frame: Uint8Array, at: number): IpHeader | IpError {
  const fields = emptyIpFields();
  const error = readIpv6(frame, at, fields);
  return error === undefined ? ipHeaderOf(fields) : { error };
}
