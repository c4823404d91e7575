import { EventEmitter } from 'node:events';
import net from 'node:net';
import { type MesosWireError, mwError } from '../errors.ts';
import { type BackoffOptions, backoffDelay } from './backoff.ts';
import { releaseBatch, retireSlab, SLAB_BYTES, type Slab, takeSlab } from './slabs.ts';
import { joinBusy, leaveBusy, sharedWindow } from './unanswered-budget.ts';

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
  /**
   * The next bytes of answers. They are valid during this call only (the connection reads every answer into one
   * reused buffer): copy what must outlive it.
   */
  write(bytes: Uint8Array): void;
  end(): void;
}

/**
 * Makes the reader for one connection. The reader calls `onResponse(status, count)` for every `count` (>= 1)
 * consecutive responses with that status, in order (a run of equal answers can be reported at once), and `onError`
 * once if the bytes are not HTTP (after which the connection stops matching responses to messages).
 */
export type ResponseReaderFactory = (
  onResponse: (status: number, count: number) => void,
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
  /**
   * Bytes the socket may buffer (beyond what the kernel took) before the queue waits for its 'drain'. Default
   * 256 KiB. Queued messages are copied into 64 KiB slabs only when handed to the socket, so this bounds the slabs a
   * connection holds (see slabs.ts).
   */
  socketBufferBytes?: number;
  /**
   * Bytes written but not yet answered, at most, once the peer has answered on this connection (whether a Mesos
   * receiver answers depends on its version and the sender's User-Agent, the same for every message of a
   * connection: protocol notes §2.4). Once that many are out, the queue hands the socket nothing more until half of
   * them are answered. A peer that leaves the window full for UNANSWERED_STALL_MS without answering is taken not to
   * answer every message, and the bound is off until the next socket. Default 2 MiB; 0 or Infinity: no bound.
   *
   * A sender faster than its peer otherwise fills the kernel's socket buffers (several MB each way), and the peer
   * then reads every message long after it was written: out of the cache, its reads paying for the transmission of
   * the sender's backlog. Throughput is bounded by half of this to all of it per round trip (2 MiB with a 10 ms round
   * trip: 100-200 MB/s).
   *
   * The connections of one thread that have unanswered bytes at the same time share it: each gets this divided by
   * their number, at most MAX_SHARES (8) ways (see unanswered-budget.ts).
   */
  maxUnansweredBytes?: number;
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

/**
 * A message the connection copies into its outgoing batch itself, so that no byte array is made per message:
 * `writeTo` writes its `byteLength` bytes at `target[offset]`. A plain EncodedMessage is written (or copied) during
 * `write()`/`send()`, so the object may be reused for the next message afterwards; a `DeferredMessage` is kept as
 * its parts until the socket can take it.
 */
export interface EncodedMessage {
  readonly byteLength: number;
  writeTo(target: Uint8Array, offset: number): void;
}

/**
 * Writes messages kept as two parts (see DeferredMessage). One writer serves many messages: the connection groups
 * the messages of one writer into a batch.
 */
export interface PartsWriter {
  /**
   * Writes the message made of `first` and `second` at `target[offset]` and returns the offset after it. With
   * `second` undefined, `first` is the whole message and is copied as it is.
   */
  writeParts(first: Uint8Array, second: Uint8Array | undefined, target: Uint8Array, offset: number): number;
  /**
   * The same bytes as arrays written one after another, `second` among them as it is (not copied). Used for large
   * messages (a run of their own), so that a large body is neither copied nor held twice. Optional: without it a
   * large message is written into an array of its own.
   */
  pieces?(first: Uint8Array, second: Uint8Array): Uint8Array[];
}

/**
 * An EncodedMessage whose bytes are `writer.writeParts(first, second, ...)`. The connection keeps the two arrays
 * (not the object, which may be reused) and writes them into its outgoing batch only when the socket can take it:
 * queued messages then hold no batch memory, and the batches in flight are bounded by the socket buffer, not by the
 * queue. `first` and `second` must not change until the message was handed to the socket (its callback, or the
 * resolution of `send()`).
 */
export interface DeferredMessage extends EncodedMessage {
  readonly first: Uint8Array;
  readonly second: Uint8Array | undefined;
  readonly writer: PartsWriter;
}

/** Writes a whole message given as bytes (`second` is undefined for such messages). */
const BYTES_WRITER: PartsWriter = {
  writeParts(first: Uint8Array, _second: Uint8Array | undefined, target: Uint8Array, offset: number): number {
    target.set(first, offset);
    return offset + first.length;
  },
};

/** A queued message that needs more than counting: a delivery callback, or an awaited response. */
interface NotedMessage {
  /** Its position among the messages of its run. */
  readonly index: number;
  readonly bytes: number;
  readonly callback: SendCallback | undefined;
  readonly awaitResponse: boolean;
  /** Set when its callback waits in `expected` (then only the answer or the connection's loss settles it). */
  tracked: boolean;
}

/**
 * Queued messages written with one socket write. Small messages are kept as their parts (`parts`, one
 * writer) until the run is written into a slab at flush time, `bytes[start, end)`; a large message is a run of its
 * own with its own bytes. Most messages are only counted; those with a callback (or an awaited answer) are noted,
 * in order.
 */
class QueuedRun {
  /** The run's bytes once written into its batch (or a large message's own bytes). */
  bytes: Uint8Array = NO_BYTES;
  /** The slab `bytes` belongs to (undefined: not written into a slab yet, or a large message's own bytes). */
  slab: Slab | undefined = undefined;
  start = 0;
  end = 0;
  /** Bytes of its messages. */
  size = 0;
  messages = 0;
  notes: NotedMessage[] | undefined = undefined;
  /**
   * The messages' parts while the run waits for the socket, first and second of message i at 2i and 2i + 1
   * (undefined once written into `bytes`). A reused array: only the first `2 * messages` slots are the run's.
   */
  parts: (Uint8Array | undefined)[] | undefined = undefined;
  writer: PartsWriter = BYTES_WRITER;
  /** A large message given as parts: its bytes as arrays written one after another (see PartsWriter.pieces). */
  pieces: Uint8Array[] | undefined = undefined;
}

const NO_BYTES = new Uint8Array(0);

/** How long a full window (maxUnansweredBytes) may wait for an answer before the bound is dropped for the socket. */
const UNANSWERED_STALL_MS = 1000;

/**
 * Part arrays kept for reuse per connection: enough for a full default queue (10,000 messages of ~336 bytes are ~52
 * runs). With 4, a busy sender made ~48 new arrays per refill of its queue, each grown push by push and surviving
 * scavenges while queued (scavenges took 1.5 instead of 0.9 ms).
 */
const MAX_SPARE_PARTS = 64;

/** Messages larger than this get a run of their own (not copied when given as bytes). */
const OWN_RUN_BYTES = SLAB_BYTES / 4;

/**
 * The buffer every outbound connection reads its answers into (64 KiB, as much as a read takes by default). One is
 * enough: a read is handed to the connection's reader, which is done with it before the event loop reads again.
 */
const ANSWERS_READ_BUFFER = Buffer.allocUnsafeSlow(64 * 1024);

/** The connection's lifecycle: idle (no socket) -> connecting -> open; failures go to waiting (backoff) or idle. */
export type PeerConnectionState = 'idle' | 'connecting' | 'open' | 'waiting' | 'closing' | 'closed';

const DEFAULTS = {
  maxQueuedMessages: 10_000,
  maxQueuedBytes: 16 * 1024 * 1024,
  connectTimeoutMs: 5000,
  maxConnectAttempts: 6,
  batchBytes: 64 * 1024,
  socketBufferBytes: 256 * 1024,
  maxUnansweredBytes: 2 * 1024 * 1024,
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
  // The options read for every message, as fields.
  private readonly maxQueuedMessages: number;
  private readonly maxQueuedBytes: number;
  private readonly batchBytes: number;
  private readonly readsResponses: boolean;
  /** maxUnansweredBytes, or Infinity for no bound. */
  private readonly maxUnansweredBytes: number;
  /**
   * Written runs not yet fully answered, oldest first: [messages unanswered, bytes] pairs from inFlightAt on (see
   * maxUnansweredBytes). Before the peer's first answer on the socket, one pair for all of them.
   */
  private inFlight: number[] = [];
  private inFlightAt = 0;
  private unansweredBytes = 0;
  /** The peer answered on this socket: from now on it answers every message (see maxUnansweredBytes). */
  private peerAnswers = false;
  /**
   * The unanswered bytes reached maxUnansweredBytes and have not fallen to half of it since. Once the peer answers,
   * nothing more is written meanwhile (then half a window at once, rather than a run per answer read).
   */
  private windowShut = false;
  /** The window was full for UNANSWERED_STALL_MS without an answer: no bound until the next socket. */
  private windowOff = false;
  /** Counted among the busy connections sharing the thread's window budget (see unanswered-budget.ts). */
  private countedBusy = false;
  /** Runs while the window is full and messages wait (see UNANSWERED_STALL_MS). */
  private stallTimer: NodeJS.Timeout | undefined;
  private stateValue: PeerConnectionState = 'idle';
  private socket: net.Socket | undefined;
  private reader: ResponseReader | undefined;
  private readerFailed = false;
  private connectTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private socketBlocked = false;
  private wasFull = false;
  // Messages not yet handed to the socket, in runs; `queueHead` avoids O(n) shifts.
  private queue: QueuedRun[] = [];
  private queueHead = 0;
  private queuedCount = 0;
  private queuedBytes = 0;
  // The last queued run while messages may still be appended to it (until it is flushed or a slab is full).
  private openRun: QueuedRun | undefined;
  // Runs of small messages are written into this slab when flushed (see slabs.ts); undefined until the first one.
  private slab: Slab | undefined;
  // Part arrays of written runs, for the next runs: written by index, never truncated (that would drop their
  // capacity, and every run would grow its array again push by push).
  private readonly spareParts: (Uint8Array | undefined)[][] = [];
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
    this.maxQueuedMessages = this.options.maxQueuedMessages;
    this.maxQueuedBytes = this.options.maxQueuedBytes;
    this.batchBytes = this.options.batchBytes;
    this.readsResponses = this.options.readResponses !== undefined;
    const window = this.options.maxUnansweredBytes;
    this.maxUnansweredBytes = window > 0 ? window : Number.POSITIVE_INFINITY;
  }

  get state(): PeerConnectionState {
    return this.stateValue;
  }

  /** Messages waiting for the socket. */
  get queuedMessages(): number {
    return this.queuedCount;
  }

  /** Responses still expected for messages already written. */
  get unanswered(): number {
    return this.expectedCount;
  }

  /** Bytes written whose answers have not come yet (see maxUnansweredBytes; estimated for a run partly answered). */
  get unansweredBytesWritten(): number {
    return this.unansweredBytes;
  }

  /** True while the window (maxUnansweredBytes) holds the queue back. */
  get heldByWindow(): boolean {
    return this.windowFull();
  }

  /** True when a message of `size` bytes would fit in the queue now. */
  canAccept(size: number): boolean {
    if (this.stateValue === 'closing' || this.stateValue === 'closed') return false;
    return this.queuedCount < this.maxQueuedMessages && this.queuedBytes + size <= this.maxQueuedBytes;
  }

  /**
   * Queues one encoded message (its bytes, or an EncodedMessage that writes itself into the outgoing batch).
   * Returns false (and does not queue it, nor call `callback`) when the queue is full or the connection is closing:
   * wait for `'writable'` and retry. `awaitResponse` makes the callback wait for the peer's response and report
   * its status (needs `readResponses`). Bytes given as an array, and the parts of a DeferredMessage, are kept as
   * they are and read when the message is handed to the socket (small ones are copied into a batch then): they must
   * not change until the message's callback is called (or `send()` settles). A plain EncodedMessage is written into
   * a new array at once.
   */
  write(message: Uint8Array | EncodedMessage, callback?: SendCallback, awaitResponse = false): boolean {
    if (awaitResponse && !this.readsResponses) {
      throw mwError('MW_INVALID_ARGUMENT', 'awaitResponse needs a connection that reads responses');
    }
    const size = message.byteLength;
    if (size > this.maxQueuedBytes) {
      // It would never fit: refusing it "for now" would make a caller wait forever.
      throw mwError('MW_TRANSPORT_QUEUE_FULL', `a ${size}-byte message exceeds maxQueuedBytes`, {
        detail: { maxQueuedBytes: this.options.maxQueuedBytes },
      });
    }
    if (!this.canAccept(size)) {
      this.wasFull = true;
      return false;
    }
    this.enqueue(message, size, callback, awaitResponse);
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
  send(message: Uint8Array | EncodedMessage, awaitResponse = false): Promise<SendReceipt> {
    return new Promise((resolve, reject) => {
      const queued = this.write(
        message,
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
      // Several coalesced batches may wait in the socket before 'drain' is needed (16 KiB would allow one). Not
      // more: 8 busy connections with 1 MiB each held more slabs than the pool keeps, so most were fresh memory.
      writableHighWaterMark: this.options.socketBufferBytes,
      // Answers are read into one buffer shared by every connection (a read is handed to the reader and done with
      // before the next one): no 64 KiB buffer is allocated per read.
      onread: { buffer: ANSWERS_READ_BUFFER, callback: (length: number) => this.onAnswerBytes(length) },
    } as net.NetConnectOpts);
    socket.setNoDelay(true);
    this.socket = socket;
    this.socketBlocked = false;
    this.readerFailed = false;
    const readResponses = this.options.readResponses;
    this.reader = readResponses?.(
      (status, count) => this.onResponses(status, count),
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

  /** `length` bytes of answers were read into ANSWERS_READ_BUFFER. True: read on. */
  private onAnswerBytes(length: number): boolean {
    this.stats.bytesRead += length;
    const reader = this.reader;
    if (reader === undefined) return true;
    try {
      reader.write(new Uint8Array(ANSWERS_READ_BUFFER.buffer, ANSWERS_READ_BUFFER.byteOffset, length));
    } catch {
      // A reader that throws instead of reporting is treated like one that reported.
      this.readerFailed = true;
      this.reader = undefined;
    }
    return true;
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

  /**
   * Appends one message to the open run as its parts (written into a slab when the run is flushed), or starts a
   * run. Large messages get a run of their own with their own bytes; an EncodedMessage that cannot be kept as parts
   * is written into a new array now (it may be reused once `write()` returns).
   */
  private enqueue(
    message: Uint8Array | EncodedMessage,
    size: number,
    callback: SendCallback | undefined,
    awaitResponse: boolean,
  ): void {
    let run = this.openRun;
    if (size > OWN_RUN_BYTES) {
      run = new QueuedRun();
      const deferred = message as Partial<DeferredMessage>;
      if (message instanceof Uint8Array) run.bytes = message;
      else if (deferred.writer?.pieces !== undefined && deferred.second !== undefined) {
        run.pieces = deferred.writer.pieces(deferred.first!, deferred.second);
      } else {
        run.bytes = new Uint8Array(size);
        message.writeTo(run.bytes, 0);
      }
      run.end = size;
      run.size = size;
      this.queue.push(run);
      // Later small messages must not be appended to a run before this one.
      this.openRun = undefined;
    } else {
      let first: Uint8Array;
      let second: Uint8Array | undefined;
      let writer: PartsWriter | undefined;
      if (message instanceof Uint8Array) first = message;
      else if ((message as DeferredMessage).writer !== undefined) {
        first = (message as DeferredMessage).first;
        second = (message as DeferredMessage).second;
        writer = (message as DeferredMessage).writer;
      } else {
        first = new Uint8Array(size);
        message.writeTo(first, 0);
      }
      // Whole bytes (second undefined) go into a run of any writer (see PartsWriter).
      if (run === undefined || (writer !== undefined && run.writer !== writer) || run.size + size > this.batchBytes) {
        run = this.startRun(writer ?? BYTES_WRITER);
      }
      const parts = run.parts!;
      parts[2 * run.messages] = first;
      parts[2 * run.messages + 1] = second;
      run.size += size;
    }
    if (callback !== undefined || awaitResponse) {
      (run.notes ??= []).push({ index: run.messages, bytes: size, callback, awaitResponse, tracked: false });
    }
    run.messages++;
    this.queuedCount++;
    this.queuedBytes += size;
  }

  /** A new run of small messages, open for appends. */
  private startRun(writer: PartsWriter): QueuedRun {
    const run = new QueuedRun();
    run.writer = writer;
    run.parts = this.spareParts.pop() ?? [];
    this.queue.push(run);
    this.openRun = run;
    return run;
  }

  /**
   * Writes a run's messages into the current slab (a fresh one when they do not fit), just before the run is
   * handed to the socket: only runs the socket holds occupy slabs.
   */
  private writeIntoSlab(run: QueuedRun): void {
    const parts = run.parts!;
    const count = 2 * run.messages;
    let slab = this.slab;
    // Nothing queued or being written still reads this slab: start again from its beginning.
    if (slab !== undefined && slab.inFlight === 0) slab.used = 0;
    if (slab === undefined || slab.used + run.size > slab.bytes.length) {
      if (slab !== undefined) retireSlab(slab);
      slab = takeSlab(Math.max(this.batchBytes, SLAB_BYTES));
      this.slab = slab;
    }
    const bytes = slab.bytes;
    const writer = run.writer;
    const start = slab.used;
    let at = start;
    for (let i = 0; i < count; i += 2) at = writer.writeParts(parts[i]!, parts[i + 1], bytes, at);
    slab.used = at;
    slab.inFlight++;
    run.bytes = bytes;
    run.slab = slab;
    run.start = start;
    run.end = at;
    run.parts = undefined;
    this.keepParts(parts, count);
  }

  /** Emptied part arrays, kept for the next runs (see MAX_SPARE_PARTS). */
  private keepParts(parts: (Uint8Array | undefined)[], used: number): void {
    if (this.spareParts.length >= MAX_SPARE_PARTS) return;
    // The callers' arrays are not kept alive by a spare array.
    parts.fill(undefined, 0, used);
    this.spareParts.push(parts);
  }

  private flush(): void {
    const socket = this.socket;
    // An ended socket (idle close under way) takes nothing more; the queue goes out on the next connection.
    if (socket === undefined || this.socketBlocked || socket.connecting || socket.writableEnded) return;
    // Several runs leave in one writev (corked) rather than one write syscall each.
    const several = this.queue.length - this.queueHead > 1;
    if (several) socket.cork();
    while (this.queueHead < this.queue.length && !this.socketBlocked && !this.windowFull()) {
      const run = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = undefined as unknown as QueuedRun;
      if (run === this.openRun) this.openRun = undefined;
      if (run.parts !== undefined) this.writeIntoSlab(run);
      const size = run.end - run.start;
      this.queuedCount -= run.messages;
      this.queuedBytes -= size;
      this.expectResponses(run);
      this.stats.messagesWritten += run.messages;
      this.stats.bytesWritten += size;
      // One socket write per run (a run of pieces: one per piece, corked into one writev). Its completion frees the
      // run's slab range (and settles the callbacks noted).
      let accepted: boolean;
      if (run.pieces !== undefined) accepted = this.writePieces(socket, run, run.pieces);
      else {
        const bytes = size === run.bytes.length ? run.bytes : run.bytes.subarray(run.start, run.end);
        if (run.slab === undefined && run.notes === undefined) accepted = socket.write(bytes);
        else accepted = socket.write(bytes, (error) => this.onRunWritten(run, error));
      }
      if (!accepted) this.socketBlocked = true;
    }
    if (several) socket.uncork();
    if (this.queueHead < this.queue.length && !this.socketBlocked && this.windowFull()) this.watchStall();
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    if (this.wasFull && this.belowHalf()) {
      this.wasFull = false;
      this.emit('writable');
    }
    this.notifyWaiters();
  }

  /** Writes a run's pieces (its one message) in order; the last write's completion settles the run. */
  private writePieces(socket: net.Socket, run: QueuedRun, pieces: Uint8Array[]): boolean {
    socket.cork();
    const last = pieces.length - 1;
    for (let i = 0; i < last; i++) socket.write(pieces[i]!);
    const accepted =
      run.notes === undefined
        ? socket.write(pieces[last]!)
        : socket.write(pieces[last]!, (error) => this.onRunWritten(run, error));
    socket.uncork();
    return accepted;
  }

  /** Records the responses a run's messages will get, in order: awaited ones by callback, the others counted. */
  private expectResponses(run: QueuedRun): void {
    if (this.options.readResponses === undefined || this.readerFailed) return;
    this.expectedCount += run.messages;
    this.noteInFlight(run.messages, run.end - run.start);
    let counted = 0;
    if (run.notes !== undefined) {
      for (const note of run.notes) {
        if (!note.awaitResponse) continue;
        this.expectPlain(note.index - counted);
        note.tracked = true;
        this.expected.push(note.callback!);
        counted = note.index + 1;
      }
    }
    this.expectPlain(run.messages - counted);
  }

  /** `count` more messages whose responses are only counted. */
  private expectPlain(count: number): void {
    if (count === 0) return;
    const last = this.expected.length - 1;
    if (last >= this.expectedHead && typeof this.expected[last] === 'number') {
      (this.expected[last] as number) += count;
    } else this.expected.push(count);
  }

  private onRunWritten(run: QueuedRun, error: Error | null | undefined): void {
    if (run.slab !== undefined) releaseBatch(run.slab);
    if (run.notes === undefined) return;
    for (const note of run.notes) {
      // Awaited messages are settled by their answer (or by the connection's loss).
      if (note.tracked || note.callback === undefined) continue;
      if (error) note.callback(mwError('MW_TRANSPORT_CLOSED', `write to ${this.key} failed`, { cause: error }));
      else if (note.awaitResponse) {
        // Written after the peer's answers stopped being HTTP: no answer can be matched to it any more.
        note.callback(mwError('MW_TRANSPORT_REJECTED', `answers from ${this.key} cannot be read (not HTTP)`));
      } else note.callback(undefined, { bytes: note.bytes });
    }
  }

  /**
   * A run of `messages` messages and `bytes` bytes went to the socket (see maxUnansweredBytes). Until the peer first
   * answers, every run joins one entry: a peer that never answers costs one entry, not one per run.
   */
  private noteInFlight(messages: number, bytes: number): void {
    const inFlight = this.inFlight;
    this.unansweredBytes += bytes;
    this.noteBusy();
    if (this.unansweredBytes >= sharedWindow(this.maxUnansweredBytes)) this.windowShut = true;
    if (!this.peerAnswers && inFlight.length > this.inFlightAt) {
      inFlight[inFlight.length - 2]! += messages;
      inFlight[inFlight.length - 1]! += bytes;
    } else inFlight.push(messages, bytes);
  }

  /**
   * `count` more messages were answered: their bytes leave the unanswered ones (a run's bytes in proportion to its
   * messages answered, all of them once the last is). True when this reopened the window.
   */
  private answeredInFlight(count: number): boolean {
    const wasFull = this.windowFull();
    this.peerAnswers = true;
    // An answer: the peer is not stalled (a full window starts its watch again in flush).
    this.stopStallWatch();
    const inFlight = this.inFlight;
    let at = this.inFlightAt;
    while (count > 0 && at < inFlight.length) {
      const messages = inFlight[at]!;
      const bytes = inFlight[at + 1]!;
      if (count >= messages) {
        this.unansweredBytes -= bytes;
        count -= messages;
        at += 2;
      } else {
        const answered = Math.floor((bytes * count) / messages);
        this.unansweredBytes -= answered;
        inFlight[at] = messages - count;
        inFlight[at + 1] = bytes - answered;
        count = 0;
      }
    }
    if (at === inFlight.length) {
      inFlight.length = 0;
      at = 0;
    } else if (at > 1024 && at * 2 > inFlight.length) {
      this.inFlight = inFlight.slice(at);
      at = 0;
    }
    this.inFlightAt = at;
    this.noteBusy();
    if (this.unansweredBytes * 2 <= sharedWindow(this.maxUnansweredBytes)) this.windowShut = false;
    return wasFull && !this.windowFull();
  }

  /**
   * Joins or leaves the connections sharing the thread's window budget: busy while the window applies (a bound, the
   * peer answers, not stalled) and bytes are unanswered.
   */
  private noteBusy(): void {
    const busy =
      this.unansweredBytes > 0 &&
      this.peerAnswers &&
      !this.windowOff &&
      this.maxUnansweredBytes !== Number.POSITIVE_INFINITY;
    if (busy === this.countedBusy) return;
    this.countedBusy = busy;
    if (busy) joinBusy();
    else leaveBusy();
  }

  /** Write nothing more now: the peer answers, and the window is shut (see windowShut). */
  private windowFull(): boolean {
    return this.windowShut && this.peerAnswers && !this.windowOff;
  }

  /** Messages wait for a full window: no answer within UNANSWERED_STALL_MS turns the bound off for this socket. */
  private watchStall(): void {
    if (this.stallTimer !== undefined) return;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      if (!this.windowFull()) return;
      this.windowOff = true;
      this.noteBusy();
      this.flush();
    }, UNANSWERED_STALL_MS);
    this.stallTimer.unref();
  }

  private stopStallWatch(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }

  /** `count` consecutive responses with `status` (see ResponseReaderFactory). */
  private onResponses(status: number, count: number): void {
    this.stats.responses += count;
    this.stats.responsesByStatus.set(status, (this.stats.responsesByStatus.get(status) ?? 0) + count);
    if (status < 200 || status > 299) this.stats.rejections += count;
    // Counted before the callbacks run: one that closes the connection resets the window.
    const reopened = this.answeredInFlight(count);
    if (this.listenerCount('response') > 0) {
      // Each 'response' event comes before the settling of the message it answers, as one response at a time.
      for (let i = 0; i < count; i++) {
        this.emit('response', status);
        this.settleExpected(status, 1);
      }
    } else this.settleExpected(status, count);
    if (reopened) this.flush();
  }

  /**
   * The next `count` expected messages are answered with `status`: plain ones are counted off in bulk, awaited
   * ones get their callback. Responses beyond the expected ones are only counted.
   */
  private settleExpected(status: number, count: number): void {
    if (this.expectedCount === 0) return;
    while (count > 0 && this.expectedCount > 0) {
      const head = this.expected[this.expectedHead]!;
      if (typeof head === 'number') {
        const take = Math.min(head, count);
        this.expectedCount -= take;
        count -= take;
        if (head > take) this.expected[this.expectedHead] = head - take;
        else this.popExpected();
      } else {
        this.expectedCount--;
        count--;
        this.popExpected();
        head(undefined, { bytes: 0, status });
      }
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
    // No answer comes for what is in flight: the window starts afresh (and closed to nothing) on the next socket.
    this.inFlight = [];
    this.inFlightAt = 0;
    this.unansweredBytes = 0;
    this.peerAnswers = false;
    this.windowOff = false;
    this.windowShut = false;
    this.noteBusy();
    this.stopStallWatch();
    for (const entry of pending) if (typeof entry !== 'number') entry(error);
  }

  private rejectQueued(error: MesosWireError): void {
    const pending = this.queue.slice(this.queueHead);
    this.queue = [];
    this.queueHead = 0;
    this.queuedCount = 0;
    this.queuedBytes = 0;
    this.openRun = undefined;
    for (const run of pending) {
      if (run.slab !== undefined) releaseBatch(run.slab);
      if (run.parts !== undefined) this.keepParts(run.parts, 2 * run.messages);
      for (const note of run.notes ?? []) note.callback?.(error);
    }
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
