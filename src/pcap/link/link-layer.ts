/**
 * Link-layer headers in front of IP: each decoder returns the EtherType of what
 * follows and where it starts, or a reason when the frame cannot carry IP.
 * Numbers are LINKTYPE_* values from tcpdump.org/linktypes.html.
 */
export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
/** Some systems wrote their DLT_RAW value (12 or 14) instead of LINKTYPE_RAW. */
export const LINKTYPE_RAW_DLT_12 = 12;
export const LINKTYPE_RAW_DLT_14 = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
/** 802.1Q customer tag, 802.1ad service tag, and the pre-standard QinQ tag. */
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
export const ETHERTYPE_QINQ_OLD = 0x9100;
const MAX_VLAN_TAGS = 8;

/** What a link-layer header says follows it. */
export interface LinkPayload {
  /** EtherType of the payload (ETHERTYPE_IPV4, ETHERTYPE_IPV6, or another value). */
  readonly etherType: number;
  /** Offset of the payload in the frame. */
  readonly offset: number;
  /** VLAN ids, outermost first (empty when untagged). */
  readonly vlanIds: readonly number[];
}

/** A frame the link-layer decoder could not read. */
export interface LinkError {
  readonly error: string;
}

const NO_VLANS: readonly number[] = [];

/** Link-layer fields written in place by readLinkHeader (one object reused for every packet). */
export interface LinkFields {
  etherType: number;
  offset: number;
  vlanIds: readonly number[];
}

/** readLinkHeader's answer for a LINKTYPE_* mesos-wire does not decode. */
export const UNSUPPORTED_LINK_TYPE = 'unsupported link type';

/**
 * Steps over 802.1Q / 802.1ad tags (TCI then inner EtherType) that start at `offset`; the frame ends at `end`. Offsets
 * are in `frame`'s coordinates (a frame may sit anywhere in a larger buffer: see readLinkHeader).
 */
function skipVlanTags(
  frame: Uint8Array,
  end: number,
  etherType: number,
  offset: number,
  out: LinkFields,
): string | undefined {
  let vlanIds = NO_VLANS;
  while (etherType === ETHERTYPE_VLAN || etherType === ETHERTYPE_QINQ || etherType === ETHERTYPE_QINQ_OLD) {
    if (offset + 4 > end) return 'VLAN tag truncated';
    if (vlanIds.length === MAX_VLAN_TAGS) return `more than ${MAX_VLAN_TAGS} VLAN tags`;
    if (vlanIds === NO_VLANS) vlanIds = [];
    (vlanIds as number[]).push(((frame[offset]! << 8) | frame[offset + 1]!) & 0x0fff);
    etherType = (frame[offset + 2]! << 8) | frame[offset + 3]!;
    offset += 4;
  }
  out.etherType = etherType;
  out.offset = offset;
  out.vlanIds = vlanIds;
  return undefined;
}

function setLink(out: LinkFields, etherType: number, offset: number): undefined {
  out.etherType = etherType;
  out.offset = offset;
  out.vlanIds = NO_VLANS;
  return undefined;
}

// Each reader takes the frame as frame[start, end).

function ethernetInto(frame: Uint8Array, start: number, end: number, out: LinkFields): string | undefined {
  const length = end - start;
  if (length < 14) return `Ethernet header truncated (${length} of 14 bytes)`;
  return skipVlanTags(frame, end, (frame[start + 12]! << 8) | frame[start + 13]!, start + 14, out);
}

function linuxSllInto(frame: Uint8Array, start: number, end: number, out: LinkFields): string | undefined {
  const length = end - start;
  if (length < 16) return `Linux cooked (SLL) header truncated (${length} of 16 bytes)`;
  return skipVlanTags(frame, end, (frame[start + 14]! << 8) | frame[start + 15]!, start + 16, out);
}

function linuxSll2Into(frame: Uint8Array, start: number, end: number, out: LinkFields): string | undefined {
  const length = end - start;
  if (length < 20) return `Linux cooked (SLL2) header truncated (${length} of 20 bytes)`;
  return skipVlanTags(frame, end, (frame[start]! << 8) | frame[start + 1]!, start + 20, out);
}

function nullInto(frame: Uint8Array, start: number, end: number, out: LinkFields): string | undefined {
  const length = end - start;
  if (length < 4) return `loopback header truncated (${length} of 4 bytes)`;
  const b0 = frame[start]!;
  const b1 = frame[start + 1]!;
  const b2 = frame[start + 2]!;
  const b3 = frame[start + 3]!;
  const bigEndian = b0 === 0 && b1 === 0;
  const family = bigEndian ? ((b2 << 8) | b3) >>> 0 : (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0;
  return setLink(out, familyToEtherType(family), start + 4);
}

function loopInto(frame: Uint8Array, start: number, end: number, out: LinkFields): string | undefined {
  const length = end - start;
  if (length < 4) return `loopback header truncated (${length} of 4 bytes)`;
  const family =
    ((frame[start]! << 24) | (frame[start + 1]! << 16) | (frame[start + 2]! << 8) | frame[start + 3]!) >>> 0;
  return setLink(out, familyToEtherType(family), start + 4);
}

function rawIpInto(frame: Uint8Array, start: number, end: number, out: LinkFields): string | undefined {
  if (end - start < 1) return 'empty raw IP packet';
  const version = frame[start]! >> 4;
  if (version === 4) return setLink(out, ETHERTYPE_IPV4, start);
  if (version === 6) return setLink(out, ETHERTYPE_IPV6, start);
  return `raw IP packet has version ${version}`;
}

/**
 * Reads the link-layer header of a LINKTYPE_* frame into `out` (no allocation unless VLAN-tagged). Returns undefined
 * on success, UNSUPPORTED_LINK_TYPE for a link type mesos-wire does not decode, or the reason the frame is undecodable.
 * The frame is `frame[start, end)` (the whole array by default), so a reader's input chunk can be read in place
 * without a view per packet; `out.offset` is in `frame`'s coordinates. The decodeEthernet/... functions below are
 * this, returning a fresh object.
 */
export function readLinkHeader(
  linkType: number,
  frame: Uint8Array,
  out: LinkFields,
  start = 0,
  end = frame.length,
): string | undefined {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return ethernetInto(frame, start, end, out);
    case LINKTYPE_LINUX_SLL:
      return linuxSllInto(frame, start, end, out);
    case LINKTYPE_LINUX_SLL2:
      return linuxSll2Into(frame, start, end, out);
    case LINKTYPE_NULL:
      return nullInto(frame, start, end, out);
    case LINKTYPE_LOOP:
      return loopInto(frame, start, end, out);
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_DLT_12:
    case LINKTYPE_RAW_DLT_14:
      return rawIpInto(frame, start, end, out);
    case LINKTYPE_IPV4:
      return setLink(out, ETHERTYPE_IPV4, start);
    case LINKTYPE_IPV6:
      return setLink(out, ETHERTYPE_IPV6, start);
    default:
      return UNSUPPORTED_LINK_TYPE;
  }
}

/** Runs one of the *Into readers on a fresh object: the allocating API. */
function decodeWith(
  read: (frame: Uint8Array, start: number, end: number, out: LinkFields) => string | undefined,
  frame: Uint8Array,
) {
  const out: LinkFields = { etherType: 0, offset: 0, vlanIds: NO_VLANS };
  const error = read(frame, 0, frame.length, out);
  return error === undefined ? (out as LinkPayload) : { error };
}

/** Ethernet II: destination (6), source (6), EtherType (2), then optional VLAN tags. */
export function decodeEthernet(frame: Uint8Array): LinkPayload | LinkError {
  return decodeWith(ethernetInto, frame);
}

/**
 * Linux cooked capture v1 (SLL, 16 bytes): packet type (2), ARPHRD type (2),
 * address length (2), address (8), protocol (2).
 */
export function decodeLinuxSll(frame: Uint8Array): LinkPayload | LinkError {
  return decodeWith(linuxSllInto, frame);
}

/**
 * Linux cooked capture v2 (SLL2, 20 bytes): protocol (2), reserved (2), interface
 * index (4), ARPHRD type (2), packet type (1), address length (1), address (8).
 */
export function decodeLinuxSll2(frame: Uint8Array): LinkPayload | LinkError {
  return decodeWith(linuxSll2Into, frame);
}

/**
 * Address family values meaning IPv4/IPv6 in BSD loopback headers. IPv6 differs per
 * system: 24 (NetBSD, OpenBSD, BSD/OS), 28 (FreeBSD, DragonFly), 30 (Darwin), 10 (Linux).
 */
const BSD_AF_INET = 2;
const BSD_AF_INET6 = new Set([10, 24, 28, 30]);

function familyToEtherType(family: number): number {
  if (family === BSD_AF_INET) return ETHERTYPE_IPV4;
  if (BSD_AF_INET6.has(family)) return ETHERTYPE_IPV6;
  return -1;
}

/**
 * BSD loopback (LINKTYPE_NULL): a 4-byte address family in the capturing host's byte
 * order, which the file does not state; small values tell it (the family fits in 8 bits).
 */
export function decodeNull(frame: Uint8Array): LinkPayload | LinkError {
  return decodeWith(nullInto, frame);
}

/** OpenBSD loopback (LINKTYPE_LOOP): like NULL, but the family is always big-endian. */
export function decodeLoop(frame: Uint8Array): LinkPayload | LinkError {
  return decodeWith(loopInto, frame);
}

/** Raw IP (LINKTYPE_RAW): the IP version nibble tells IPv4 from IPv6. */
export function decodeRawIp(frame: Uint8Array): LinkPayload | LinkError {
  return decodeWith(rawIpInto, frame);
}

const decodeIpv4AtStart = (frame: Uint8Array) =>
  decodeWith((_f, _s, _e, out) => setLink(out, ETHERTYPE_IPV4, 0), frame);
const decodeIpv6AtStart = (frame: Uint8Array) =>
  decodeWith((_f, _s, _e, out) => setLink(out, ETHERTYPE_IPV6, 0), frame);

/** The decoder for a LINKTYPE_* value, or undefined when mesos-wire does not decode it. */
export function linkDecoderFor(linkType: number): ((frame: Uint8Array) => LinkPayload | LinkError) | undefined {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return decodeEthernet;
    case LINKTYPE_LINUX_SLL:
      return decodeLinuxSll;
    case LINKTYPE_LINUX_SLL2:
      return decodeLinuxSll2;
    case LINKTYPE_NULL:
      return decodeNull;
    case LINKTYPE_LOOP:
      return decodeLoop;
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_DLT_12:
    case LINKTYPE_RAW_DLT_14:
      return decodeRawIp;
    case LINKTYPE_IPV4:
      return decodeIpv4AtStart;
    case LINKTYPE_IPV6:
      return decodeIpv6AtStart;
    default:
      return undefined;
  }
}
