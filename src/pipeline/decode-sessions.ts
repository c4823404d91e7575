/**
 * Raw streams and captures -> `DecodedEvent`s through one session layer (session.ts):
 *
 * - `CaptureSessionDecoder`: packets -> TCP reassembly -> HTTP per direction (CaptureDecoder, bodies streamed) ->
 *   DirectionSession per direction, the two directions of a connection paired (responses answer the requests of
 *   the opposite direction). Connection open/close and every TCP/HTTP diagnostic pass through as events.
 * - `RawSessionDecoder`: one raw byte stream of HTTP/1.x (requests and responses back to back, as in a raw
 *   `capture.bin`) -> one DirectionSession paired with itself. Framing errors become `error` events and decoding
 *   resynchronises at the next message start.
 */
import { isMesosWireError } from '../errors.ts';
import { HttpDecoder } from '../http/decoder.ts';
import type { CapturedPacket } from '../pcap/packet.ts';
import { type ReadCaptureFileOptions, type ReadCaptureFileResult, readCaptureFile } from '../pcap/read-file.ts';
import {
  type CaptureDecodeEvent,
  CaptureDecoder,
  type CaptureDecoderOptions,
  type CaptureHttpDirection,
} from './decode-capture.ts';
import type { DecodedEvent } from './events.ts';
import { DirectionSession, type SessionOptions, SessionWatch } from './session.ts';

/**
 * Delivered bytes kept per direction to compare retransmissions with (the TCP default is 64 KiB). Smaller here:
 * a capture with many busy connections otherwise spends most of its memory on these rings; retransmissions of older
 * bytes are still counted, just not compared.
 */
export const SESSION_RETAIN_BYTES_DEFAULT = 16 * 1024;

/** Options of CaptureSessionDecoder. */
export interface CaptureSessionOptions extends SessionOptions {
  tcp?: CaptureDecoderOptions['tcp'];
  http?: CaptureDecoderOptions['http'];
}

/** The two directions of one connection. */
interface ConnectionSessions {
  clientToServer: DirectionSession | undefined;
  serverToClient: DirectionSession | undefined;
}

/**
 * A capture decoded into Mesos sessions. Feed packets in file order with `push`, then `end()`; events arrive
 * synchronously, in capture order. Never throws on bad traffic.
 */
export class CaptureSessionDecoder {
  private readonly emit: (event: DecodedEvent) => void;
  private readonly options: CaptureSessionOptions;
  private readonly capture: CaptureDecoder;
  private readonly watch = new SessionWatch();
  private readonly connections = new Map<number, ConnectionSessions>();
  /** Connections whose request/response pairing is unknown (midstream start, gap, resync). */
  private readonly unpaired = new Set<number>();
  /** The direction that received a head or body bytes from the payload being decoded (one payload feeds one). */
  private holding: DirectionSession | undefined;

  constructor(emit: (event: DecodedEvent) => void, options: CaptureSessionOptions = {}) {
    this.emit = emit;
    this.options = options;
    this.capture = new CaptureDecoder((event) => this.onCaptureEvent(event), {
      tcp: { retainBytes: SESSION_RETAIN_BYTES_DEFAULT, ...options.tcp },
      http: options.http,
      streamBodies: true,
      afterData: () => {
        const session = this.holding;
        if (session !== undefined) {
          this.holding = undefined;
          session.releaseViews();
        }
      },
      httpSink: {
        head: (d, head, packet) => {
          const session = this.sessionOf(d);
          session.head(head, packet);
          this.holding = session;
        },
        body: (d, _head, piece, offset, packet) => {
          const session = this.existingOf(d);
          if (session !== undefined) {
            session.body(piece, offset, packet);
            this.holding = session;
          }
        },
        message: (d, message, packet, endPacket) => this.existingOf(d)?.message(message, packet, endPacket),
      },
    });
  }

  /** Counters of the TCP layer. */
  get tcpStats(): CaptureDecoder['tcpStats'] {
    return this.capture.tcpStats;
  }

  /** Decodes the next packet. Keeps nothing of the object past the call but packetRefOf(packet) (transientPackets is fine). */
  push(packet: CapturedPacket): void {
    this.capture.push(packet);
  }

  /** End of capture: closes every connection. */
  end(): void {
    this.capture.end();
  }

  private session(
    connection: number,
    direction: 'client-to-server' | 'server-to-client',
    flow: string,
  ): DirectionSession {
    let sessions = this.connections.get(connection);
    if (sessions === undefined) {
      sessions = { clientToServer: undefined, serverToClient: undefined };
      this.connections.set(connection, sessions);
    }
    const key = direction === 'client-to-server' ? 'clientToServer' : 'serverToClient';
    let session = sessions[key];
    if (session === undefined) {
      session = new DirectionSession(this.emit, this.options, this.watch, { flow, connection, direction });
      sessions[key] = session;
      const other = direction === 'client-to-server' ? sessions.serverToClient : sessions.clientToServer;
      if (other !== undefined) session.pairWith(other);
      if (this.unpaired.has(connection)) session.stopPairing();
    }
    return session;
  }

  /** The session of a sink direction, kept in its slot (no lookup per item). */
  private sessionOf(d: CaptureHttpDirection): DirectionSession {
    let session = d.slot as DirectionSession | undefined;
    if (session === undefined) d.slot = session = this.session(d.connection, d.direction, d.stream);
    return session;
  }

  private existingOf(d: CaptureHttpDirection): DirectionSession | undefined {
    let session = d.slot as DirectionSession | undefined;
    if (session === undefined) {
      session = this.existing(d.connection, d.direction);
      d.slot = session;
    }
    return session;
  }

  private existing(connection: number, direction: string): DirectionSession | undefined {
    const sessions = this.connections.get(connection);
    if (sessions === undefined) return undefined;
    return direction === 'client-to-server' ? sessions.clientToServer : sessions.serverToClient;
  }

  private stopPairing(connection: number): void {
    this.unpaired.add(connection);
    const sessions = this.connections.get(connection);
    sessions?.clientToServer?.stopPairing();
    sessions?.serverToClient?.stopPairing();
  }

  private onCaptureEvent(event: CaptureDecodeEvent): void {
    switch (event.kind) {
      // http-head, http-body and http-message come through the httpSink.
      case 'open':
        if (event.midstream) this.unpaired.add(event.connection);
        this.emit({
          type: 'open',
          connection: event.connection,
          flow: event.flow,
          client: event.client,
          server: event.server,
          midstream: event.midstream,
          frame: event.packet.index,
          time: event.packet.timestamp,
        });
        return;
      case 'gap':
        // Requests or responses may be lost in the gap: the pipelined pairing of this connection is unknown now.
        this.stopPairing(event.connection);
        return;
      case 'close': {
        const sessions = this.connections.get(event.connection);
        sessions?.clientToServer?.abort();
        sessions?.serverToClient?.abort();
        this.connections.delete(event.connection);
        this.unpaired.delete(event.connection);
        const close: DecodedEvent = {
          type: 'close',
          connection: event.connection,
          flow: event.flow,
          reason: event.reason,
          clientToServer: event.clientToServer,
          serverToClient: event.serverToClient,
        };
        if (event.packet !== undefined) {
          close.frame = event.packet.index;
          close.time = event.packet.timestamp;
        }
        this.emit(close);
        return;
      }
      case 'diagnostic': {
        const d = event.diagnostic;
        // The HTTP layer dropped the message in flight of that direction.
        if (d.kind === 'http-framing-error' || d.kind === 'http-resync' || d.kind === 'http-incomplete-message') {
          this.existing(d.connection, d.direction)?.abort();
          if (d.kind !== 'http-incomplete-message') this.stopPairing(d.connection);
        }
        this.emit({ type: 'diagnostic', diagnostic: d });
        return;
      }
    }
  }
}

/**
 * Streams a pcap or pcapng file from disk through CaptureSessionDecoder. Capture-format errors (MW_PCAP_*) are
 * thrown after every event decodable before them was delivered and the open connections were closed.
 */
export async function decodeCaptureSessions(
  path: string,
  emit: (event: DecodedEvent) => void,
  options: CaptureSessionOptions & ReadCaptureFileOptions = {},
): Promise<ReadCaptureFileResult> {
  const decoder = new CaptureSessionDecoder(emit, options);
  try {
    // The decoder keeps refs, never the packets: the reader may reuse its packet object.
    return await readCaptureFile(path, (packet) => decoder.push(packet), { ...options, transientPackets: true });
  } finally {
    decoder.end();
  }
}

/**
 * One raw stream of HTTP/1.x traffic (requests and responses back to back) -> DecodedEvents, with responses paired
 * to the requests of the same stream. Framing errors become `error` events (code and absolute offset) and decoding
 * resynchronises at the next plausible message start.
 */
export class RawSessionDecoder {
  private readonly emit: (event: DecodedEvent) => void;
  private readonly session: DirectionSession;
  private readonly http: HttpDecoder;
  private framingErrors = 0;

  constructor(emit: (event: DecodedEvent) => void, options: SessionOptions & { startOffset?: number } = {}) {
    this.emit = emit;
    const session = new DirectionSession(emit, options, new SessionWatch());
    this.session = session;
    this.http = new HttpDecoder(
      {
        onHead: (head) => session.head(head),
        onBody: (_head, piece, offset) => session.body(piece, offset),
        onMessage: (m) => session.message(m),
      },
      { expect: 'any', streamBodies: true, startOffset: options.startOffset },
    );
  }

  /** Error events emitted so far (framing, limits, and body errors in `bodyErrors: 'error'` mode). */
  get errors(): number {
    return this.framingErrors + this.session.errors;
  }

  write(chunk: Uint8Array): void {
    this.guard(() => this.http.write(chunk));
  }

  end(): void {
    this.guard(() => this.http.end());
  }

  private guard(call: () => void): void {
    let next: (() => void) | undefined = call;
    while (next !== undefined) {
      try {
        next();
        next = undefined;
      } catch (error) {
        if (!isMesosWireError(error) || error.code === 'MW_DECODER_FAILED') throw error;
        this.framingErrors++;
        this.emit({ type: 'error', code: error.code, offset: error.offset, message: error.message });
        this.session.abort();
        const http = this.http;
        next = () => http.resync();
      }
    }
  }
}
