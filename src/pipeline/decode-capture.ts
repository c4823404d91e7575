import type { Diagnostic, TcpDirection } from '../diagnostics.ts';
import { isMesosWireError, type MesosWireError } from '../errors.ts';
import { HttpDecoder, type HttpDecoderOptions } from '../http/decoder.ts';
import { SharedHeadCache } from '../http/shared-heads.ts';
import type { HttpHead, HttpMessage } from '../http/types.ts';
import type { CapturedPacket, PacketRef } from '../pcap/packet.ts';
import { type ReadCaptureFileOptions, type ReadCaptureFileResult, readCaptureFile } from '../pcap/read-file.ts';
import {
  type TcpEvent,
  TcpReassembler,
  type TcpReassemblerOptions,
  type TcpStreamInfo,
} from '../pcap/tcp-reassembler.ts';
import { CaptureTimestamp } from '../pcap/timestamp.ts';

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
  /**
   * Passed to every per-direction HttpDecoder (`startOffset` and `expect` are set by the pipeline). Unless
   * `headCache` is given, the decoders share one SharedHeadCache: a head kept on one connection is reused on the others.
   */
  http?: Omit<HttpDecoderOptions, 'startOffset' | 'expect'>;
  /**
   * Bodies are passed on as they arrive (`http-head` and `http-body` events) instead of being collected, so endless
   * event streams and huge bodies cost no memory here; `http-message` events then carry an empty body.
   */
  streamBodies?: boolean;
  /**
   * Called when the bytes of one delivered TCP payload have been decoded. Event pieces, bodies and heads may be
   * views of that payload, i.e. of the capture reader's input chunk: whoever holds them beyond this point keeps the
   * whole chunk alive, so this is where a holder copies what it still needs.
   */
  afterData?: () => void;
  /**
   * Receives heads, body pieces and messages instead of `onEvent` (the same calls in the same order, without an event
   * object per item); requires `streamBodies`. Every other event still goes to `onEvent`.
   */
  httpSink?: CaptureHttpSink;
}

/** One direction of a connection as a CaptureHttpSink sees it. */
export interface CaptureHttpDirection {
  /** Connection id `client>server`. */
  readonly flow: string;
  readonly connection: number;
  readonly direction: TcpDirection;
  /** `source>destination` of this direction. */
  readonly stream: string;
  /** The sink's own value for this direction (undefined at first, and again after a gap starts a new decoder). */
  slot: unknown;
}

/** What `http-head`, `http-body` and `http-message` events carry, as calls (see CaptureDecoderOptions.httpSink). */
export interface CaptureHttpSink {
  head(direction: CaptureHttpDirection, head: HttpHead, packet: PacketRef): void;
  body(direction: CaptureHttpDirection, head: HttpHead, piece: Uint8Array, offset: number, packet: PacketRef): void;
  message(direction: CaptureHttpDirection, message: HttpMessage, packet: PacketRef, endPacket: PacketRef): void;
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

/** A direction's context as handed to an http sink. */
class SinkDirection implements CaptureHttpDirection {
  readonly flow: string;
  readonly connection: number;
  readonly direction: TcpDirection;
  readonly stream: string;
  slot: unknown = undefined;
  constructor(context: StreamContext) {
    this.flow = context.flow;
    this.connection = context.connection;
    this.direction = context.direction;
    this.stream = context.stream;
  }
}

/** What a forgotten slot of the tracked-packet lists holds (nothing retained; the list keeps one element kind). */
const FORGOTTEN: PacketRef = { index: 0, timestamp: new CaptureTimestamp(0, 0, 0) };

/** Forgotten slots of the tracked-packet lists are reclaimed (live slots moved to the front) past this many and half. */
const COMPACT_TRACKED_AFTER = 64;

/** One direction of a connection: its HTTP decoder and the packets that carried its recent bytes. */
class DirectionState {
  readonly context: StreamContext;
  /** Set right after construction (the decoder's handler needs this state). */
  decoder!: HttpDecoder;
  /** Why the next bytes may start inside a message (until a message head is seen). */
  disruption: 'gap' | 'midstream' | undefined;
  /**
   * (stream offset, packet) of recent data events in slots [first, end), oldest first, to find a message's first and
   * last packet. Forgetting moves `first`; slots are reused (no shift per message, no array regrown per message).
   */
  private readonly offsets: number[] = [];
  private readonly packets: PacketRef[] = [];
  private first = 0;
  private end = 0;
  /** The stream offset just after the bytes of the last packet tracked. */
  private trackedEnd = 0;
  /** The packet being written, during the write (undefined between writes: see lastFrame). */
  current: PacketRef | undefined;
  /** Frame number of the last packet written, for diagnostics raised between writes (a number: no object kept). */
  lastFrame: number | undefined;
  /** Set while the stream is cut short: a body running until close then ends early, not normally. */
  cutShort: 'gap' | 'close' | undefined;

  constructor(context: StreamContext, disruption: 'gap' | 'midstream' | undefined) {
    this.context = context;
    this.disruption = disruption;
  }

  /** Packets tracked. */
  get tracked(): number {
    return this.end - this.first;
  }

  /**
   * Remembers that the bytes from stream offset `at` came in `packet` (the reassembler's own small ref, not the
   * captured packet, so keeping it keeps no input chunk alive).
   */
  track(at: number, length: number, packet: PacketRef): void {
    this.trackedEnd = at + length;
    const end = this.end++;
    if (end < this.offsets.length) {
      this.offsets[end] = at;
      this.packets[end] = packet;
    } else {
      this.offsets.push(at);
      this.packets.push(packet);
    }
    // Bytes that never complete a message (a huge body, junk while resyncing) must not grow this without bound;
    // beyond the cap, the first packet of such a message is reported as the oldest one still known.
    if (this.tracked > MAX_TRACKED_PACKETS) this.drop(MAX_TRACKED_PACKETS / 2);
  }

  /** The packet that carried stream offset `at`. */
  packetAt(at: number): PacketRef {
    const offsets = this.offsets;
    let found = this.first;
    for (let i = this.first; i < this.end && offsets[i]! <= at; i++) found = i;
    return this.packets[found]!;
  }

  /**
   * Forgets packets wholly before `at` (a message ended there): all of them when it ended with the bytes tracked
   * (the usual case: a message ends with its packet). Then no packet ref outlives its message, so none survives
   * into the old generation while its direction waits for the next message.
   */
  forgetBefore(at: number): void {
    if (at >= this.trackedEnd && this.end > this.first) {
      this.drop(this.end - this.first);
      return;
    }
    const offsets = this.offsets;
    let keep = this.first;
    while (keep + 1 < this.end && offsets[keep + 1]! <= at) keep++;
    if (keep > this.first) this.drop(keep - this.first);
  }

  /** Forgets the `count` oldest packets. */
  private drop(count: number): void {
    const first = this.first + count;
    // Release the forgotten packets' times now, not when their slots are reused.
    this.packets.fill(FORGOTTEN, this.first, first);
    if (first === this.end) {
      this.first = this.end = 0;
      // After a message of many packets, let the long lists go instead of keeping their slots.
      if (this.offsets.length > COMPACT_TRACKED_AFTER) {
        this.offsets.length = 0;
        this.packets.length = 0;
      }
    } else if (first >= COMPACT_TRACKED_AFTER && first * 2 >= this.end) {
      // Move the live slots to the front (the list then grows only with the packets of the longest message).
      this.offsets.copyWithin(0, first, this.end);
      this.packets.copyWithin(0, first, this.end);
      this.end -= first;
      this.first = 0;
    } else {
      this.first = first;
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
  private readonly afterData: (() => void) | undefined;
  private readonly httpSink: CaptureHttpSink | undefined;

  constructor(onEvent: (event: CaptureDecodeEvent) => void, options: CaptureDecoderOptions = {}) {
    this.onEvent = onEvent;
    const headCache = options.http?.headCache;
    this.httpOptions =
      headCache === undefined || headCache === true
        ? { ...options.http, headCache: new SharedHeadCache() }
        : options.http;
    this.streamBodies = options.streamBodies === true;
    this.afterData = options.afterData;
    this.httpSink = options.httpSink;
    if (this.httpSink !== undefined && !this.streamBodies) throw new TypeError('httpSink requires streamBodies');
    this.reassembler = new TcpReassembler(
      (event) => this.onTcpEvent(event),
      options.tcp,
      (stream, streamOffset, bytes, packet) => this.onData(stream, streamOffset, bytes, packet),
    );
  }

  /** Counters of the TCP layer. */
  get tcpStats(): TcpReassembler['stats'] {
    return this.reassembler.stats;
  }

  /** Decodes the next packet. Keeps nothing of the object past the call but packetRefOf(packet) (transientPackets is fine). */
  push(packet: CapturedPacket): void {
    this.reassembler.push(packet);
  }

  /** End of capture: closes every connection, reporting messages left incomplete. */
  end(): void {
    this.reassembler.end();
  }

  /** Delivered TCP bytes (the reassembler's data sink: what a 'data' event carries, without the event object). */
  private onData(stream: TcpStreamInfo, streamOffset: number, bytes: Uint8Array, packet: PacketRef): void {
    if (this.encrypted.size > 0 && this.encrypted.has(stream.connection)) return;
    let state = this.directions.get(directionKey(stream.connection, stream.direction));
    if (state === undefined) {
      if (this.looksLikeTls(stream, streamOffset, bytes, packet)) return;
      state = this.direction(stream, streamOffset);
    }
    state.track(streamOffset, bytes.length, packet);
    state.current = packet;
    state.lastFrame = packet.index;
    this.write(state, bytes);
    state.current = undefined;
    if (this.afterData !== undefined) this.afterData();
  }

  private onTcpEvent(event: TcpEvent): void {
    switch (event.kind) {
      case 'data':
        // Data comes through onData; this keeps the event contract if a 'data' event ever arrives here.
        this.onData(event, event.streamOffset, event.bytes, event.packet);
        return;
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
  private looksLikeTls(stream: TcpStreamInfo, streamOffset: number, bytes: Uint8Array, packet: PacketRef): boolean {
    if (bytes.length < 2 || bytes[1] !== TLS_MAJOR_VERSION) return false;
    const midstream = this.midstream.has(stream.connection);
    const atStart = streamOffset === 0;
    const tls =
      (atStart && bytes[0] === TLS_HANDSHAKE) ||
      (midstream && (bytes[0] === TLS_HANDSHAKE || bytes[0] === TLS_APPLICATION_DATA));
    if (!tls) return false;
    this.encrypted.add(stream.connection);
    this.onEvent({
      kind: 'diagnostic',
      diagnostic: {
        kind: 'tls-encrypted',
        flow: stream.flow,
        connection: stream.connection,
        direction: stream.direction,
        streamOffset,
        frame: packet.index,
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
    const sink = this.httpSink;
    const sinkDirection = sink === undefined ? undefined : new SinkDirection(state.context);
    // Event objects are written out field by field (not spread from the context): one allocation, fixed shape.
    state.decoder = new HttpDecoder(
      {
        onHead: (head) => {
          state.disruption = undefined;
          if (streamBodies) {
            const packet = state.packetAt(head.offset);
            if (sink !== undefined) sink.head(sinkDirection!, head, packet);
            else this.onEvent({ kind: 'http-head', flow, connection, direction, stream, head, packet });
          }
        },
        onBody: streamBodies
          ? (head, piece, offset) => {
              const packet = state.current ?? state.packetAt(offset);
              if (sink !== undefined) sink.body(sinkDirection!, head, piece, offset, packet);
              else
                this.onEvent({ kind: 'http-body', flow, connection, direction, stream, head, piece, offset, packet });
            }
          : undefined,
        onMessage: (message) => {
          const packet = state.packetAt(message.offset);
          const endPacket = state.packetAt(message.end - 1);
          state.forgetBefore(message.end);
          if (sink !== undefined) sink.message(sinkDirection!, message, packet, endPacket);
          else this.onEvent({ kind: 'http-message', flow, connection, direction, stream, message, packet, endPacket });
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
    const frame = state.tracked > 0 ? state.packetAt(offset).index : state.lastFrame;
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
    if (state.lastFrame !== undefined) diagnostic.frame = state.lastFrame;
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
    // The decoder keeps refs, never the packets: the reader may reuse its packet object.
    return await readCaptureFile(path, (packet) => decoder.push(packet), { ...options, transientPackets: true });
  } finally {
    decoder.end();
  }
}
