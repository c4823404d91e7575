import { EventEmitter } from 'node:events';
import { mwError } from '../errors.ts';
import {
  type CloseReport,
  formatPeerAddress,
  type PeerAddress,
  PeerConnection,
  type PeerConnectionOptions,
} from './peer-connection.ts';

/** Emitted once per linked peer when the connection to its address closes or cannot be opened. */
export interface ExitedEvent {
  /** The linked peer, as given to `link()` (a UPID text). */
  readonly peer: string;
  /** The address whose connection was lost. */
  readonly address: string;
  readonly error: Error | undefined;
}

/** Options of a pool: those of its connections, and how many idle ones it keeps. */
export interface PeerPoolOptions extends PeerConnectionOptions {
  /**
   * Connections without a socket, queue or link kept for later use, at most (each holds its stats and buffers, a few
   * KB). Past this many, the oldest are dropped (state `closed`) when a new address is first used: a sender that
   * meets ever new addresses (frameworks on ephemeral ports) keeps bounded memory. Default 1024.
   */
  maxIdleConnections?: number;
}

/**
 * The outbound side of an endpoint, like libprocess's socket manager: one connection per peer ADDRESS, shared by
 * every local process that sends there, created on first use.
 *
 * Links: `link(peer, address)` opens (or reuses) the connection to the address now; when that connection closes or
 * fails to open, every peer linked at that address gets one `'exited'` event (`ExitedEvent`) and the links are
 * dropped, as libprocess does: link again to watch the new connection. Closing inbound sockets generates nothing.
 */
export class PeerPool extends EventEmitter {
  private readonly connections = new Map<string, PeerConnection>();
  private readonly links = new Map<string, Set<string>>();
  private readonly options: PeerConnectionOptions;
  private readonly maxIdle: number;
  /** The pool's size at which idle connections are next looked for (see dropIdle). */
  private sweepAt: number;
  private closing = false;

  constructor(options: PeerPoolOptions = {}) {
    super();
    const { maxIdleConnections = 1024, ...connectionOptions } = options;
    if (!(maxIdleConnections >= 0)) {
      throw mwError('MW_INVALID_ARGUMENT', `maxIdleConnections must be 0 or more, not ${maxIdleConnections}`);
    }
    this.options = connectionOptions;
    this.maxIdle = maxIdleConnections;
    this.sweepAt = maxIdleConnections + 1;
  }

  /** The connection to `address`, created (idle) when missing. */
  connectionTo(address: PeerAddress): PeerConnection {
    const key = formatPeerAddress(address);
    let connection = this.connections.get(key);
    if (connection === undefined || connection.state === 'closed') {
      if (connection === undefined && this.connections.size >= this.sweepAt) this.dropIdle();
      connection = new PeerConnection(address, this.options);
      connection.on('disconnect', (event: { error?: Error }) => this.onDisconnect(key, event.error));
      // Per-message errors reach the callers; the pool itself must not throw on an unhandled 'error'.
      this.connections.set(key, connection);
    }
    return connection;
  }

  /** The existing connections, by `host:port`. */
  get peers(): ReadonlyMap<string, PeerConnection> {
    return this.connections;
  }

  /** Watches `peer` (a UPID text) at `address`: connects now and reports `'exited'` when the connection goes. */
  link(peer: string, address: PeerAddress): void {
    if (this.closing) return;
    const connection = this.connectionTo(address);
    const key = connection.key;
    let linked = this.links.get(key);
    if (linked === undefined) this.links.set(key, (linked = new Set()));
    linked.add(peer);
    connection.persistent = true;
    connection.open();
  }

  /** Stops watching `peer`; its connection stays open. */
  unlink(peer: string, address: PeerAddress): void {
    this.links.get(formatPeerAddress(address))?.delete(peer);
  }

  /** Graceful close of every connection (see `PeerConnection.close`); totals of what was left undone. */
  async close(timeoutMs = 5000, options: { awaitAnswers?: boolean } = {}): Promise<CloseReport> {
    this.closing = true;
    this.links.clear();
    const reports = await Promise.all([...this.connections.values()].map((c) => c.close(timeoutMs, options)));
    this.connections.clear();
    return reports.reduce((a, b) => ({ unsent: a.unsent + b.unsent, unanswered: a.unanswered + b.unanswered }), {
      unsent: 0,
      unanswered: 0,
    });
  }

  /** Immediate close of every connection. */
  destroy(): void {
    this.closing = true;
    this.links.clear();
    for (const connection of this.connections.values()) connection.destroy();
    this.connections.clear();
  }

  /**
   * Drops the oldest idle connections (no socket, nothing queued or unanswered, no link) down to 3/4 of maxIdle. The
   * next sweep waits until the pool has grown by a quarter of maxIdle again, so a pool of many open connections is
   * not scanned on every new address.
   */
  private dropIdle(): void {
    let idle = 0;
    for (const connection of this.connections.values()) if (this.isIdle(connection)) idle++;
    for (const [key, connection] of this.connections) {
      if (idle <= this.maxIdle * 0.75) break;
      if (!this.isIdle(connection)) continue;
      this.connections.delete(key);
      // Nothing pending: destroying rejects nothing; holders of it see `closed` and ask the pool again.
      connection.destroy();
      idle--;
    }
    this.sweepAt = this.connections.size + Math.max(1, Math.floor(this.maxIdle / 4));
  }

  /**
   * No socket and nothing pending: a connection turns `idle` only with an empty queue and no answer awaited, and
   * links are gone by then (dropped on disconnect, as `persistent` is).
   */
  private isIdle(connection: PeerConnection): boolean {
    return connection.state === 'idle' || connection.state === 'closed';
  }

  private onDisconnect(key: string, error: Error | undefined): void {
    const linked = this.links.get(key);
    if (linked === undefined || linked.size === 0) return;
    this.links.delete(key);
    for (const peer of linked) this.emit('exited', { peer, address: key, error } satisfies ExitedEvent);
  }
}
