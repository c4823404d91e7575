import { EventEmitter } from 'node:events';
import net from 'node:net';
import { type MesosWireError, mwError } from '../errors.ts';
import { type BackoffOptions, backoffDelay } from './backoff.ts';

/** A peer's socket address. libprocess keys outbound connections by this (ip:port), never by actor id. */
export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

/** `host:port`, the key of a peer connection. */
export function formatPeerAddress(address: PeerAddress): string {
  return `${address.host}:${address.port}`;
}

/** Reads the peer's answers on an outbound connection: bytes in, one `onResponse(status)` per complete response. */
export interface ResponseReader {
  write(bytes: Uint8Array): void;
  end(): void;
}

/**
 * Makes the reader for one connection. The reader calls `onResponse` for every response, in order, and `onError`
 * once if the bytes are not HTTP (after which the connection stops matching responses to messages).
 */
export type ResponseReaderFactory = (
  onResponse: (status: number) => void,
  onError: (error: MesosWireError) => void,
) => ResponseReader;

/** Options of one outbound connection. */
export interface PeerConnectionOptions {
  /** Messages waiting to be handed to the socket, at most. Default 10 000. */
  maxQueuedMessages?: number;
  /** Bytes waiting to be handed to the socket, at most. Default 16 MiB. */
  maxQueuedBytes?: number;
  /** Give up a connect attempt after this many ms. Default 5000. */
  connectTimeoutMs?: number;
  /** Consecutive failed connect attempts before queued messages are rejected. Default 6. */
  maxConnectAttempts?: number;
  backoff?: BackoffOptions;
  /** Parses the peer's responses. Without it responses are only counted as bytes and cannot be awaited. */
  readResponses?: ResponseReaderFactory;
  /** Bytes per socket write when several queued messages are coalesced. Default 64 KiB. */
  batchBytes?: number;
  /** Bytes the socket may buffer before the queue waits for its 'drain'. Default 1 MiB. */
  socketBufferBytes?: number;
  /**
   * Closes a connection that is not `persistent` once it has been idle (everything written and answered) this
   * long, like libprocess's temporary sockets (0: as soon as it is idle). Undefined (default): keep it open.
   */
  idleCloseMs?: number;
  /** Random source for the backoff jitter (tests). */
  random?: () => number;
}

/** Outcome of one message: `status` is the peer's HTTP status when the caller asked to await it. */
export interface SendReceipt {
  readonly bytes: number;
  readonly status?: number;
}

/** Called once per message: with an error when it was not written (or, if awaited, not answered). */
export type SendCallback = (error: MesosWireError | undefined, receipt?: SendReceipt) => void;

/** What a graceful close left behind. */
export interface CloseReport {
  /** Messages never handed to a socket (rejected with MW_TRANSPORT_CLOSED). */
  readonly unsent: number;
  /** Messages written whose response had not arrived when the connection closed. */
  readonly unanswered: number;
}

/** Counters of one connection, cumulative over reconnects. */
export interface PeerConnectionStats {
  connects: number;
  connectFailures: number;
  disconnects: number;
  messagesWritten: number;
  bytesWritten: number;
  bytesRead: number;
  responses: number;
  /** Responses whose status was not 2xx. */
  rejections: number;
  responsesByStatus: Map<number, number>;
}

interface QueuedMessage {
  readonly bytes: Uint8Array;
  readonly callback: SendCallback | undefined;
  readonly awaitResponse: boolean;
  /** Set when its callback waits in `expected` (then only the answer or the connection's loss settles it). */
  tracked: boolean;
}

/** The connection's lifecycle: idle (no socket) -> connecting -> open; failures go to waiting (backoff) or idle. */
export type PeerConnectionState = 'idle' | 'connecting' | 'open' | 'waiting' | 'closing' | 'closed';

const DEFAULTS = {
  maxQueuedMessages: 10_000,
  maxQueuedBytes: 16 * 1024 * 1024,
  connectTimeoutMs: 5000,
  maxConnectAttempts: 6,
  batchBytes: 64 * 1024,
  socketBufferBytes: 1024 * 1024,
};

/**
 * One outbound TCP connection to a peer address, written like a libprocess sender: messages back to back, no
 * waiting for responses, responses read (and by default discarded) on the same socket.
 *
 * Memory is bounded: at most `maxQueuedMessages`/`maxQueuedBytes` wait in the queue, and the queue hands bytes to
 * the socket only while the socket accepts them (`'drain'` is respected), so a slow peer makes `write()` return
 * false instead of growing buffers. After a failure the connection reconnects with exponential backoff while
 * messages are queued; after `maxConnectAttempts` consecutive failed attempts the queued messages are rejected
 * with MW_TRANSPORT_CONNECT.
 *
 * Events: `'connect'`, `'disconnect'` (`{error?, wasOpen}`: every socket loss, including failed connects),
 * `'response'` (status), `'writable'` (the queue fell below half after `write()` returned false),
 * `'failed'` (queued messages were given up), `'closed'`.
 */
export class PeerConnection extends EventEmitter {
  readonly address: PeerAddress;
  readonly key: string;
  readonly stats: PeerConnectionStats = {
    connects: 0,
    connectFailures: 0,
    disconnects: 0,
    messagesWritten: 0,
    bytesWritten: 0,
    bytesRead: 0,
    responses: 0,
    rejections: 0,
    responsesByStatus: new Map(),
  };

  private readonly options: typeof DEFAULTS & PeerConnectionOptions;
  private stateValue: PeerConnectionState = 'idle';
  private socket: net.Socket | undefined;
  private reader: ResponseReader | undefined;
  private readerFailed = false;
  private connectTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private socketBlocked = false;
  private wasFull = false;
  // Queue of messages not yet handed to the socket; `queueHead` avoids O(n) shifts.
  private queue: QueuedMessage[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  // Responses still expected, in write order: a callback for an awaited message, or a count of plain ones.
  private expected: (SendCallback | number)[] = [];
  private expectedHead = 0;
  private expectedCount = 0;
  private closeWaiters: (() => void)[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  /**
   * Persistent connections (libprocess `link`) stay open when idle; the others close after `idleCloseMs`.
   * Messages use whichever connection exists, as in libprocess.
   */
  persistent = false;

  constructor(address: PeerAddress, options: PeerConnectionOptions = {}) {
    super();
    this.address = address;
    this.key = formatPeerAddress(address);
    this.options = { ...DEFAULTS, ...stripUndefined(options) };
  }

  get state(): PeerConnectionState {
    return this.stateValue;
  }

  /** Messages waiting for the socket. */
  get queuedMessages(): number {
    return this.queue.length - this.queueHead;
  }

  /** Responses still expected for messages already written. */
  get unanswered(): number {
    return this.expectedCount;
  }

  /** True when a message of `size` bytes would fit in the queue now. */
  canAccept(size: number): boolean {
    if (this.stateValue === 'closing' || this.stateValue === 'closed') return false;
    return (
      this.queuedMessages < this.options.maxQueuedMessages && this.queuedBytes + size <= this.options.maxQueuedBytes
    );
  }

  /**
   * Queues one encoded message. Returns false (and does not queue it, nor call `callback`) when the queue is full
   * or the connection is closing: wait for `'writable'` and retry. `awaitResponse` makes the callback wait for
   * the peer's response and report its status (needs `readResponses`).
   */
  write(bytes: Uint8Array, callback?: SendCallback, awaitResponse = false): boolean {
    if (awaitResponse && this.options.readResponses === undefined) {
      throw mwError('MW_INVALID_ARGUMENT', 'awaitResponse needs a connection that reads responses');
    }
    if (bytes.length > this.options.maxQueuedBytes) {
      // It would never fit: refusing it "for now" would make a caller wait forever.
      throw mwError('MW_TRANSPORT_QUEUE_FULL', `a ${bytes.length}-byte message exceeds maxQueuedBytes`, {
        detail: { maxQueuedBytes: this.options.maxQueuedBytes },
      });
    }
    if (!this.canAccept(bytes.length)) {
      this.wasFull = true;
      return false;
    }
    this.queue.push({ bytes, callback, awaitResponse, tracked: false });
    this.queuedBytes += bytes.length;
    if (this.idleTimer !== undefined) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
    if (this.stateValue === 'idle') this.connect();
    else if (this.stateValue === 'open' && !this.socketBlocked) this.scheduleFlush();
    return true;
  }

  /**
   * Resolves once the queue has drained to half its bounds (at once when it already has, or when the connection
   * is closing: the next `write()` then reports that). Pair it with `write()` returning false.
   */
  whenWritable(): Promise<void> {
    if (this.stateValue === 'closing' || this.stateValue === 'closed' || this.belowHalf()) return Promise.resolve();
    this.wasFull = true;
    return new Promise((resolve) => {
      const done = (): void => {
        this.off('writable', done);
        this.off('failed', done);
        this.off('closed', done);
        resolve();
      };
      this.on('writable', done);
      this.on('failed', done);
      this.on('closed', done);
    });
  }

  private belowHalf(): boolean {
    return (
      this.queuedMessages * 2 <= this.options.maxQueuedMessages && this.queuedBytes * 2 <= this.options.maxQueuedBytes
    );
  }

  /**
   * Queues one message and resolves when it was handed to the kernel (or, with `awaitResponse`, answered).
   * Rejects with MW_TRANSPORT_QUEUE_FULL at once when the queue is full, MW_TRANSPORT_CLOSED when closing.
   */
  send(bytes: Uint8Array, awaitResponse = false): Promise<SendReceipt> {
    return new Promise((resolve, reject) => {
      const queued = this.write(
        bytes,
        (error, receipt) => (error === undefined ? resolve(receipt!) : reject(error)),
        awaitResponse,
      );
      if (!queued) {
        reject(
          this.stateValue === 'closing' || this.stateValue === 'closed'
            ? mwError('MW_TRANSPORT_CLOSED', `connection to ${this.key} is closing`)
            : mwError('MW_TRANSPORT_QUEUE_FULL', `outbound queue to ${this.key} is full`, {
                detail: { messages: this.queuedMessages, bytes: this.queuedBytes },
              }),
        );
      }
    });
  }

  /** Opens the socket now (libprocess `link`): a connection that is already up or coming up is left alone. */
  open(): void {
    if (this.stateValue === 'idle') this.connect();
    else if (this.stateValue === 'waiting') {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.connect();
    }
  }

  /** Drops the current socket (like `link(pid, RECONNECT)`); queued messages go out on the next one. */
  reconnect(): void {
    if (this.socket !== undefined) this.socket.destroy();
    else this.open();
  }

  /**
   * Graceful close: stops taking messages, waits (up to `timeoutMs`) until the queue is written and the peer has
   * answered every message, then half-closes and waits for the peer to close. Reading on until the peer closes
   * matters: closing with unread responses makes the kernel reset the connection, and a libprocess receiver then
   * drops the messages it was still reading. Whatever was not done by the deadline is reported.
   * `awaitAnswers: false` skips the wait for answers (peers of eras that never answer), not the half-close.
   */
  async close(timeoutMs = 5000, options: { awaitAnswers?: boolean } = {}): Promise<CloseReport> {
    if (this.stateValue === 'closed') return { unsent: 0, unanswered: 0 };
    const deadline = Date.now() + timeoutMs;
    const wasIdle = this.stateValue === 'idle';
    this.stateValue = 'closing';
    const awaitAnswers = options.awaitAnswers !== false;
    if (!wasIdle) await this.waitUntil(() => this.isSettled(awaitAnswers), deadline);
    const unsent = this.queuedMessages;
    const unanswered = this.expectedCount;
    this.rejectQueued(mwError('MW_TRANSPORT_CLOSED', `connection to ${this.key} closed before the message was sent`));
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const socket = this.socket;
    if (socket !== undefined) {
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.end();
      const timer = setTimeout(() => socket.destroy(), Math.max(0, deadline - Date.now()) + 50);
      await closed;
      clearTimeout(timer);
    }
    this.stateValue = 'closed';
    this.emit('closed');
    return { unsent, unanswered };
  }

  /** Immediate close: destroys the socket, rejects everything pending with MW_TRANSPORT_CLOSED. */
  destroy(): void {
    if (this.stateValue === 'closed') return;
    this.stateValue = 'closing';
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    clearTimeout(this.idleTimer);
    this.rejectQueued(mwError('MW_TRANSPORT_CLOSED', `connection to ${this.key} destroyed`));
    this.socket?.destroy();
    this.stateValue = 'closed';
    this.emit('closed');
  }

  private isSettled(awaitAnswers = true): boolean {
    if (this.queuedMessages > 0) return false;
    if (this.socket === undefined) return this.stateValue !== 'connecting';
    if (this.socket.writableLength > 0) return false;
    return !awaitAnswers || this.expectedCount === 0 || this.readerFailed;
  }

  private waitUntil(condition: () => boolean, deadline: number): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        const gone = this.socket === undefined && this.retryTimer === undefined;
        if (condition() || Date.now() >= deadline || gone) finish();
      };
      const finish = (): void => {
        clearTimeout(timer);
        this.closeWaiters = this.closeWaiters.filter((w) => w !== check);
        resolve();
      };
      const timer = setTimeout(finish, Math.max(0, deadline - Date.now()));
      this.closeWaiters.push(check);
    });
  }

  private notifyWaiters(): void {
    for (const waiter of [...this.closeWaiters]) waiter();
    this.checkIdle();
  }

  // Temporary connections: half-close once idle. The peer then closes its side; reading on until it does avoids
  // the reset that would make a libprocess receiver drop the last messages.
  private checkIdle(): void {
    const idleCloseMs = this.options.idleCloseMs;
    if (idleCloseMs === undefined || this.persistent || this.stateValue !== 'open' || this.idleTimer !== undefined) {
      return;
    }
    if (!this.isSettled()) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (!this.persistent && this.stateValue === 'open' && this.isSettled()) this.socket?.end();
    }, idleCloseMs);
  }

  private connect(): void {
    this.stateValue = this.stateValue === 'closing' ? 'closing' : 'connecting';
    const socket = net.connect({
      host: this.address.host,
      port: this.address.port,
      // Several coalesced batches may wait in the socket before 'drain' is needed (16 KiB would allow one).
      writableHighWaterMark: this.options.socketBufferBytes,
    } as net.NetConnectOpts);
    socket.setNoDelay(true);
    this.socket = socket;
    this.socketBlocked = false;
    this.readerFailed = false;
    const readResponses = this.options.readResponses;
    this.reader = readResponses?.(
      (status) => this.onResponse(status),
      () => {
        this.readerFailed = true;
        this.reader = undefined;
        this.failExpected(mwError('MW_TRANSPORT_REJECTED', `peer ${this.key} answered with bytes that are not HTTP`));
      },
    );
    let opened = false;
    this.connectTimer = setTimeout(() => {
      socket.destroy(
        mwError('MW_TRANSPORT_TIMEOUT', `connecting to ${this.key} took over ${this.options.connectTimeoutMs} ms`),
      );
    }, this.options.connectTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(this.connectTimer);
      opened = true;
      this.failures = 0;
      this.stats.connects++;
      if (this.stateValue === 'connecting') this.stateValue = 'open';
      this.emit('connect');
      this.flush();
    });
    socket.on('data', (chunk: Buffer) => {
      this.stats.bytesRead += chunk.length;
      if (this.reader === undefined) return;
      try {
        this.reader.write(chunk);
      } catch {
        // A reader that throws instead of reporting is treated like one that reported.
        this.readerFailed = true;
        this.reader = undefined;
      }
    });
    socket.on('drain', () => {
      this.socketBlocked = false;
      this.flush();
      this.notifyWaiters();
    });
    let lastError: Error | undefined;
    socket.on('error', (error) => {
      lastError = error;
    });
    socket.on('end', () => {
      try {
        this.reader?.end();
      } catch {
        // A response cut off by the peer's close is reported through the unanswered messages.
      }
    });
    socket.once('close', () => {
      clearTimeout(this.connectTimer);
      if (this.socket === socket) this.onSocketClosed(opened, lastError);
    });
  }

  private onSocketClosed(wasOpen: boolean, error: Error | undefined): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const closedWhenIdle = this.socket?.writableEnded === true && this.stateValue === 'open';
    this.socket = undefined;
    // The next socket is temporary until someone links again (libprocess drops the persistent socket too).
    this.persistent = false;
    this.reader = undefined;
    this.socketBlocked = false;
    if (wasOpen) this.stats.disconnects++;
    else {
      this.stats.connectFailures++;
      this.failures++;
    }
    const cause = wasOpen
      ? mwError('MW_TRANSPORT_CLOSED', `connection to ${this.key} closed before the peer answered`, { cause: error })
      : mwError('MW_TRANSPORT_CONNECT', `cannot connect to ${this.key}: ${error?.message ?? 'closed'}`, {
          cause: error,
        });
    this.failExpected(cause);
    this.emit('disconnect', { error, wasOpen });
    if (this.queuedMessages === 0) {
      if (this.stateValue === 'closing') {
        this.notifyWaiters();
        return;
      }
      this.stateValue = 'idle';
      return;
    }
    if (this.failures >= this.options.maxConnectAttempts) {
      this.rejectQueued(
        mwError(
          'MW_TRANSPORT_CONNECT',
          `cannot reach ${this.key} (${error?.message ?? 'connection closed'}); gave up after ${this.failures} attempt(s)`,
          { cause: error },
        ),
      );
      this.failures = 0;
      if (this.stateValue === 'closing') this.notifyWaiters();
      else this.stateValue = 'idle';
      this.emit('failed', cause);
      return;
    }
    if (closedWhenIdle) {
      // Messages came while an idle connection was closing: not a failure, reconnect at once.
      this.connect();
      return;
    }
    // While closing, keep retrying until close()'s deadline: close flushes when it can.
    if (this.stateValue !== 'closing') this.stateValue = 'waiting';
    const delay = backoffDelay(this.failures, this.options.backoff, this.options.random);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.stateValue === 'waiting' || this.stateValue === 'closing') this.connect();
    }, delay);
  }

  private flushScheduled = false;

  private scheduleFlush(): void {
    // Coalesce the messages queued in one tick into few writes.
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const socket = this.socket;
    // An ended socket (idle close under way) takes nothing more; the queue goes out on the next connection.
    if (socket === undefined || this.socketBlocked || socket.connecting || socket.writableEnded) return;
    while (this.queuedMessages > 0 && !this.socketBlocked) {
      const batch: QueuedMessage[] = [];
      let size = 0;
      // True while every message of the batch follows the previous one in memory (then no copy, see concat).
      let adjacent = true;
      while (this.queueHead < this.queue.length && (batch.length === 0 || size < this.options.batchBytes)) {
        const message = this.queue[this.queueHead]!;
        if (adjacent && batch.length > 0 && !follows(batch[batch.length - 1]!.bytes, message.bytes)) {
          // Several adjacent messages: end the batch here rather than copy them all; otherwise copy from now on.
          if (batch.length > 1) break;
          adjacent = false;
        }
        this.queue[this.queueHead++] = undefined as unknown as QueuedMessage;
        batch.push(message);
        size += message.bytes.length;
      }
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      this.queuedBytes -= size;
      for (const message of batch) this.expectResponse(message);
      this.stats.messagesWritten += batch.length;
      this.stats.bytesWritten += size;
      const bytes = batch.length === 1 ? batch[0]!.bytes : concat(batch, size, adjacent);
      const accepted = socket.write(bytes, (error) => this.onBatchWritten(batch, error));
      if (!accepted) this.socketBlocked = true;
    }
    if (this.wasFull && this.belowHalf()) {
      this.wasFull = false;
      this.emit('writable');
    }
    this.notifyWaiters();
  }

  private expectResponse(message: QueuedMessage): void {
    if (this.options.readResponses === undefined || this.readerFailed) return;
    this.expectedCount++;
    if (message.awaitResponse) {
      message.tracked = true;
      this.expected.push(message.callback!);
      return;
    }
    const last = this.expected.length - 1;
    if (last >= this.expectedHead && typeof this.expected[last] === 'number') {
      (this.expected[last] as number)++;
    } else this.expected.push(1);
  }

  private onBatchWritten(batch: QueuedMessage[], error: Error | null | undefined): void {
    for (const message of batch) {
      // Awaited messages are settled by their answer (or by the connection's loss).
      if (message.tracked || message.callback === undefined) continue;
      if (error) message.callback(mwError('MW_TRANSPORT_CLOSED', `write to ${this.key} failed`, { cause: error }));
      else if (message.awaitResponse) {
        // Written after the peer's answers stopped being HTTP: no answer can be matched to it any more.
        message.callback(mwError('MW_TRANSPORT_REJECTED', `answers from ${this.key} cannot be read (not HTTP)`));
      } else message.callback(undefined, { bytes: message.bytes.length });
    }
  }

  private onResponse(status: number): void {
    this.stats.responses++;
    this.stats.responsesByStatus.set(status, (this.stats.responsesByStatus.get(status) ?? 0) + 1);
    if (status < 200 || status > 299) this.stats.rejections++;
    this.emit('response', status);
    if (this.expectedCount === 0) return;
    this.expectedCount--;
    const head = this.expected[this.expectedHead]!;
    if (typeof head === 'number') {
      if (head > 1) this.expected[this.expectedHead] = head - 1;
      else this.popExpected();
    } else {
      this.popExpected();
      head(undefined, { bytes: 0, status });
    }
    if (this.expectedCount === 0) this.notifyWaiters();
  }

  private popExpected(): void {
    this.expected[this.expectedHead++] = 0;
    if (this.expectedHead === this.expected.length) {
      this.expected = [];
      this.expectedHead = 0;
    }
  }

  private failExpected(error: MesosWireError): void {
    const pending = this.expected.slice(this.expectedHead);
    this.expected = [];
    this.expectedHead = 0;
    this.expectedCount = 0;
    for (const entry of pending) if (typeof entry !== 'number') entry(error);
  }

  private rejectQueued(error: MesosWireError): void {
    const pending = this.queue.slice(this.queueHead);
    this.queue = [];
    this.queueHead = 0;
    this.queuedBytes = 0;
    for (const message of pending) message.callback?.(error);
  }
}

/**
 * The batch as one byte array. Messages encoded back to back into one slab (see CachedMessageEncoder) are already
 * adjacent in memory: then the batch is a view of that range, without copying.
 */
function concat(batch: QueuedMessage[], size: number, adjacent: boolean): Uint8Array {
  const first = batch[0]!.bytes;
  if (adjacent) return new Uint8Array(first.buffer, first.byteOffset, size);
  return Buffer.concat(
    batch.map((message) => message.bytes),
    size,
  );
}

/** True when `next` starts right where `previous` ends, in the same memory. */
function follows(previous: Uint8Array, next: Uint8Array): boolean {
  return next.buffer === previous.buffer && next.byteOffset === previous.byteOffset + previous.length;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
