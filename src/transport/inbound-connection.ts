import type net from 'node:net';
import { releaseBytes } from '../bytes/index.ts';
import { isMesosWireError, type MesosWireError, mwError } from '../errors.ts';
import {
  collectedBodyOf,
  deriveFromHead,
  getHeader,
  HttpDecoder,
  type HttpDecoderHandler,
  type HttpDecoderOptions,
  type HttpMessage,
  type HttpRequestMessage,
} from '../http/index.ts';
import type { ConnectionInfo } from './connection-info.ts';
import { releaseBatch, retireSlab, SLAB_BYTES, type Slab, takeSlab } from './slabs.ts';

/**
 * The response to one request, filled in by whoever handles the request. Slots are answered strictly in request
 * order on the connection (HTTP/1.1 pipelining), whatever order they are filled in.
 */
export class ResponseSlot {
  /** Bytes ready to go out, in order. */
  parts: Uint8Array[] = [];
  /** True once nothing more will be added. */
  done = false;
  /** True once `write` was used (a streaming response). */
  private streaming = false;
  /** Set when the peer went away while this response was still streaming. */
  private peerGone = false;
  private closeListeners: (() => void)[] | undefined;
  private readonly connection: InboundConnection;

  constructor(connection: InboundConnection) {
    this.connection = connection;
  }

  /** True when the connection can no longer carry this response (or the peer went away from its stream). */
  get closed(): boolean {
    return this.peerGone || this.connection.closed;
  }

  /**
   * Calls `listener` once when this response can no longer reach its client: the socket closed, or the peer
   * half-closed (FIN) while the response was still streaming (libprocess closes a connection at EOF, so a streaming
   * client that sends FIN has gone). Called at once when already closed. Returns a function removing the listener.
   */
  onClose(listener: () => void): () => void {
    if (this.closed) {
      queueMicrotask(listener);
      return () => {};
    }
    (this.closeListeners ??= []).push(listener);
    return () => {
      const index = this.closeListeners?.indexOf(listener) ?? -1;
      if (index >= 0) this.closeListeners!.splice(index, 1);
    };
  }

  /** @internal The connection closed, or the peer ended while a stream was open: notifies the listeners. */
  notifyClosed(peerEnded: boolean): void {
    if (peerEnded) {
      if (this.done || !this.streaming) return;
      this.peerGone = true;
    }
    const listeners = this.closeListeners;
    this.closeListeners = undefined;
    for (const listener of listeners ?? []) listener();
  }

  /** Answers with a complete response. */
  send(bytes: Uint8Array): void {
    if (this.done) return;
    this.parts.push(bytes);
    this.done = true;
    this.connection.pump();
  }

  /** Answers nothing (the era does not reply to this request). */
  skip(): void {
    if (this.done) return;
    this.done = true;
    this.connection.pump();
  }

  /** Adds a piece of a streaming response; it goes out once every earlier response is complete. */
  write(bytes: Uint8Array): boolean {
    if (this.done || this.closed) return false;
    this.streaming = true;
    this.parts.push(bytes);
    this.connection.pump();
    return true;
  }

  /** Ends a streaming response with its last bytes (if any). */
  finish(bytes?: Uint8Array): void {
    if (this.done) return;
    if (bytes !== undefined && bytes.length > 0) this.parts.push(bytes);
    this.done = true;
    this.connection.pump();
  }
}

/**
 * The decoder's handler of one connection. Its methods live on the prototype, shared by every connection: closures
 * made per connection would each be a new call target for the decoder's optimised code, which V8 throws away
 * (deoptimises) whenever a closed connection's closures are collected.
 */
class RequestSink implements HttpDecoderHandler {
  readonly connection: InboundConnection;

  constructor(connection: InboundConnection) {
    this.connection = connection;
  }

  onMessage(message: HttpMessage): void {
    this.connection.requestDecoded(message as HttpRequestMessage);
  }
}

/** setImmediate's callback for InboundConnection.onData (a module function: no closure per connection). */
function receivedScheduled(connection: InboundConnection): void {
  connection.runScheduledDecode();
}

/** transientMessages: reads waiting to be decoded at the end of the turn, at most (three 64 KiB reads; see onData). */
const MAX_BATCHED_READ_BYTES = 192 * 1024;

function bytesOf(chunks: readonly Buffer[]): number {
  let bytes = 0;
  for (const chunk of chunks) bytes += chunk.length;
  return bytes;
}

/** How long a failed connection may take to write the responses it still owes before it is destroyed. */
const FAILED_CLOSE_GRACE_MS = 2000;

/** The derivation key of a request head's keep-alive (see readKeepAlive). */
const KEEP_ALIVE_KEY = {};

/**
 * http-parser's keep-alive rule, which libprocess follows (wire-protocol.md §2.1): HTTP/1.1 keeps the connection
 * unless a `Connection` token is `close`; HTTP/1.0 only with a `keep-alive` token (case-insensitive both).
 */
function readKeepAlive(request: HttpRequestMessage): boolean {
  const value = getHeader(request, 'Connection');
  const tokens =
    value === undefined
      ? []
      : value
          .toLowerCase()
          .split(',')
          .map((token) => token.trim());
  return request.version === '1.1' ? !tokens.includes('close') : tokens.includes('keep-alive');
}

/** What an inbound connection hands its requests to (the endpoint). */
export interface InboundDispatcher {
  /**
   * One complete request, in order, with the absolute offset of its first body byte (undefined without body).
   * The dispatcher answers it before returning with `connection.respond(bytes | undefined)`, or takes a slot with
   * `connection.deferResponse()` and eventually `send`s, `skip`s or `finish`es it.
   */
  dispatch(request: HttpRequestMessage, connection: InboundConnection, bodyOffset: number | undefined): void;
  /** A received chunk was decoded and every request in it dispatched (answers given meanwhile are now written). */
  readDone?(): void;
  /** The connection broke the HTTP framing (or ended mid-request); it is being closed without a response. */
  connectionFailed(connection: InboundConnection, error: MesosWireError): void;
  /** The socket closed. */
  connectionClosed(connection: InboundConnection): void;
}

/** Limits of one inbound connection. */
export interface InboundConnectionOptions {
  /** Decoder limits (expect is forced to `request`; rejectTrailers defaults to true, as in libprocess). */
  decoder?: Omit<HttpDecoderOptions, 'expect' | 'startOffset' | 'streamBodies'>;
  /** Requests whose response is not yet written; reading pauses above this. Default 1024. */
  maxPendingResponses?: number;
  /** Bytes buffered in the socket for writing; reading pauses above this. Default 1 MiB. */
  maxBufferedResponseBytes?: number;
  /**
   * Free each read's bytes once the requests decoded from them are dispatched (see
   * LibprocessEndpointOptions.transientMessages). Requests answered later (deferResponse) keep theirs. Default false.
   */
  transientMessages?: boolean;
  /** Close the connection after this many ms without bytes in or out while no response is owed. Default: never. */
  idleTimeoutMs?: number;
}

/**
 * One accepted socket: decodes pipelined requests with the project's HttpDecoder, hands each to the dispatcher
 * and writes the responses in request order.
 *
 * Backpressure: when the peer does not read its responses (or handlers are slow), reading from the socket pauses,
 * so a peer cannot make the endpoint buffer without bound. Invalid HTTP closes this connection only, without a
 * response, as libprocess does; requests decoded before the bad bytes were still dispatched. A request without
 * keep-alive (HTTP/1.1 `Connection: close`, HTTP/1.0 without `keep-alive`) is the last one served: the connection
 * ends after its answer.
 */
export class InboundConnection {
  readonly info: ConnectionInfo;
  readonly socket: net.Socket;
  /** Requests decoded so far. */
  requests = 0;
  private readonly decoder: HttpDecoder;
  private readonly dispatcher: InboundDispatcher;
  private readonly slots: ResponseSlot[] = [];
  private slotHead = 0;
  // Answers are copied one after another into a slab (see slabs.ts) and written together by the next pump:
  // `outSlab.bytes[outStart, outSlab.used)` is the batch not yet written.
  private outSlab: Slab | undefined;
  private outStart = 0;
  // Answers equal to the one appended last (the same array: an endpoint's canned 202 or 404) are counted, not
  // copied one by one: `repeats` more copies of `repeatBytes` follow `outSlab.used`, made by doubling copies of the
  // copies so far, [repeatStart, used), when the batch is written or another answer comes (see materializeRepeats).
  private repeatBytes: Uint8Array | undefined;
  private repeatStart = 0;
  private repeats = 0;
  // True while the request being dispatched has no answer nor slot yet.
  private unanswered = false;
  private readonly maxPendingResponses: number;
  private readonly maxBufferedResponseBytes: number;
  private readingPaused = false;
  /** Reading held by the owner (see holdReading), whatever the responses. */
  private readingHeld = false;
  private readingDone = false;
  private failed = false;
  /**
   * A request without keep-alive was dispatched: it is the last one served. Later bytes are read and ignored, and
   * the connection ends once its answer (and every earlier one) is written, as libprocess does (§2.1, §4.7).
   */
  private lastRequestSeen = false;
  private closedValue = false;
  /** True while a received chunk is being decoded: pump() only notes that it is wanted. */
  private decoding = false;
  private pumpWanted = false;
  /**
   * Chunks read in this turn of the event loop, decoded together at its end (see onData); true while that decoding
   * is scheduled.
   */
  private readonly received: Buffer[] = [];
  private decodeScheduled = false;
  /** True inside decodeReceived (a pump it makes does not decode the chunks again). */
  private decodingReceived = false;
  private readonly transientMessages: boolean;
  /** transientMessages: decoded chunks the decoder still reads (its request in progress starts there): one or two. */
  private readonly unreleased: Buffer[] = [];
  /** transientMessages: a request of the chunk being decoded is answered later, so it may still be read. */
  private keepDecoded = false;

  constructor(
    socket: net.Socket,
    info: ConnectionInfo,
    dispatcher: InboundDispatcher,
    options: InboundConnectionOptions = {},
  ) {
    this.socket = socket;
    this.info = info;
    this.dispatcher = dispatcher;
    this.maxPendingResponses = options.maxPendingResponses ?? 1024;
    this.maxBufferedResponseBytes = options.maxBufferedResponseBytes ?? 1024 * 1024;
    this.transientMessages = options.transientMessages === true;
    // Trailers fail the connection as in libprocess (§2.1) unless the caller's decoder options say otherwise.
    this.decoder = new HttpDecoder(new RequestSink(this), {
      rejectTrailers: true,
      ...options.decoder,
      expect: 'request',
    });
    socket.setNoDelay(true);
    if (options.idleTimeoutMs !== undefined) {
      // Node's timer restarts with every read and write. A connection that owes a response (a route still working, a
      // stream) is left open: it is waiting on this side.
      socket.setTimeout(options.idleTimeoutMs);
      socket.on('timeout', () => {
        if (this.pendingResponses === 0) socket.destroy();
      });
    }
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('drain', () => this.pump());
    socket.on('error', () => {
      // The 'close' that follows does the cleanup; an inbound socket error has no one else to report to.
    });
    socket.once('close', () => {
      // Requests read before the close are still dispatched, as when they were decoded on arrival.
      this.decodeReceived(true);
      this.closedValue = true;
      this.notifySlots(false);
      this.dispatcher.connectionClosed(this);
    });
  }

  /** True once the socket is closed (responses can no longer be written). */
  get closed(): boolean {
    return this.closedValue || this.socket.destroyed;
  }

  /** Responses not yet fully written. */
  get pendingResponses(): number {
    return this.slots.length - this.slotHead;
  }

  /** Closes the socket at once. */
  destroy(): void {
    this.socket.destroy();
  }

  /**
   * Answers the request being dispatched now (`undefined`: no answer, the era does not reply). Without an earlier
   * response still waiting, the bytes join the other answers of this read, written together once the read is
   * decoded; otherwise they wait behind the earlier ones in a slot (responses leave in request order). The bytes
   * must not change afterwards: they may be written (or, the same array answering again, copied) later.
   */
  respond(bytes: Uint8Array | undefined): void {
    if (!this.unanswered) throw mwError('MW_INTERNAL', 'respond() outside dispatch, or twice for one request');
    this.unanswered = false;
    if (this.slotHead === this.slots.length) {
      if (bytes === undefined) return;
      // No earlier response waits: this one joins the batch (answers in it precede every slot). While a chunk is
      // being decoded the batch is written after it (as pump() would decide, without its per-call checks).
      this.appendOut(bytes);
      if (this.decoding) this.pumpWanted = true;
      else this.pump();
      return;
    }
    const slot = this.newSlot();
    if (bytes === undefined) slot.skip();
    else slot.send(bytes);
  }

  /** A slot for the response to the request being dispatched, to be answered later (see ResponseSlot). */
  deferResponse(): ResponseSlot {
    if (!this.unanswered) throw mwError('MW_INTERNAL', 'deferResponse() outside dispatch, or twice for one request');
    this.unanswered = false;
    // The request (its body, its head) may be read until it is answered: its bytes are not released.
    this.keepDecoded = true;
    return this.newSlot();
  }

  private newSlot(): ResponseSlot {
    const slot = new ResponseSlot(this);
    this.slots.push(slot);
    return slot;
  }

  /** Writes every response that is ready, in order, then decides whether to read on, pause or end. */
  pump(): void {
    if (this.closed) return;
    // Requests read but not yet decoded come first: their answers precede whatever is pumped now.
    if (this.received.length > 0 && !this.decodingReceived) this.decodeReceived();
    if (this.decoding) {
      // Answers given while a chunk is being decoded go out together once it is done (see onData).
      this.pumpWanted = true;
      return;
    }
    this.pumpWanted = false;
    // Every ready part leaves in ONE socket write: per-write costs dominate for small answers like 202s. The
    // batch already holds answers given while no slot existed; the slots' parts follow them.
    while (this.slotHead < this.slots.length) {
      const slot = this.slots[this.slotHead]!;
      for (const part of slot.parts) this.appendOut(part);
      if (slot.parts.length > 0) slot.parts = [];
      if (!slot.done) break;
      this.slots[this.slotHead++] = undefined as unknown as ResponseSlot;
    }
    this.writeOut();
    if (this.slotHead === this.slots.length) {
      this.slots.length = 0;
      this.slotHead = 0;
    } else if (this.slotHead > 1024) {
      this.slots.splice(0, this.slotHead);
      this.slotHead = 0;
    }
    this.regulateReading();
    if ((this.readingDone || this.failed || this.lastRequestSeen) && this.pendingResponses === 0) this.finishWriting();
  }

  /** Adds `bytes` to the batch of answers (large ones are written as they are, after the batch so far). */
  private appendOut(bytes: Uint8Array): void {
    const length = bytes.length;
    let slab = this.outSlab;
    if (bytes === this.repeatBytes && slab!.used + (this.repeats + 1) * length <= slab!.bytes.length) {
      this.repeats++;
      return;
    }
    this.materializeRepeats();
    if (length > SLAB_BYTES / 4) {
      this.writeOut();
      this.socket.write(bytes);
      return;
    }
    if (slab !== undefined && slab.used === this.outStart && slab.inFlight === 0) {
      // Nothing of this slab is being written: fill it from the start again.
      slab.used = 0;
      this.outStart = 0;
    }
    if (slab === undefined || slab.used + length > slab.bytes.length) {
      if (slab !== undefined) {
        this.writeOut();
        retireSlab(slab);
      }
      slab = takeSlab();
      this.outSlab = slab;
      this.outStart = 0;
    }
    const at = slab.used;
    slab.bytes.set(bytes, at);
    slab.used = at + length;
    this.repeatBytes = bytes;
    this.repeatStart = at;
  }

  /**
   * Makes the counted repeats (see repeatBytes): each copyWithin doubles the copies of the run, so a batch of 195
   * equal answers takes 8 copies instead of 195. Only bytes past `used` are written (the run's earlier copies, maybe
   * in a socket write, are only read).
   */
  private materializeRepeats(): void {
    let pending = this.repeats;
    if (pending === 0) return;
    this.repeats = 0;
    const slab = this.outSlab!;
    const bytes = slab.bytes;
    const length = this.repeatBytes!.length;
    let used = slab.used;
    while (pending > 0) {
      const copies = Math.min((used - this.repeatStart) / length, pending);
      bytes.copyWithin(used, used - copies * length, used);
      used += copies * length;
      pending -= copies;
    }
    slab.used = used;
  }

  /** Writes the batch of answers built so far (one socket write). */
  private writeOut(): void {
    this.materializeRepeats();
    const slab = this.outSlab;
    if (slab === undefined || slab.used === this.outStart) return;
    slab.inFlight++;
    this.socket.write(slab.bytes.subarray(this.outStart, slab.used), () => releaseBatch(slab));
    this.outStart = slab.used;
  }

  /**
   * A busy sender's data comes as several 64 KiB reads per turn of the event loop. They are decoded together at the
   * end of the turn (setImmediate): the decoder then runs over all of them in one go rather than between reads,
   * which made receiving and decoding ~1.2x cheaper per message. Their answers leave in one write after them.
   *
   * With transientMessages, only up to MAX_BATCHED_READ_BYTES: past that, the reads so far are decoded (and freed)
   * at once; their answers leave at the end of the turn, or sooner when the limits call for it, as before. A receiver
   * that fell behind reads up to 32 x 64 KiB per connection in one turn; batched whole, every read filled fresh
   * memory, cold again by the time it was decoded, and the receiver stayed behind: a sender in another process drove
   * it into passes 3-7x dearer per message. Decoded sooner, reads are freed sooner and the next ones reuse their
   * memory. Without transientMessages decoding sooner frees nothing, and it cost 5-12% (see
   * bench/transport-loopback.md, session of 2026-11-28 17:06).
   */
  private onData(chunk: Buffer): void {
    if (this.failed || this.lastRequestSeen) return;
    if (this.received.push(chunk) === 1 && !this.decodeScheduled) {
      this.decodeScheduled = true;
      setImmediate(receivedScheduled, this);
    } else if (this.transientMessages && bytesOf(this.received) >= MAX_BATCHED_READ_BYTES) {
      this.decodeReceived();
    }
  }

  /** @internal The decoding scheduled by onData, then the answers of the turn. */
  runScheduledDecode(): void {
    this.decodeScheduled = false;
    this.decodeReceived();
    if (this.pumpWanted) this.pump();
  }

  /**
   * Decodes the chunks read so far, in order. Limits are checked after each chunk as when each was decoded on
   * arrival: a connection near its bounds is pumped at once, and once that pauses reading the chunks left wait,
   * undecoded, until reading resumes (see regulateReading): a paused connection dispatches nothing more. `all`
   * decodes them all, paused or not: at the end of the stream, or when the socket closed.
   */
  private decodeReceived(all = false): void {
    if (this.decodingReceived) return;
    this.decodingReceived = true;
    const chunks = this.received;
    let index = 0;
    try {
      while (index < chunks.length && !this.failed && !this.lastRequestSeen && (all || !this.readingPaused)) {
        this.decoding = true;
        let failure: { error: unknown } | undefined;
        const chunk = chunks[index++]!;
        try {
          this.decoder.write(chunk);
          if (this.transientMessages) this.releaseDecoded(chunk);
        } catch (error) {
          failure = { error };
        }
        this.decoding = false;
        this.unanswered = false;
        this.dispatcher.readDone?.();
        // Bad bytes after the last request are not read as a request: they are no failure.
        if (failure !== undefined && !this.lastRequestSeen) this.fail(failure.error);
        else if (this.pumpWanted && this.nearLimits()) this.pump();
      }
    } finally {
      if (index === chunks.length || this.failed || this.lastRequestSeen) chunks.length = 0;
      else chunks.splice(0, index);
      this.decodingReceived = false;
    }
  }

  /**
   * transientMessages: frees the decoded chunks (this one, and those the decoder still read before it) that nothing
   * reads any more. Their requests were dispatched and the messages' handlers have returned. Freed now rather than at
   * the next garbage collection, a 64 KiB read buffer goes back to the allocator while still in the cache, and the
   * next read reuses it: with the default, every read of a busy connection fills fresh pages, which cost page faults
   * and cache misses when decoded (see bench/transport-loopback.md). Chunks of a request answered later are kept.
   */
  private releaseDecoded(chunk: Buffer): void {
    const unreleased = this.unreleased;
    unreleased.push(chunk);
    if (this.keepDecoded) {
      // Left to the garbage collector, as without transientMessages.
      this.keepDecoded = false;
      unreleased.length = 0;
      return;
    }
    let held = 0;
    for (let i = 0; i < unreleased.length; i++) {
      const decoded = unreleased[i]!;
      if (this.decoder.holds(decoded)) unreleased[held++] = decoded;
      else releaseBytes(decoded);
    }
    unreleased.length = held;
  }

  /** True when the pending responses, or the bytes written and batched, have reached half their bounds. */
  private nearLimits(): boolean {
    const slab = this.outSlab;
    const batched = slab === undefined ? 0 : slab.used + this.repeats * (this.repeatBytes?.length ?? 0) - this.outStart;
    return (
      2 * this.pendingResponses >= this.maxPendingResponses ||
      2 * (this.socket.writableLength + batched) > this.maxBufferedResponseBytes
    );
  }

  private onEnd(): void {
    // Everything read comes before the end of the stream, even while reading is paused (nothing more can come).
    this.decodeReceived(true);
    if (this.failed) return;
    if (!this.lastRequestSeen) {
      try {
        this.decoder.end();
      } catch (error) {
        this.fail(error);
        return;
      }
      this.dispatcher.readDone?.();
    }
    this.readingDone = true;
    this.notifySlots(true);
    this.pump();
  }

  /** Tells the unfinished responses that the socket closed (or, with `peerEnded`, that the peer sent FIN). */
  private notifySlots(peerEnded: boolean): void {
    for (let index = this.slotHead; index < this.slots.length; index++) this.slots[index]!.notifyClosed(peerEnded);
  }

  /** @internal The decoder completed a request (see RequestSink). */
  requestDecoded(request: HttpRequestMessage): void {
    // Requests pipelined behind one without keep-alive are not served (libprocess has closed the socket by then).
    if (this.lastRequestSeen) return;
    this.requests++;
    this.unanswered = true;
    this.dispatcher.dispatch(request, this, request.bodyOffset);
    // A dispatcher that neither answered nor took a slot gave no answer (nothing waits for one).
    this.unanswered = false;
    if (this.transientMessages && !this.keepDecoded) {
      // A body that came in pieces was collected into an array of its own: freed now, like the reads (releaseDecoded).
      const collected = collectedBodyOf(request);
      if (collected !== undefined) releaseBytes(collected);
    }
    if (!deriveFromHead(request, KEEP_ALIVE_KEY, readKeepAlive)) {
      this.lastRequestSeen = true;
      // The pump after this read ends the connection once the answers are written.
      this.pumpWanted = true;
    }
  }

  private fail(error: unknown): void {
    this.failed = true;
    const failure = isMesosWireError(error)
      ? error
      : mwError('MW_INTERNAL', `inbound connection ${this.info.id}: ${String(error)}`, { cause: error });
    this.socket.pause();
    this.dispatcher.connectionFailed(this, failure);
    // No response to the bad request. Requests decoded before it keep their responses; then the socket closes.
    setTimeout(() => this.socket.destroy(), FAILED_CLOSE_GRACE_MS).unref();
    this.pump();
  }

  private finishWriting(): void {
    if (this.closed || this.socket.writableEnded) return;
    if (this.failed) {
      // Unread bytes from the peer would turn a clean close into a reset anyway; do not wait for them.
      this.socket.end(() => this.socket.destroy());
      return;
    }
    this.socket.end();
    if (this.lastRequestSeen && !this.readingDone) {
      // The peer may go on sending: read and ignore it (unread bytes would make the close a reset that can lose the
      // answers at the peer) until it closes its side, for a while at most.
      this.socket.resume();
      setTimeout(() => this.socket.destroy(), FAILED_CLOSE_GRACE_MS).unref();
    }
  }

  /**
   * Stops reading from the socket (`held`), or lets it read again: for an owner whose consumer of the requests is
   * slow. What was read already is decoded first when reading resumes; a chunk being decoded is finished.
   */
  holdReading(held: boolean): void {
    if (this.readingHeld === held) return;
    this.readingHeld = held;
    if (!this.closed) this.regulateReading();
  }

  private regulateReading(): void {
    const overloaded =
      this.readingHeld ||
      this.pendingResponses >= this.maxPendingResponses ||
      this.socket.writableLength > this.maxBufferedResponseBytes;
    if (overloaded && !this.readingPaused) {
      this.readingPaused = true;
      this.socket.pause();
    } else if (!overloaded && this.readingPaused && !this.failed && !this.lastRequestSeen) {
      this.readingPaused = false;
      this.socket.resume();
      // Chunks read before the pause are decoded first (at the end of this turn, like any read).
      if (this.received.length > 0 && !this.decodeScheduled) {
        this.decodeScheduled = true;
        setImmediate(receivedScheduled, this);
      }
    }
  }
}
