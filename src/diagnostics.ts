/**
 * Anomalies are data, not exceptions: every layer reports what looks wrong in the
 * traffic as a `Diagnostic` next to its decoded events and keeps going. Only corrupt
 * framing throws (see errors.ts).
 *
 * `Diagnostic` is a union keyed on `kind`; DIAGNOSTIC_INFO holds the title and the
 * description of each kind, so renderers and docs come from one table. Layers add
 * their kinds here (one union member + one table row each).
 */

/** Which way a TCP stream runs, relative to the endpoint that opened the connection. */
export type TcpDirection = 'client-to-server' | 'server-to-client';

/** Why bytes of a TCP stream are missing. */
export type TcpGapReason =
  /** A hole that no segment filled by the time the connection closed or the capture ended. */
  | 'missing'
  /** Out-of-order data beyond the hole exceeded maxBufferedBytes, so the hole was given up. */
  | 'buffer-limit'
  /** The packet was cut by the capture's snap length. */
  | 'snaplen';

/** Fields shared by the TCP stream diagnostics. */
interface TcpStreamDiagnosticBase {
  /** Connection id `client-ip:port>server-ip:port` (IPv6 addresses in brackets). */
  flow: string;
  /** Sequential number of the connection in the capture (a reused 4-tuple gets a new one). */
  connection: number;
  direction: TcpDirection;
  /** TCP sequence number (32-bit, unsigned) of the first byte concerned. */
  seq: number;
  /** Offset in this direction's byte stream of the first byte concerned. */
  streamOffset: number;
  /** Frame number (1-based) of the packet that revealed the problem, when one did. */
  frame?: number;
}

/** Fields shared by the diagnostics of HTTP decoding over a TCP stream. */
interface HttpStreamDiagnosticBase {
  flow: string;
  connection: number;
  direction: TcpDirection;
  /** Offset in this direction's byte stream where the problem was found. */
  streamOffset: number;
  frame?: number;
}

/** Every anomaly mesos-wire reports, keyed on `kind`. */
export type Diagnostic =
  | (TcpStreamDiagnosticBase & { kind: 'tcp-gap'; bytes: number; reason: TcpGapReason })
  | (TcpStreamDiagnosticBase & {
      kind: 'tcp-retransmission-conflict';
      /** From the first to the last differing byte (seq and streamOffset point at the first). */
      bytes: number;
    })
  | (TcpStreamDiagnosticBase & { kind: 'tcp-midstream-start' })
  | (TcpStreamDiagnosticBase & {
      kind: 'tcp-late-segment';
      bytes: number;
      /** `after-gap`: the range was already reported as a gap; `before-start`: it precedes the first byte seen. */
      reason: 'after-gap' | 'before-start';
    })
  | (TcpStreamDiagnosticBase & { kind: 'tcp-data-after-close'; bytes: number })
  | { kind: 'tcp-connection-evicted'; flow: string; connection: number; frame?: number }
  | {
      kind: 'ip-fragment';
      frame: number;
      source: string;
      destination: string;
      /** IPv4 identification or IPv6 fragment identification. */
      id: number;
      /** Fragment offset in bytes. */
      fragmentOffset: number;
      moreFragments: boolean;
    }
  | { kind: 'packet-undecodable'; frame: number; linkType: number; reason: string }
  | (HttpStreamDiagnosticBase & {
      kind: 'http-framing-error';
      /** The MW_HTTP_* code of the decoder's error. */
      code: string;
      message: string;
    })
  | (HttpStreamDiagnosticBase & {
      kind: 'http-resync';
      /** What made the stream start inside a message: a TCP gap, or a capture that started mid-connection. */
      reason: 'gap' | 'midstream';
      /** The MW_HTTP_* code the bytes before the next message start produced. */
      code: string;
    })
  | (HttpStreamDiagnosticBase & {
      kind: 'http-incomplete-message';
      /** A TCP gap cut the message, or the connection closed (or the capture ended) inside it. */
      cause: 'gap' | 'close';
    })
  | { kind: 'unsupported-link-type'; frame: number; linkType: number };

/** The `kind` of each diagnostic. */
export type DiagnosticKind = Diagnostic['kind'];

/** Rendering and documentation data for one diagnostic kind. */
export interface DiagnosticInfo {
  /** A few words, sentence case, no final period. */
  readonly title: string;
  /** One or two sentences: what happened and what it means for the decoded output. */
  readonly description: string;
}

/** Title and description of every diagnostic kind. */
export const DIAGNOSTIC_INFO: { readonly [K in DiagnosticKind]: DiagnosticInfo } = {
  'tcp-gap': {
    title: 'Missing TCP bytes',
    description:
      'Bytes of a TCP stream were not captured (lost, cut by the snap length, or never retransmitted). ' +
      'The stream continues after the gap; decoders above resynchronise at the next message start.',
  },
  'tcp-retransmission-conflict': {
    title: 'Retransmission with different bytes',
    description:
      'A segment covered bytes already seen with different contents. The bytes seen first are kept; ' +
      'the capture may mix two connections or be corrupt.',
  },
  'tcp-midstream-start': {
    title: 'Capture starts mid-connection',
    description:
      'No SYN was seen for this direction, so its first bytes may fall inside a message. ' +
      'Decoders above skip to the next message start.',
  },
  'tcp-late-segment': {
    title: 'Segment arrived too late',
    description:
      'A segment carried bytes that were already reported missing (or that precede the first byte seen); ' +
      'they are counted but not delivered, because the stream has moved on.',
  },
  'tcp-data-after-close': {
    title: 'Data after connection close',
    description:
      'A segment with payload arrived for a connection that had already closed; its bytes are not delivered.',
  },
  'tcp-connection-evicted': {
    title: 'Connection evicted',
    description:
      'More connections were open at once than maxConnections allows; the oldest was closed early to bound memory.',
  },
  'ip-fragment': {
    title: 'IP fragment',
    description:
      'The packet is an IP fragment. IPv4 fragments are reassembled once all have arrived (bounded); IPv6 ' +
      'fragments, and IPv4 fragments that never complete, leave their TCP bytes as a gap.',
  },
  'packet-undecodable': {
    title: 'Undecodable packet',
    description: 'A packet is too short or malformed at the link, IP or TCP layer and was skipped.',
  },
  'http-framing-error': {
    title: 'HTTP framing error',
    description:
      'Bytes of a TCP stream are not valid HTTP/1.x at this point; decoding skips to the next message start ' +
      '(a line beginning with a method and " /", or with "HTTP/1.").',
  },
  'http-resync': {
    title: 'HTTP resynchronised',
    description:
      'After a TCP gap or a mid-connection start, the stream began inside a message; the bytes up to the next ' +
      'message start were skipped.',
  },
  'http-incomplete-message': {
    title: 'Incomplete HTTP message',
    description: 'A message was cut by a TCP gap or by the end of its connection (or of the capture); it is not shown.',
  },
  'unsupported-link-type': {
    title: 'Unsupported link type',
    description: 'The capture uses a link-layer type mesos-wire does not decode; its packets are skipped.',
  },
};
