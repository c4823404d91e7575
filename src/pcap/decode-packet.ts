import { IP_PROTOCOL_TCP, type IpFields, type IpHeader, ipHeaderOf, readIpv4, readIpv6 } from './link/ip.ts';
import {
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  type LinkFields,
  readLinkHeader,
  UNSUPPORTED_LINK_TYPE,
} from './link/link-layer.ts';
import { readTcp, type TcpFields, type TcpHeader, tcpHeaderOf } from './link/tcp.ts';
import type { CapturedPacket } from './packet.ts';

/** What one captured frame turned out to be, from the link layer up to TCP. */
export type DecodedPacket =
  | {
      readonly kind: 'tcp';
      readonly ip: IpHeader;
      readonly tcp: TcpHeader;
      /** VLAN ids, outermost first. */
      readonly vlanIds: readonly number[];
      /** The captured payload (a view of the packet data). */
      readonly payload: Uint8Array;
      /** Payload bytes the snap length cut off (declared minus captured). */
      readonly missingBytes: number;
    }
  /** A valid frame that does not carry TCP (ARP, UDP, ICMP, ...). Not an anomaly. */
  | { readonly kind: 'not-tcp'; readonly etherType: number; readonly protocol: number | undefined }
  /** An IP fragment: not reassembled. */
  | { readonly kind: 'fragment'; readonly ip: IpHeader }
  | { readonly kind: 'unsupported-link-type' }
  | { readonly kind: 'undecodable'; readonly reason: string };

/** What decodeFrameFields found (the `kind` of DecodedPacket, as a number). */
export const FRAME_KIND = {
  TCP: 0,
  /** Not IPv4 or IPv6 (ARP, ...). */
  NOT_IP: 1,
  /** IP, but another protocol (UDP, ICMP, ...). */
  NOT_TCP: 2,
  FRAGMENT: 3,
  UNSUPPORTED_LINK_TYPE: 4,
  /** `reason` says why. */
  UNDECODABLE: 5,
} as const;
export type FrameKind = (typeof FRAME_KIND)[keyof typeof FRAME_KIND];

/**
 * Every header field of one frame, link layer to TCP, as plain numbers in one mutable object: the reassembler reuses a
 * single instance for every packet, so decoding a packet allocates nothing (IPv6 address text and VLAN id lists aside).
 * Fields of layers the frame does not reach keep stale values.
 */
export class FrameFields implements LinkFields, IpFields, TcpFields {
  etherType = 0;
  offset = 0;
  vlanIds: readonly number[] = [];
  ipVersion: 4 | 6 = 4;
  sourceAddress: number | string = 0;
  destinationAddress: number | string = 0;
  protocol = 0;
  payloadOffset = 0;
  payloadLength = 0;
  headerLength = 0;
  isFragment = false;
  fragmentId = 0;
  fragmentOffset = 0;
  moreFragments = false;
  sourcePort = 0;
  destinationPort = 0;
  seq = 0;
  ack = 0;
  tcpHeaderLength = 0;
  flags = 0;
  window = 0;
  urgentPointer = 0;
  tcpOffset = 0;
  tcpPayloadOffset = 0;
  tcpPayloadLength = 0;
  capturedPayloadLength = 0;
  /** Why the frame is undecodable (FRAME_KIND.UNDECODABLE). */
  reason = '';
}

/**
 * Decodes a frame of the given LINKTYPE_* down to its TCP segment, writing every field into `out`. Never throws.
 * The frame is `frame[start, end)` (the whole array by default): a reader's input chunk is read in place, and the
 * offsets written to `out` are in `frame`'s coordinates. decodeFrame is this plus the objects of the public
 * DecodedPacket shape, so both read bytes the same way.
 */
export function decodeFrameFields(
  linkType: number,
  frame: Uint8Array,
  out: FrameFields,
  start = 0,
  end = frame.length,
): FrameKind {
  let error = readLinkHeader(linkType, frame, out, start, end);
  if (error === UNSUPPORTED_LINK_TYPE) return FRAME_KIND.UNSUPPORTED_LINK_TYPE;
  if (error === undefined) {
    if (out.etherType === ETHERTYPE_IPV4) error = readIpv4(frame, out.offset, out, end);
    else if (out.etherType === ETHERTYPE_IPV6) error = readIpv6(frame, out.offset, out, end);
    else return FRAME_KIND.NOT_IP;
  }
  if (error === undefined) {
    if (out.isFragment) return FRAME_KIND.FRAGMENT;
    if (out.protocol !== IP_PROTOCOL_TCP) return FRAME_KIND.NOT_TCP;
    error = readTcp(frame, out.payloadOffset, out.payloadLength, out, end);
    if (error === undefined) return FRAME_KIND.TCP;
  }
  out.reason = error;
  return FRAME_KIND.UNDECODABLE;
}

const UNSUPPORTED: DecodedPacket = { kind: 'unsupported-link-type' };

/** Decodes a frame of the given LINKTYPE_* down to its TCP segment. Never throws. */
export function decodeFrame(linkType: number, frame: Uint8Array): DecodedPacket {
  const fields = new FrameFields();
  switch (decodeFrameFields(linkType, frame, fields)) {
    case FRAME_KIND.TCP:
      return {
        kind: 'tcp',
        ip: ipHeaderOf(fields),
        tcp: tcpHeaderOf(frame, fields),
        vlanIds: fields.vlanIds,
        payload: frame.subarray(fields.tcpPayloadOffset, fields.tcpPayloadOffset + fields.capturedPayloadLength),
        missingBytes: fields.tcpPayloadLength - fields.capturedPayloadLength,
      };
    case FRAME_KIND.NOT_IP:
      return { kind: 'not-tcp', etherType: fields.etherType, protocol: undefined };
    case FRAME_KIND.NOT_TCP:
      return { kind: 'not-tcp', etherType: fields.etherType, protocol: fields.protocol };
    case FRAME_KIND.FRAGMENT:
      return { kind: 'fragment', ip: ipHeaderOf(fields) };
    case FRAME_KIND.UNSUPPORTED_LINK_TYPE:
      return UNSUPPORTED;
    default:
      return { kind: 'undecodable', reason: fields.reason };
  }
}

/** decodeFrame for a captured packet. */
export function decodePacket(packet: Pick<CapturedPacket, 'linkType' | 'data'>): DecodedPacket {
  return decodeFrame(packet.linkType, packet.data);
}
