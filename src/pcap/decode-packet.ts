import { decodeIpv4, decodeIpv6, IP_PROTOCOL_TCP, type IpHeader } from './link/ip.ts';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, linkDecoderFor } from './link/link-layer.ts';
import { decodeTcp, type TcpHeader } from './link/tcp.ts';
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

const UNSUPPORTED: DecodedPacket = { kind: 'unsupported-link-type' };

/** Decodes a frame of the given LINKTYPE_* down to its TCP segment. Never throws. */
export function decodeFrame(linkType: number, frame: Uint8Array): DecodedPacket {
  const decodeLink = linkDecoderFor(linkType);
  if (decodeLink === undefined) return UNSUPPORTED;
  const link = decodeLink(frame);
  if ('error' in link) return { kind: 'undecodable', reason: link.error };
  let ip: IpHeader | { error: string };
  if (link.etherType === ETHERTYPE_IPV4) ip = decodeIpv4(frame, link.offset);
  else if (link.etherType === ETHERTYPE_IPV6) ip = decodeIpv6(frame, link.offset);
  else return { kind: 'not-tcp', etherType: link.etherType, protocol: undefined };
  if ('error' in ip) return { kind: 'undecodable', reason: ip.error };
  if (ip.fragment !== undefined) return { kind: 'fragment', ip };
  if (ip.protocol !== IP_PROTOCOL_TCP) return { kind: 'not-tcp', etherType: link.etherType, protocol: ip.protocol };
  const tcp = decodeTcp(frame, ip.payloadOffset, ip.payloadLength);
  if ('error' in tcp) return { kind: 'undecodable', reason: tcp.error };
  const payload = frame.subarray(tcp.payloadOffset, tcp.payloadOffset + tcp.capturedPayloadLength);
  return {
    kind: 'tcp',
    ip,
    tcp,
    vlanIds: link.vlanIds,
    payload,
    missingBytes: tcp.payloadLength - tcp.capturedPayloadLength,
  };
}

/** decodeFrame for a captured packet. */
export function decodePacket(packet: Pick<CapturedPacket, 'linkType' | 'data'>): DecodedPacket {
  return decodeFrame(packet.linkType, packet.data);
}
