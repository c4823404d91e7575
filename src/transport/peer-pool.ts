import { EventEmitter } from 'node:events';
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
  private closing = false;

  constructor(options: PeerConnectionOptions = {}) {
    super();
    this.options = options;
  }

  /** The connection to `address`, created (idle) when missing. */
  connectionTo(address: PeerAddress): PeerConnection {
    const key = formatPeerAddress(address);
    let connection = this.connections.get(key);
    if (connection === undefined || connection.state === 'closed') {
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

  private onDisconnect(key: string, error: Error | undefined): void {
    const linked = this.links.get(key);
    if (linked === undefined || linked.size === 0) return;
    this.links.delete(key);
    for (const peer of linked) this.emit('exited', { peer, address: key, error } satisfies ExitedEvent);
  }
}
