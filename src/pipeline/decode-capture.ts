import type { Diagnostic, TcpDirection } from '../diagnostics.ts';
import { isMesosWireError, type MesosWireError } from '../errors.ts';
import { HttpDecoder, type HttpDecoderOptions } from '../http/decoder.ts';
import type { HttpHead, HttpMessage } from '../http/types.ts';
import type { CapturedPacket, PacketRef } from '../pcap/packet.ts';
import { type ReadCaptureFileOptions, type ReadCaptureFileResult, readCaptureFile } from '../pcap/read-file.ts';
import { type TcpEvent, TcpReassembler, type TcpReassemblerOptions } from '../pcap/tcp-reassembler.ts';

/** What decoding a capture yields, in capture order. */
export type CaptureDecodeEvent =
  /** Connection lifecycle, TCP gaps and every diagnostic (TCP and HTTP), as the reassembler and decoders report them. */
  | Exclude<TcpEvent, { kind: 'data' }>
  | {
      kind: 'http-message';
      /** Connection id `client>server`. */
      flow: string;
      connection: number;
      direction: TcpDirection;
      /** `source>destination` of this message. */
      stream: string;
      message: HttpMessage;
      /** The packet that carried the message's first byte (frame number and time). */
      packet: PacketRef;
      /** The packet that carried its last byte. */
      endPacket: PacketRef;
    }
  /** A message head is complete (only with `streamBodies`). */
  | {
      kind: 'http-head';
      flow: string;
      connection: number;
      direction: TcpDirection;
      stream: string;
      head: HttpHead;
      /** The packet that carried the head's first byte. */
      packet: PacketRef;
    }
  /** Body bytes as they arrive (only with `streamBodies`; the message event then has an empty body). */
  | {
      kind: 'http-body';
      flow: string;
      connection: number;
      direction: TcpDirection;
      stream: string;
      head: HttpHead;
      /** A view of the input: copy it to keep it. */
      piece: Uint8Array;
      /** Stream offset of piece[0]. */
      offset: number;
      /** The packet being decoded. */
      packet: PacketRef;
    };

/** Options of CaptureDecoder. */
export interface CaptureDecoderOptions {
  tcp?: TcpReassemblerOptions;
  /** Passed to every per-direction HttpDecoder (`startOffset` and `expect` are set by the pipeline). */
  http?: Omit<HttpDecoderOptions, 'startOffset' | 'expect'>;
  /**
   * Bodies are passed on as they arrive (`http-head` and `http-body` events) instead of being collected, so endless
   * event streams and huge bodies cost no memory here; `http-message` events then carry an empty body.
   */
  streamBodies?: boolean;
}

/** TLS record types that can open a stream: handshake (22), and application data (23) when the capture starts late. */
const TLS_HANDSHAKE = 0x16;
const TLS_APPLICATION_DATA = 0x17;
const TLS_MAJOR_VERSION = 0x03;

/** Packets remembered per direction to map message offsets back to frames. */
const MAX_TRACKED_PACKETS = 8192;
/** Bounded guard against a resync that makes no progress (a decoder bug); the direction then waits for new bytes. */
const MAX_RESYNCS_PER_WRITE = 10_000;

/** Which stream a direction state belongs to. */
interface StreamContext {
  readonly flow: string;
  readonly connection: number;
  readonly direction: TcpDirection;
  readonly stream: string;
}

/** One direction of a connection: its HTTP decoder and the packets that carried its recent bytes. */
class DirectionState {
  readonly context: StreamContext;
  /** Set right after construction (the decoder's handler needs this state). */
  decoder!: HttpDecoder;
  /** Why the next bytes may start inside a message (until a message head is seen). */
  disruption: 'gap' | 'midstream' | undefined;
  /** (stream offset, packet) of recent data events, oldest first, to find a message's first and last packet. */
  offsets: number[] = [];
  packets: PacketRef[] = [];
  /** The packet being written, for diagnostics raised during the write. */
  current: PacketRef | undefined;
  /** Set while the stream is cut short: a body running until close then ends early, not normally. */
  cutShort: 'gap' | 'close' | undefined;

  constructor(context: StreamContext, disruption: 'gap' | 'midstream' | undefined) {
    this.context = context;
    this.disruption = disruption;
  }

  /** The packet that carried stream offset `at`. */
  packetAt(at: number): PacketRef {
    let found = 0;
    for (let i = 0; i < this.offsets.length && this.offsets[i]! <= at; i++) found = i;
    return this.packets[found]!;
  }

  /** Forgets packets wholly before `at` (a message ended there). */
  forgetBefore(at: number): void {
    let keep = 0;
    while (keep + 1 < this.offsets.length && this.offsets[keep + 1]! <= at) keep++;
    if (keep > 0) {
      this.offsets.splice(0, keep);
      this.packets.splice(0, keep);
    }
  }
}

/** A number per (connection, direction): no string building per packet. */
function directionKey(connection: number, direction: TcpDirection): number {
  return connection * 2 + (direction === 'client-to-server' ? 0 : 1);
}

/**
 * Captures to HTTP messages: packets -> TCP reassembly -> one HttpDecoder per direction.
 *
 * Each direction's decoder accepts requests and responses (`expect: 'any'`). After a TCP gap, or when the capture
 * started mid-connection, the next bytes may fall inside a message: the decoder then fails on them and is resynced
 * at the next message start, reported once as `http-resync` (not as a framing error). A framing error elsewhere is
 * reported as `http-framing-error` and resynced the same way. A message cut by a gap or by the connection's end is
 * reported as `http-incomplete-message`. Nothing is thrown for bad traffic; `push` rethrows only a handler's error.
 */
export class CaptureDecoder {
  private readonly onEvent: (event: CaptureDecodeEvent) => void;
  private readonly httpOptions: CaptureDecoderOptions['http'];
  private readonly reassembler: TcpReassembler;
  /** Per connection and direction (see directionKey). */
  private readonly directions = new Map<number, DirectionState>();
  private readonly midstream = new Set<number>();
  /** Connections whose bytes are TLS records: skipped, not parsed as HTTP. */
  private readonly encrypted = new Set<number>();
  private readonly streamBodies: boolean;

  constructor(onEvent: (event: CaptureDecodeEvent) => void, options: CaptureDecoderOptions = {}) {
    this.onEvent = onEvent;
    this.httpOptions = options.http;
    this.streamBodies = options.streamBodies === true;
    this.reassembler = new TcpReassembler((event) => this.onTcpEvent(event), options.tcp);
  }

  /** Counters of the TCP layer. */
  get tcpStats(): TcpReassembler['stats'] {
    return this.reassembler.stats;
  }

  push(packet: CapturedPacket): void {
    this.reassembler.push(packet);
  }

  /** End of capture: closes every connection, reporting messages left incomplete. */
  end(): void {
    this.reassembler.end();
  }

  private onTcpEvent(event: TcpEvent): void {
    switch (event.kind) {
      case 'data': {
        if (this.encrypted.size > 0 && this.encrypted.has(event.connection)) return;
        let state = this.directions.get(directionKey(event.connection, event.direction));
        if (state === undefined) {
          if (this.looksLikeTls(event)) return;
          state = this.direction(event, event.streamOffset);
        }
        state.offsets.push(event.streamOffset);
        state.packets.push({ index: event.packet.index, timestamp: event.packet.timestamp });
        // Bytes that never complete a message (a huge body, junk while resyncing) must not grow this without bound;
        // beyond the cap, the first packet of such a message is reported as the oldest one still known.
        if (state.offsets.length > MAX_TRACKED_PACKETS) {
          state.offsets.splice(0, MAX_TRACKED_PACKETS / 2);
          state.packets.splice(0, MAX_TRACKED_PACKETS / 2);
        }
        state.current = event.packet;
        this.write(state, event.bytes);
        return;
      }
      case 'open':
        if (event.midstream) this.midstream.add(event.connection);
        this.onEvent(event);
        return;
      case 'gap': {
        this.onEvent(event);
        const key = directionKey(event.connection, event.direction);
        const state = this.directions.get(key);
        if (state !== undefined) this.finish(state, 'gap', event.streamOffset, 'gap');
        // A fresh decoder at the offset after the gap, expecting to start inside a message.
        this.directions.set(key, this.createState(event, event.streamOffset + event.length, 'gap'));
        return;
      }
      case 'close':
        for (const direction of ['client-to-server', 'server-to-client'] as const) {
          const key = directionKey(event.connection, direction);
          const state = this.directions.get(key);
          if (state !== undefined) {
            // FIN and RST end an until-close body normally; the end of the capture or an eviction does not.
            const cutShort = event.reason === 'fin' || event.reason === 'rst' ? undefined : 'close';
            this.finish(state, 'close', undefined, cutShort);
            this.directions.delete(key);
          }
        }
        this.midstream.delete(event.connection);
        this.encrypted.delete(event.connection);
        this.onEvent(event);
        return;
      default:
        this.onEvent(event);
    }
  }

  /**
   * The first bytes of a direction are a TLS record header (type 22 handshake at the start of a connection, or 23
   * application data when the capture started late, then major version 3): libprocess with SSL enabled (wire-protocol
   * §2.7). The connection is labelled encrypted once and its bytes skipped, instead of failing as HTTP.
   */
  private looksLikeTls(event: TcpEvent & { kind: 'data' }): boolean {
    const bytes = event.bytes;
    if (bytes.length < 2 || bytes[1] !== TLS_MAJOR_VERSION) return false;
    const midstream = this.midstream.has(event.connection);
    const atStart = event.streamOffset === 0;
    const tls =
      (atStart && bytes[0] === TLS_HANDSHAKE) ||
      (midstream && (bytes[0] === TLS_HANDSHAKE || bytes[0] === TLS_APPLICATION_DATA));
    if (!tls) return false;
    this.encrypted.add(event.connection);
    this.onEvent({
      kind: 'diagnostic',
      diagnostic: {
        kind: 'tls-encrypted',
        flow: event.flow,
        connection: event.connection,
        direction: event.direction,
        streamOffset: event.streamOffset,
        frame: event.packet.index,
        recordType: bytes[0]!,
      },
    });
    return true;
  }

  private direction(context: StreamContext, startOffset: number): DirectionState {
    const key = directionKey(context.connection, context.direction);
    let state = this.directions.get(key);
    if (state === undefined) {
      const disruption = this.midstream.has(context.connection) ? 'midstream' : undefined;
      state = this.createState(context, startOffset, disruption);
      this.directions.set(key, state);
    }
    return state;
  }

  private createState(
    context: StreamContext,
    startOffset: number,
    disruption: 'gap' | 'midstream' | undefined,
  ): DirectionState {
    const { flow, connection, direction, stream } = context;
    const state = new DirectionState({ flow, connection, direction, stream }, disruption);
    const streamBodies = this.streamBodies;
    state.decoder = new HttpDecoder(
      {
        onHead: (head) => {
          state.disruption = undefined;
          if (streamBodies) {
            this.onEvent({ kind: 'http-head', ...state.context, head, packet: state.packetAt(head.offset) });
          }
        },
        onBody: streamBodies
          ? (head, piece, offset) => {
              const packet = state.current ?? state.packetAt(offset);
              this.onEvent({ kind: 'http-body', ...state.context, head, piece, offset, packet });
            }
          : undefined,
        onMessage: (message) => {
          const packet = state.packetAt(message.offset);
          const endPacket = state.packetAt(message.end - 1);
          state.forgetBefore(message.end);
          this.onEvent({ kind: 'http-message', ...state.context, message, packet, endPacket });
          if (state.cutShort !== undefined && message.framing === 'until-close') {
            this.incomplete(state, state.cutShort, message.end);
          }
        },
      },
      { ...this.httpOptions, expect: 'any', startOffset, streamBodies },
    );
    return state;
  }

  private write(state: DirectionState, bytes: Uint8Array): void {
    try {
      state.decoder.write(bytes);
    } catch (error) {
      this.reportAndResync(state, error);
    }
  }

  /** Reports a decoder error, then resyncs until the decoder stops failing on the bytes it holds. */
  private reportAndResync(state: DirectionState, first: unknown): void {
    let error: unknown = first;
    let lastOffset = -1;
    for (let round = 0; round < MAX_RESYNCS_PER_WRITE; round++) {
      if (!isMesosWireError(error) || error.code === 'MW_DECODER_FAILED') throw error;
      const offset = error.offset ?? state.decoder.offset;
      if (offset === lastOffset && round > 0) return;
      lastOffset = offset;
      this.report(state, error, offset);
      try {
        state.decoder.resync();
        return;
      } catch (next) {
        error = next;
      }
    }
  }

  private report(state: DirectionState, error: MesosWireError, offset: number): void {
    const { flow, connection, direction } = state.context;
    const base = { flow, connection, direction, streamOffset: offset };
    const frame = state.offsets.length > 0 ? state.packetAt(offset).index : state.current?.index;
    let diagnostic: Diagnostic;
    if (state.disruption !== undefined) {
      diagnostic = { kind: 'http-resync', ...base, reason: state.disruption, code: error.code };
      // One report per disruption: later errors before a message head are plain framing errors again.
      state.disruption = undefined;
    } else {
      diagnostic = { kind: 'http-framing-error', ...base, code: error.code, message: error.message };
    }
    if (frame !== undefined) diagnostic.frame = frame;
    this.onEvent({ kind: 'diagnostic', diagnostic });
  }

  /**
   * The stream stops here (gap or close): a message in progress is incomplete. `cutShort` says whether a body that
   * runs until close ends early here (its message is then delivered, and flagged).
   */
  private finish(
    state: DirectionState,
    cause: 'gap' | 'close',
    at: number | undefined,
    cutShort: 'gap' | 'close' | undefined,
  ): void {
    if (state.decoder.error !== undefined) return;
    state.cutShort = cutShort;
    try {
      state.decoder.end();
    } catch (error) {
      if (!isMesosWireError(error) || error.code === 'MW_DECODER_FAILED') throw error;
      this.incomplete(state, cause, at ?? error.offset ?? state.decoder.offset);
    }
  }

  private incomplete(state: DirectionState, cause: 'gap' | 'close', streamOffset: number): void {
    const diagnostic: Diagnostic = {
      kind: 'http-incomplete-message',
      flow: state.context.flow,
      connection: state.context.connection,
      direction: state.context.direction,
      streamOffset,
      cause,
    };
    if (state.current !== undefined) diagnostic.frame = state.current.index;
    this.onEvent({ kind: 'diagnostic', diagnostic });
  }
}

/**
 * Streams a pcap or pcapng file from disk through CaptureDecoder. Capture-format errors
 * (MW_PCAP_*) are thrown after every event decodable before them was delivered and the
 * open connections were closed.
 */
export async function decodeCaptureFile(
  path: string,
  onEvent: (event: CaptureDecodeEvent) => void,
  options: CaptureDecoderOptions & ReadCaptureFileOptions = {},
): Promise<ReadCaptureFileResult> {
  const decoder = new CaptureDecoder(onEvent, options);
  try {
    return await readCaptureFile(path, (packet) => decoder.push(packet), options);
  } finally {
    decoder.end();
  }
}
