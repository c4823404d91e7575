import { EventEmitter } from 'node:events';
import net from 'node:net';
import { gunzipSync } from 'node:zlib';
import { isMesosWireError, type MesosWireError, mwError } from '../errors.ts';
import {
  deriveFromHead,
  getHeader,
  type HttpDecoderOptions,
  type HttpRequestMessage,
  MAX_BODY_BYTES_DEFAULT,
} from '../http/index.ts';
import {
  type Classification,
  type ClassifiedMessage,
  classifyRequest,
  decodeQuery,
  encodeAcceptedResponse,
  encodeBadRequestResponse,
  encodeInternalServerErrorResponse,
  encodeNotFoundResponse,
  formatUpid,
  type MessageStyle,
  makeUpid,
  parseUpid,
  type Upid,
} from '../libprocess/index.ts';
import type { ConnectionInfo } from './connection-info.ts';
import { HttpDateClock } from './http-date.ts';
import { HttpRouter } from './http-router.ts';
import { InboundConnection, type InboundDispatcher } from './inbound-connection.ts';
import { type AnswerHook, type InboundMessage, type MessageHandler, ReceivedMessage } from './inbound-message.ts';
import { CachedMessageEncoder } from './message-encoder.ts';
import type { CloseReport, EncodedMessage, PeerConnection, SendCallback, SendReceipt } from './peer-connection.ts';
import { type ExitedEvent, PeerPool, type PeerPoolOptions } from './peer-pool.ts';
import { type MesosEra, mesosEra, type ReplyPolicy, repliesToMessage } from './reply-policy.ts';
import { readResponsesWithHttpDecoder } from './response-reader.ts';
import { RouteResponder } from './route-responder.ts';

export type { AnswerHook, InboundMessage, MessageHandler } from './inbound-message.ts';
export { readResponsesWithHttpDecoder } from './response-reader.ts';

/** Options of `LibprocessEndpoint`. */
export interface LibprocessEndpointOptions {
  /** Address to bind. Default 127.0.0.1. */
  ip?: string;
  /** Port to bind; 0 picks a free one. Default 0. */
  port?: number;
  /** Address written into this endpoint's UPIDs (default: the bound ip and port). */
  advertiseIp?: string;
  advertisePort?: number;
  /**
   * The Mesos release this endpoint behaves as (framing written, when messages are answered). Default `1.11.0`:
   * `mesos-1.11` framing, answers every message. `style` and `replies` override either half.
   */
  mesosVersion?: string;
  style?: MessageStyle;
  replies?: ReplyPolicy;
  /** Id used as sender when `send()` is not given one. Default `mesos-wire`. */
  defaultId?: string;
  /** Treat every receiver id as an existing process (202 for all). Default false: only registered ids. */
  acceptAnyId?: boolean;
  /**
   * Mesos's `LIBPROCESS_REQUIRE_PEER_ADDRESS_IP_MATCH` (1.4+, default false): a message whose sender UPID's IP is
   * not the connection's peer IP is answered 400 and not delivered.
   */
  requirePeerAddressIpMatch?: boolean;
  /** Limits of the inbound HTTP decoder. */
  decoder?: Omit<HttpDecoderOptions, 'expect' | 'startOffset' | 'streamBodies'>;
  /** Requests per connection whose response is not yet written before reading pauses. Default 1024. */
  maxPendingResponses?: number;
  /**
   * Inbound connections open at once, at most: one more is closed as soon as it is accepted (Node's
   * `server.maxConnections`), and counted in `inboundConnectionsDropped`. Default: no limit, as in libprocess.
   */
  maxInboundConnections?: number;
  /**
   * Close an inbound connection after this many ms without bytes in either direction, unless a response is owed on
   * it (a route still working, a stream). Default: never, as in libprocess.
   */
  inboundIdleTimeoutMs?: number;
  /**
   * Messages are valid only while they are handed out: during the handler, the `'message'` listeners and the answer
   * hook. Afterwards the endpoint frees the received bytes they read from (and the array a body larger than a read
   * was collected into), so reading a message's `body` or `request` later throws MW_HTTP_INPUT_RELEASED (a body view
   * made earlier reads as empty): copy what you keep (`message.body.slice()`). In exchange a busy endpoint reuses the
   * same memory for every socket read instead of fresh pages: 1.37x the messages per CPU-second with 8 busy
   * connections (bench/transport-loopback.md). HTTP routes are not affected. Default false.
   */
  transientMessages?: boolean;
  /** Outbound connection options (queue bounds, backoff, connect timeout, idle connections kept). */
  outbound?: Omit<PeerPoolOptions, 'readResponses'>;
}

/** A message to send. `from` is a UPID (text or parsed) or a local id; default: the endpoint's `defaultId`. */
export interface OutboundMessage {
  readonly to: Upid | string;
  readonly name: string;
  /**
   * Kept as it is until the message is handed to the socket (then copied into the outgoing batch; above 16 KiB,
   * written as it is): it must not change until `send()` settles or `write()`'s callback is called.
   */
  readonly body?: Uint8Array;
  readonly from?: Upid | string;
}

/** Options of one send. */
export interface SendOptions {
  /** Resolve with the peer's HTTP status (202/404/...) instead of when the bytes were written. */
  awaitResponse?: boolean;
  /** Framing for this message (default: the endpoint's era style). */
  style?: MessageStyle;
}

/**
 * A libprocess endpoint in Node: one port for inbound messages and plain HTTP, plus outbound connections to peers.
 *
 * Inbound: every accepted connection is decoded with the project's HttpDecoder (not node:http), so pipelined
 * messages, HTTP/1.0 chunked bodies and empty `Host` headers are taken exactly as Mesos takes them. Each request is
 * classified as Mesos does (§2.2-2.3); messages go to the handler registered for the receiver id and to
 * `'message'` listeners, and are answered as the chosen era does (§2.4): 202 Accepted / 404 Not Found, 400 for a
 * path without `/`, 500 for a bad percent-escape in the id — or only to non-`libprocess/` User-Agents (0.19-1.3),
 * or never (<= 0.18). Other requests go to `router` (404 when no route). Responses leave in request order.
 * Invalid HTTP (trailers and malformed query escapes included) closes that connection only, without a response; a
 * request without keep-alive ends its connection after its answer.
 *
 * Outbound: `send()` writes like libprocess — one persistent connection per peer address shared by all local ids,
 * messages back to back from the sender's UPID in the era's framing; the peer's responses are read and counted.
 * `link()` reports `'exited'` when the connection to a linked peer's address closes or cannot be opened.
 *
 * Events: `'message'` (InboundMessage, every message incl. 404s), `'exited'` (ExitedEvent), `'connection'`
 * (ConnectionInfo), `'connection-error'` ({connection, error}), `'handler-error'` ({message?, error}).
 */
export class LibprocessEndpoint extends EventEmitter {
  readonly router = new HttpRouter();
  readonly era: MesosEra;
  /** See `AnswerHook`; consulted after the handlers. Undefined: answer every message at once. */
  answerHook: AnswerHook | undefined;
  private readonly options: LibprocessEndpointOptions;
  private readonly server: net.Server;
  private inboundDropped = 0;
  private readonly handlers = new Map<string, MessageHandler>();
  private readonly inbound = new Set<InboundConnection>();
  private readonly peers: PeerPool;
  private readonly dispatcher: InboundDispatcher;
  private nextConnectionId = 1;
  private boundIp = '';
  private boundPort = 0;
  private listening = false;
  private closing = false;
  private closed: Promise<CloseReport> | undefined;
  /** See pauseInbound. */
  private inboundHeld = false;
  private readonly clock = new HttpDateClock();
  private readonly routes: RouteResponder;
  private readonly localUpids = new Map<string, Upid>();
  // upid() of the default id, the sender of most messages (no Map lookup per message); reset with localUpids.
  private defaultUpid: Upid | undefined;
  private readonly encoder = new CachedMessageEncoder();
  // The 202 and 404 answers only change with their Date header (one-second resolution): build them once a second.
  private cannedAt = -1;
  private canned202: Uint8Array = new Uint8Array(0);
  private canned404: Uint8Array = new Uint8Array(0);
  // True once the clock was read during the current received chunk (see cannedResponse).
  private clockChecked = false;
  // The handler of the last receiver id looked up (most streams carry messages to one process); cleared whenever
  // the handlers change.
  private lastHandler: { id: string; handler: MessageHandler | undefined } | undefined;

  constructor(options: LibprocessEndpointOptions = {}) {
    super();
    const { maxInboundConnections, inboundIdleTimeoutMs } = options;
    if (
      maxInboundConnections !== undefined &&
      !(Number.isInteger(maxInboundConnections) && maxInboundConnections >= 1)
    ) {
      throw mwError(
        'MW_INVALID_ARGUMENT',
        `maxInboundConnections must be a whole number >= 1, not ${maxInboundConnections}`,
      );
    }
    if (inboundIdleTimeoutMs !== undefined && !(Number.isFinite(inboundIdleTimeoutMs) && inboundIdleTimeoutMs > 0)) {
      throw mwError('MW_INVALID_ARGUMENT', `inboundIdleTimeoutMs must be over 0, not ${inboundIdleTimeoutMs}`);
    }
    this.options = options;
    const era = mesosEra(options.mesosVersion ?? '1.11.0');
    this.era = { style: options.style ?? era.style, replies: options.replies ?? era.replies };
    this.peers = new PeerPool({ ...options.outbound, readResponses: readResponsesWithHttpDecoder });
    this.peers.on('exited', (event: ExitedEvent) => this.emit('exited', event));
    this.routes = new RouteResponder(this.router, this.clock, (error) => this.emit('handler-error', { error }));
    this.dispatcher = new EndpointDispatcher(this);
    // Half-open: a peer that sends its last messages and shuts down its side still gets every response.
    this.server = net.createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    if (maxInboundConnections !== undefined) {
      this.server.maxConnections = maxInboundConnections;
      this.server.on('drop', () => this.inboundDropped++);
    }
  }

  /** Creates an endpoint and starts listening. */
  static async listen(options: LibprocessEndpointOptions = {}): Promise<LibprocessEndpoint> {
    const endpoint = new LibprocessEndpoint(options);
    await endpoint.listen();
    return endpoint;
  }

  /** Binds `ip:port` (rejects with MW_TRANSPORT_CONNECT when it cannot). */
  listen(): Promise<this> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void =>
        reject(
          mwError(
            'MW_TRANSPORT_CONNECT',
            `cannot listen on ${this.options.ip ?? '127.0.0.1'}:${this.options.port ?? 0}: ${error.message}`,
            { cause: error },
          ),
        );
      this.server.once('error', onError);
      this.server.listen(this.options.port ?? 0, this.options.ip ?? '127.0.0.1', () => {
        this.server.off('error', onError);
        const address = this.server.address() as net.AddressInfo;
        this.boundIp = address.address;
        this.boundPort = address.port;
        this.localUpids.clear();
        this.defaultUpid = undefined;
        this.listening = true;
        resolve(this);
      });
    });
  }

  /** The bound address (valid after `listen()`). */
  get address(): { ip: string; port: number } {
    return { ip: this.boundIp, port: this.boundPort };
  }

  /** The advertised `ip:port` written into this endpoint's UPIDs. */
  get advertisedAddress(): { ip: string; port: number } {
    const ip = this.options.advertiseIp ?? (this.boundIp === '0.0.0.0' ? '127.0.0.1' : this.boundIp);
    return { ip, port: this.options.advertisePort ?? this.boundPort };
  }

  /** The UPID of local process `id` (`id@advertised-ip:port`). */
  upid(id: string = this.options.defaultId ?? 'mesos-wire'): Upid {
    let upid = this.localUpids.get(id);
    if (upid === undefined) {
      const { ip, port } = this.advertisedAddress;
      upid = makeUpid(id, ip, port);
      // Bounded: ids come from the caller and from replayed captures; forget them all rather than grow.
      if (this.localUpids.size >= 1024) this.localUpids.clear();
      this.localUpids.set(id, upid);
    }
    return upid;
  }

  /** Registers process `id`: its messages are answered 202 and go to `handler`. */
  register(id: string, handler: MessageHandler = () => {}): Upid {
    this.handlers.set(id, handler);
    this.lastHandler = undefined;
    return this.upid(id);
  }

  /** Removes process `id`: later messages to it are answered 404. */
  unregister(id: string): boolean {
    this.lastHandler = undefined;
    return this.handlers.delete(id);
  }

  /** True when messages to `id` are accepted (registered, or `acceptAnyId`). */
  hasProcess(id: string): boolean {
    return this.options.acceptAnyId === true || this.handlers.has(id);
  }

  /**
   * Sends one message. Resolves when it was handed to the kernel, or with `awaitResponse` when the peer answered
   * (receipt.status). Rejects with MW_TRANSPORT_QUEUE_FULL when the peer's queue is full (see `write` for the
   * non-throwing form), MW_TRANSPORT_CONNECT when the peer cannot be reached, MW_TRANSPORT_CLOSED when closing.
   */
  send(message: OutboundMessage, options?: SendOptions): Promise<SendReceipt> {
    try {
      const to = this.receiverUpid(message);
      const encoded = this.encode(message, to, options?.style);
      return this.outboundFor(to).send(encoded, options?.awaitResponse === true);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Queues one message without a promise: false when the peer's queue is full (nothing queued; wait for
   * `whenWritable(to)`). Throws for invalid UPIDs or names.
   */
  write(message: OutboundMessage, callback?: SendCallback, options?: SendOptions): boolean {
    const to = this.receiverUpid(message);
    // Encoded straight into the connection's outgoing batch by write() (no byte array per message).
    const encoded = this.encode(message, to, options?.style);
    return this.outboundFor(to).write(encoded, callback, options?.awaitResponse === true);
  }

  /** Resolves when the outbound queue to `to`'s address has room again (see `PeerConnection.whenWritable`). */
  whenWritable(to: Upid | string): Promise<void> {
    return this.connectionTo(to).whenWritable();
  }

  /** The outbound connection to `to`'s address (created idle when missing): stats, state, queue. */
  connectionTo(to: Upid | string): PeerConnection {
    const upid = typeof to === 'string' ? parseUpid(to) : to;
    return this.peers.connectionTo({ host: upid.host, port: upid.port });
  }

  /** libprocess `link`: connect to `peer`'s address now; `'exited'` fires when that connection goes. */
  link(peer: Upid | string): void {
    const upid = typeof peer === 'string' ? parseUpid(peer) : peer;
    this.peers.link(formatUpid(upid), { host: upid.host, port: upid.port });
  }

  unlink(peer: Upid | string): void {
    const upid = typeof peer === 'string' ? parseUpid(peer) : peer;
    this.peers.unlink(formatUpid(upid), { host: upid.host, port: upid.port });
  }

  /** Inbound connections currently open. */
  get inboundConnections(): number {
    return this.inbound.size;
  }

  /** Inbound connections closed on arrival because `maxInboundConnections` were open. */
  get inboundConnectionsDropped(): number {
    return this.inboundDropped;
  }

  /**
   * Stops reading from every inbound connection, those accepted later too, until resumeInbound(): backpressure for a
   * consumer of the messages that falls behind (a slow output). Messages already read are delivered on resume; peers
   * see their sockets fill and wait, as with a slow libprocess actor.
   */
  pauseInbound(): void {
    this.inboundHeld = true;
    for (const connection of this.inbound) connection.holdReading(true);
  }

  /** Reads from the inbound connections again (see pauseInbound). */
  resumeInbound(): void {
    this.inboundHeld = false;
    for (const connection of this.inbound) connection.holdReading(false);
  }

  /** True between pauseInbound() and resumeInbound(). */
  get inboundPaused(): boolean {
    return this.inboundHeld;
  }

  /**
   * Graceful close: stops accepting, flushes every outbound queue and waits for the peers' responses (up to
   * `timeoutMs`; `awaitAnswers: false` waits for the writes only), then closes inbound connections. Reports what
   * was not sent or not answered.
   */
  close(timeoutMs = 5000, options: { awaitAnswers?: boolean } = {}): Promise<CloseReport> {
    // A second call shares the first one's outcome (it must not report "nothing left" while the first still waits).
    this.closed ??= this.closeOnce(timeoutMs, options);
    return this.closed;
  }

  private async closeOnce(timeoutMs: number, options: { awaitAnswers?: boolean }): Promise<CloseReport> {
    this.closing = true;
    const serverClosed = this.listening
      ? new Promise<void>((resolve) => this.server.close(() => resolve()))
      : Promise.resolve();
    const report = await this.peers.close(timeoutMs, options);
    // Answers still batched for the end of this turn (see InboundConnection.onData) are written first.
    for (const connection of this.inbound) {
      connection.pump();
      connection.destroy();
    }
    await serverClosed;
    return report;
  }

  private receiverUpid(message: OutboundMessage): Upid {
    if (this.closing) throw mwError('MW_TRANSPORT_CLOSED', 'endpoint is closed');
    return typeof message.to === 'string' ? parseUpid(message.to) : message.to;
  }

  /** The message validated and ready to be written (the encoder's reusable object: hand it over at once). */
  private encode(message: OutboundMessage, to: Upid, style: MessageStyle | undefined): EncodedMessage {
    const from = this.senderUpid(message.from);
    return this.encoder.prepare(message.name, from, to, message.body, style ?? this.era.style);
  }

  // Senders usually write many messages to one peer: remember the last peer's connection.
  private lastPeer: { host: string; port: number; connection: PeerConnection } | undefined;

  private outboundFor(to: Upid): PeerConnection {
    const last = this.lastPeer;
    if (last !== undefined && last.host === to.host && last.port === to.port && last.connection.state !== 'closed') {
      return last.connection;
    }
    const connection = this.peers.connectionTo({ host: to.host, port: to.port });
    this.lastPeer = { host: to.host, port: to.port, connection };
    return connection;
  }

  private senderUpid(from: Upid | string | undefined): Upid {
    if (from === undefined) return (this.defaultUpid ??= this.upid());
    if (typeof from !== 'string') return from;
    return from.includes('@') ? parseUpid(from) : this.upid(from);
  }

  private accept(socket: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const info: ConnectionInfo = {
      id: this.nextConnectionId++,
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      localAddress: socket.localAddress ?? '',
      localPort: socket.localPort ?? 0,
    };
    const connection = new InboundConnection(socket, info, this.dispatcher, {
      decoder: this.options.decoder,
      maxPendingResponses: this.options.maxPendingResponses,
      transientMessages: this.options.transientMessages,
      idleTimeoutMs: this.options.inboundIdleTimeoutMs,
    });
    if (this.inboundHeld) connection.holdReading(true);
    this.inbound.add(connection);
    this.emit('connection', info);
  }

  /** @internal A received chunk was decoded (see InboundDispatcher.readDone). */
  inboundReadDone(): void {
    this.clockChecked = false;
  }

  /** @internal An inbound connection closed. */
  inboundClosed(connection: InboundConnection): void {
    this.inbound.delete(connection);
  }

  /** @internal One complete inbound request (see InboundDispatcher.dispatch). */
  dispatchInbound(request: HttpRequestMessage, connection: InboundConnection, bodyOffset: number | undefined): void {
    const facts = headFactsOf(request);
    if (facts.badQueryAt >= 0) {
      // libprocess's decoder fails on it: the connection closes without an answer (§2.1, §2.6). Thrown, like a bad
      // gzip body, it fails this connection after the answers to the requests before it.
      const offset = request.offset + request.method.length + 1 + facts.badQueryAt;
      throw mwError('MW_LIBPROCESS_BAD_QUERY', `query: malformed percent-encoding at offset ${offset}`, { offset });
    }
    const classified = facts.classified;
    // libprocess gunzips gzip-encoded request bodies, for messages and endpoints alike (§2.1). Otherwise a message's
    // body is the request's, read only if someone reads it (undefined here: no view made per message).
    const gunzipped = facts.gzip ? this.gunzipBody(request) : undefined;
    switch (classified.kind) {
      case 'message':
        this.deliver(request, gunzipped, classified, facts.userAgent, connection, bodyOffset);
        return;
      case 'rejected':
        if (classified.status === 400) connection.respond(encodeBadRequestResponse(undefined, this.dateOption()));
        else if (repliesToMessage(this.era.replies, facts.userAgent)) {
          connection.respond(encodeInternalServerErrorResponse(classified.error.message, this.dateOption()));
        } else connection.respond(undefined);
        return;
      default:
        this.routes.serve(
          request,
          gunzipped ?? request.body,
          classified.path,
          connection.deferResponse(),
          connection.info,
        );
    }
  }

  /**
   * The body of a request that says `Content-Encoding: gzip`, gunzipped. A body that does not decompress (or grows
   * beyond the decoder's body limit) throws, which fails the connection: libprocess drops it too.
   */
  private gunzipBody(request: HttpRequestMessage): Uint8Array {
    if (request.body.length === 0) return request.body;
    const limit = this.options.decoder?.maxBodyBytes ?? MAX_BODY_BYTES_DEFAULT;
    try {
      return new Uint8Array(gunzipSync(request.body, { maxOutputLength: limit }));
    } catch (error) {
      throw mwError('MW_TRANSPORT_BAD_CONTENT_ENCODING', `gzip body does not decompress: ${(error as Error).message}`, {
        offset: request.offset,
        cause: error,
      });
    }
  }

  /** `gunzipped`: the body when it was gunzipped, undefined when it is the request's own. */
  private deliver(
    request: HttpRequestMessage,
    gunzipped: Uint8Array | undefined,
    classified: ClassifiedMessage,
    userAgent: string | undefined,
    connection: InboundConnection,
    bodyOffset: number | undefined,
  ): void {
    if (this.options.requirePeerAddressIpMatch === true) {
      const peerIp = connection.info.remoteAddress.replace(/^::ffff:/, '');
      if (classified.from.host !== peerIp) {
        const text = `UPID IP address validation failed: Message from ${formatUpid(classified.from)} was sent from IP ${peerIp}`;
        connection.respond(encodeBadRequestResponse(text, this.dateOption()));
        return;
      }
    }
    const handler = this.handlerOf(classified.to);
    const accepted = handler !== undefined || this.options.acceptAnyId === true;
    // Only the 0.19-1.3 policy looks at the User-Agent; skip the header lookup otherwise.
    const replies = repliesToMessage(this.era.replies, userAgent);
    const status = replies ? (accepted ? 202 : 404) : undefined;
    const listened = this.listenerCount('message') > 0;
    // The message object is made only when someone is handed it: a handler, a listener or the answer hook.
    let answer: 'send' | 'drop' | number = replies ? 'send' : 'drop';
    if (handler !== undefined || listened || (replies && this.answerHook !== undefined)) {
      const message = new ReceivedMessage(
        request,
        classified,
        gunzipped,
        bodyOffset,
        accepted,
        status,
        connection.info,
      );
      if (handler !== undefined) this.runHandler(handler, message);
      if (listened) {
        try {
          this.emit('message', message);
        } catch (error) {
          // A throwing listener must not fail the connection's decoder (and so close the connection).
          this.emit('handler-error', { message, error });
        }
      }
      if (replies) answer = this.consultAnswerHook(message);
    }
    if (answer === 'drop') connection.respond(undefined);
    else if (answer === 'send' || !(answer > 0)) connection.respond(this.cannedResponse(accepted, true));
    else {
      const slot = connection.deferResponse();
      setTimeout(() => slot.send(this.cannedResponse(accepted, false)), answer);
    }
  }

  /** Test hook (mocks): destroys the inbound connections `select` picks (a peer's link breaks); returns how many. */
  closeInbound(select: (connection: ConnectionInfo) => boolean): number {
    let closed = 0;
    for (const connection of this.inbound) {
      if (!select(connection.info)) continue;
      connection.destroy();
      closed++;
    }
    return closed;
  }

  /** The handler registered for `id` (undefined: none). */
  private handlerOf(id: string): MessageHandler | undefined {
    const last = this.lastHandler;
    if (last !== undefined && last.id === id) return last.handler;
    const handler = this.handlers.get(id);
    this.lastHandler = { id, handler };
    return handler;
  }

  private consultAnswerHook(message: InboundMessage): 'send' | 'drop' | number {
    if (this.answerHook === undefined) return 'send';
    try {
      return this.answerHook(message);
    } catch (error) {
      // A failing hook must not leave the response slot open (it would stall the connection).
      this.emit('handler-error', { message, error });
      return 'send';
    }
  }

  private runHandler(handler: MessageHandler, message: InboundMessage): void {
    try {
      handler(message);
    } catch (error) {
      this.emit('handler-error', { message, error });
    }
  }

  private cannedResponse(accepted: boolean, duringRead: boolean): Uint8Array {
    // The clock is read once per received chunk: the answers of one chunk are written together after it is
    // decoded, i.e. at the same moment (readDone clears the flag); answers given later (delayed) always read it.
    if (!this.clockChecked) {
      const date = this.clock.now();
      if (this.cannedAt !== this.clock.second) {
        this.cannedAt = this.clock.second;
        this.canned202 = encodeAcceptedResponse({ date });
        this.canned404 = encodeNotFoundResponse({ date });
      }
      this.clockChecked = duringRead;
    }
    return accepted ? this.canned202 : this.canned404;
  }

  private dateOption(): { date: Date } {
    return { date: this.clock.now() };
  }
}

/**
 * The endpoint as its inbound connections see it. Its methods live on the prototype, shared by every endpoint:
 * closures made per endpoint would each be a new call target in the connections' optimised code, which V8 throws
 * away whenever a closed endpoint's closures are collected (see RequestSink in inbound-connection.ts).
 */
class EndpointDispatcher implements InboundDispatcher {
  readonly endpoint: LibprocessEndpoint;

  constructor(endpoint: LibprocessEndpoint) {
    this.endpoint = endpoint;
  }

  dispatch(request: HttpRequestMessage, connection: InboundConnection, bodyOffset: number | undefined): void {
    this.endpoint.dispatchInbound(request, connection, bodyOffset);
  }

  readDone(): void {
    this.endpoint.inboundReadDone();
  }

  connectionFailed(connection: InboundConnection, error: MesosWireError): void {
    this.endpoint.emit('connection-error', { connection: connection.info, error });
  }

  connectionClosed(connection: InboundConnection): void {
    this.endpoint.inboundClosed(connection);
  }
}

/** What dispatch reads from a request head. It depends only on the head's bytes (see headFactsOf). */
interface HeadFacts {
  /** Frozen: shared by every message whose head repeats the same bytes. */
  readonly classified: Classification;
  /** `Content-Encoding: gzip` (the body is gunzipped, §2.1). */
  readonly gzip: boolean;
  /** The User-Agent (only the 0.19-1.3 reply policy reads it). */
  readonly userAgent: string | undefined;
  /** Offset in the target of a malformed percent-escape in its query; -1 when the query decodes (or is absent). */
  readonly badQueryAt: number;
}

/** The derivation key of HeadFacts on decoded heads (see DecodedRequest.deriveFromHead). */
const HEAD_FACTS_KEY = {};

/**
 * The dispatch facts of `request`. Classification, Content-Encoding and User-Agent depend only on the head's bytes,
 * so a head that repeats one the decoder kept (every message of a libprocess sender) shares the facts computed for
 * the first: no header lookups, classification or copies per message.
 */
function headFactsOf(request: HttpRequestMessage): HeadFacts {
  return deriveFromHead(request, HEAD_FACTS_KEY, readHeadFacts);
}

function readHeadFacts(request: HttpRequestMessage): HeadFacts {
  // classifyRequest returns objects of its own: frozen here, as they may be shared.
  const classified = classifyRequest(request);
  if (classified.kind === 'message') Object.freeze(classified.from);
  Object.freeze(classified);
  const encoding = getHeader(request, 'Content-Encoding');
  return Object.freeze({
    classified,
    gzip: encoding !== undefined && encoding.trim().toLowerCase() === 'gzip',
    userAgent: getHeader(request, 'User-Agent'),
    badQueryAt: badQueryOffset(request.target),
  });
}

/** Where libprocess's query decoding (`decodeQuery`) fails in `target`, or -1. */
function badQueryOffset(target: string): number {
  if (target.indexOf('?') < 0) return -1;
  try {
    decodeQuery(target);
    return -1;
  } catch (error) {
    if (isMesosWireError(error) && error.code === 'MW_LIBPROCESS_BAD_QUERY') return error.offset ?? 0;
    throw error;
  }
}
