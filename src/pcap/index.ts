// The capture layer: pcap/pcapng readers, link/IP/TCP header decoders, TCP reassembly.
export type { DecodedPacket } from './decode-packet.ts';
export { decodeFrame, decodePacket } from './decode-packet.ts';
export type { CaptureFormat } from './detect.ts';
export { AutoCaptureReader, CAPTURE_MAGIC_LENGTH, createCaptureReader, detectCaptureFormat } from './detect.ts';
export { formatEndpoint, formatFlowId, reverseFlowId } from './flow-key.ts';
export { IpDefragmenter } from './ip-defragmenter.ts';
export type { IpError, IpHeader } from './link/ip.ts';
export { decodeIpv4, decodeIpv6, formatIpv4, formatIpv6, IP_PROTOCOL_TCP } from './link/ip.ts';
export type { LinkError, LinkPayload } from './link/link-layer.ts';
export {
  decodeEthernet,
  decodeLinuxSll,
  decodeLinuxSll2,
  decodeLoop,
  decodeNull,
  decodeRawIp,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  linkDecoderFor,
} from './link/link-layer.ts';
export type { TcpError, TcpHeader, TcpOption } from './link/tcp.ts';
export { decodeTcp, decodeTcpOptions, TCP_FLAGS } from './link/tcp.ts';
export type { CapturedPacket, CaptureReader, PacketRef } from './packet.ts';
export type { CaptureReaderOptions } from './pcap-reader.ts';
export { MAX_PACKET_BYTES_DEFAULT, PcapReader } from './pcap-reader.ts';
export type { PcapngInterface } from './pcapng-reader.ts';
export { PcapngReader } from './pcapng-reader.ts';
export type { ReadCaptureFileOptions, ReadCaptureFileResult } from './read-file.ts';
export { readCaptureFile } from './read-file.ts';
export type {
  TcpCloseReason,
  TcpDataSink,
  TcpEvent,
  TcpReassemblerOptions,
  TcpReassemblerStats,
  TcpStreamInfo,
  TcpStreamStats,
} from './tcp-reassembler.ts';
export {
  MAX_BUFFERED_BYTES_DEFAULT,
  MAX_CONNECTIONS_DEFAULT,
  RETAIN_BYTES_DEFAULT,
  TcpReassembler,
} from './tcp-reassembler.ts';
export type { TimestampResolution } from './timestamp.ts';
export { CaptureTimestamp, isoTimeOrNull, timeMillis, timestampFromUnits, UNKNOWN_TIME } from './timestamp.ts';
