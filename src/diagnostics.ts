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

/**
 * Fields shared by the diagnostics of the session layer (src/pipeline: messages, calls, streams). Capture fields
 * are absent for raw streams.
 */
interface SessionDiagnosticBase {
  /** `source>destination` of the item concerned. */
  flow?: string;
  connection?: number;
  direction?: TcpDirection;
  /** Offset of the item (or of the offending byte) in its direction's stream. */
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
  | (TcpStreamDiagnosticBase & {
      kind: 'tcp-retransmission-unchecked';
      /** Retransmitted bytes not compared with the first copy (let go once the peer acknowledged them). */
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
  | { kind: 'unsupported-link-type'; frame: number; linkType: number }
  | (HttpStreamDiagnosticBase & {
      kind: 'tls-encrypted';
      /** The TLS record type the stream started with (22 handshake, 23 application data). */
      recordType: number;
    })
  | (SessionDiagnosticBase & {
      kind: 'upid-address-mismatch';
      /** The sender UPID as Mesos parsed it. */
      upid: string;
      /** The IP address inside the UPID. */
      upidAddress: string;
      /** The source IP of the TCP connection that carried the message. */
      sourceAddress: string;
      /**
       * `different-address`: the peer will reply to an address that is not the one it saw (NAT, a wrong
       * LIBPROCESS_IP, several interfaces); `unspecified-address`: the UPID says 0.0.0.0, so nobody can reply;
       * `loopback-connection`: the connection runs over loopback while the UPID names another address (usually the
       * same host, harmless unless the peer is elsewhere).
       */
      reason: 'different-address' | 'unspecified-address' | 'loopback-connection';
    })
  | (SessionDiagnosticBase & {
      kind: 'upid-loopback-address';
      upid: string;
      upidAddress: string;
      sourceAddress: string;
    })
  | (SessionDiagnosticBase & {
      kind: 'libprocess-sender-mismatch';
      /** The UPID after `libprocess/` in User-Agent. */
      userAgent: string;
      /** The Libprocess-From value (Mesos uses this one). */
      libprocessFrom: string;
    })
  | (SessionDiagnosticBase & {
      kind: 'libprocess-error-response';
      status: number;
      /** The message the response answers. */
      name: string;
      /** Its receiver id. */
      to: string;
    })
  | (SessionDiagnosticBase & {
      kind: 'api-error-response';
      status: number;
      /** `POST /api/v1/scheduler` etc. */
      request: string;
      /** The call's type (`SUBSCRIBE`, `ACCEPT`, ...) when its body was typed. */
      call?: string;
      /** The response body when it is short text (Mesos explains errors there). */
      reason?: string;
    })
  | (SessionDiagnosticBase & {
      kind: 'scheduler-not-subscribed';
      call?: string;
      reason?: string;
    })
  | (SessionDiagnosticBase & {
      kind: 'message-unknown-name';
      name: string;
    })
  | (SessionDiagnosticBase & {
      kind: 'body-undecodable';
      /** The wire name, request, or `record` the body belongs to. */
      item: string;
      typeName?: string;
      /** The MW_PROTO_* / MW_JSON_* code and its message; streamOffset is the offending byte. */
      code: string;
      message: string;
    })
  | (SessionDiagnosticBase & {
      kind: 'heartbeat-missed';
      /** heartbeat_interval_seconds announced by SUBSCRIBED. */
      intervalSeconds: number;
      /** Seconds without any record on the stream. */
      silentSeconds: number;
    })
  | (SessionDiagnosticBase & {
      kind: 'registration-repeated';
      /** The sender (UPID, or the client address of a v1 subscription). */
      sender: string;
      /** The registration message or call (`mesos.internal.ReregisterSlaveMessage`, `SUBSCRIBE`). */
      name: string;
      attempts: number;
      /** Frame of the first attempt. */
      firstFrame?: number;
    });

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
  'tcp-retransmission-unchecked': {
    title: 'Retransmission not compared',
    description:
      'A segment repeated bytes the peer had already acknowledged, whose copy was no longer kept: they were not ' +
      'compared with the first copy (a spurious retransmission, usually harmless). The bytes seen first are kept.',
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
      'The packet is an IP fragment. IPv4 and IPv6 fragments are reassembled once all have arrived (bounded); ' +
      'fragments that never complete leave their TCP bytes as a gap.',
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
  'tls-encrypted': {
    title: 'Encrypted connection',
    description:
      'The connection starts with a TLS record (libprocess with LIBPROCESS_SSL_ENABLED): its bytes cannot be ' +
      'decoded and are skipped.',
  },
  'upid-address-mismatch': {
    title: 'Sender UPID address differs from the connection',
    description:
      'The UPID a message was sent from names another IP than the TCP source address. Replies go to the UPID: ' +
      'behind NAT, or with a wrong LIBPROCESS_IP/LIBPROCESS_ADVERTISE_IP, they never arrive.',
  },
  'upid-loopback-address': {
    title: 'Loopback UPID on a network connection',
    description:
      'A message from another host carries a 127.x/::1 UPID (LIBPROCESS_IP unset and the hostname resolving to ' +
      'loopback): the receiver will reply to itself.',
  },
  'libprocess-sender-mismatch': {
    title: 'Libprocess-From and User-Agent disagree',
    description:
      'The sender UPID after libprocess/ in User-Agent differs from Libprocess-From; Mesos uses Libprocess-From.',
  },
  'libprocess-error-response': {
    title: 'libprocess message rejected',
    description:
      'A libprocess message was answered with an error status (404: no actor with that id; 400/500: bad path, ' +
      'or sender IP validation) instead of 202.',
  },
  'api-error-response': {
    title: 'v1 API call failed',
    description: 'A v1 API call was answered with a 4xx or 5xx status; the body usually says why.',
  },
  'scheduler-not-subscribed': {
    title: 'Scheduler call without subscription',
    description:
      'The master answered 403 to a scheduler API call: the framework is not subscribed (no open SUBSCRIBE ' +
      'stream) or is connected through a driver.',
  },
  'message-unknown-name': {
    title: 'Unknown message name',
    description: 'No schema is known for this libprocess message name; Mesos drops such messages after its 202.',
  },
  'body-undecodable': {
    title: 'Body does not decode',
    description:
      'A body did not decode as its type (bad protobuf, bad JSON, missing required fields); Mesos would drop it.',
  },
  'heartbeat-missed': {
    title: 'Event stream silent',
    description:
      'An event stream went more than two heartbeat intervals without a record: the subscriber would consider ' +
      'the connection lost.',
  },
  'registration-repeated': {
    title: 'Repeated registration',
    description:
      'The same sender registered (or subscribed) again and again: a registration loop (refused, or its replies ' +
      'never reach it).',
  },
};
