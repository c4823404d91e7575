/**
 * Connections of a capture, accumulated from `DecodedEvent`s: endpoints, when they were seen, bytes and items per
 * direction, how they ended, and the anomalies reported on them. Pure: nothing here reads bytes or does I/O.
 */
import type { DiagnosticKind } from '../diagnostics.ts';
import type { CaptureTimestamp } from '../pcap/timestamp.ts';
import type { DecodedEvent } from '../pipeline/events.ts';

/** Counts of one direction of a connection. */
export interface FlowDirectionSummary {
  /** Payload bytes delivered by TCP reassembly. */
  bytes: number;
  /** libprocess messages sent this way. */
  messages: number;
  /** Other HTTP requests sent this way. */
  requests: number;
  responses: number;
  /** RecordIO records (inside responses) sent this way. */
  records: number;
  /** Bytes missing from the capture (gaps). */
  gapBytes: number;
  retransmissions: number;
}

/** One TCP connection. */
export interface FlowSummary {
  connection: number;
  /** `client>server`. */
  flow: string;
  client: string;
  server: string;
  /** No handshake seen (the capture started inside the connection). */
  midstream: boolean;
  /** The bytes are TLS: not decodable. */
  encrypted: boolean;
  firstFrame: number;
  firstTime: CaptureTimestamp;
  lastFrame: number;
  lastTime: CaptureTimestamp;
  /** `fin`, `rst`, `end-of-capture`, `reused`, `evicted`; null while open. */
  closeReason: string | null;
  clientToServer: FlowDirectionSummary;
  serverToClient: FlowDirectionSummary;
  /** Diagnostics about this connection by kind. */
  anomalies: Partial<Record<DiagnosticKind, number>>;
  /** Error events (framing, limits) on this connection. */
  errors: number;
}

function emptyDirection(): FlowDirectionSummary {
  return { bytes: 0, messages: 0, requests: 0, responses: 0, records: 0, gapBytes: 0, retransmissions: 0 };
}

/** Accumulates flows; feed every event with `add`, read with `flows()` (connection order). */
export class FlowTable {
  private readonly byConnection = new Map<number, FlowSummary>();
  /** Diagnostics not tied to a connection (fragments, undecodable packets, link types), by kind. */
  readonly other: Partial<Record<DiagnosticKind, number>> = {};

  add(event: DecodedEvent): void {
    switch (event.type) {
      case 'open':
        this.byConnection.set(event.connection, {
          connection: event.connection,
          flow: event.flow,
          client: event.client,
          server: event.server,
          midstream: event.midstream,
          encrypted: false,
          firstFrame: event.frame,
          firstTime: event.time,
          lastFrame: event.frame,
          lastTime: event.time,
          closeReason: null,
          clientToServer: emptyDirection(),
          serverToClient: emptyDirection(),
          anomalies: {},
          errors: 0,
        });
        return;
      case 'close': {
        const flow = this.byConnection.get(event.connection);
        if (flow === undefined) return;
        flow.closeReason = event.reason;
        this.touch(flow, event.frame, event.time);
        for (const [summary, stats] of [
          [flow.clientToServer, event.clientToServer],
          [flow.serverToClient, event.serverToClient],
        ] as const) {
          summary.bytes = stats.bytes;
          summary.gapBytes = stats.gapBytes;
          summary.retransmissions = stats.retransmissions;
        }
        return;
      }
      case 'diagnostic': {
        const d = event.diagnostic;
        const connection = (d as { connection?: number }).connection;
        const flow = connection === undefined ? undefined : this.byConnection.get(connection);
        const counts = flow === undefined ? this.other : flow.anomalies;
        counts[d.kind] = (counts[d.kind] ?? 0) + 1;
        if (flow !== undefined && d.kind === 'tls-encrypted') flow.encrypted = true;
        return;
      }
      default: {
        if (event.connection === undefined) return;
        const flow = this.byConnection.get(event.connection);
        if (flow === undefined) return;
        this.touch(flow, event.frame, event.time);
        const direction = event.direction === 'server-to-client' ? flow.serverToClient : flow.clientToServer;
        if (event.type === 'message') direction.messages++;
        else if (event.type === 'request') direction.requests++;
        else if (event.type === 'response') direction.responses++;
        else if (event.type === 'record') direction.records++;
        else if (event.type === 'error') flow.errors++;
      }
    }
  }

  private touch(flow: FlowSummary, frame: number | undefined, time: CaptureTimestamp | undefined): void {
    if (frame !== undefined && frame > flow.lastFrame) {
      flow.lastFrame = frame;
      if (time !== undefined) flow.lastTime = time;
    }
  }

  /** Every connection seen, in the order they opened. */
  flows(): FlowSummary[] {
    return [...this.byConnection.values()];
  }
}
