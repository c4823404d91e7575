/**
 * Connections of a capture, accumulated from `DecodedEvent`s: endpoints, when they were seen, bytes and items per
 * direction, how they ended, and the anomalies reported on them. Pure: nothing here reads bytes or does I/O.
 */
import type { DiagnosticKind } from '../diagnostics.ts';
import { CaptureTimestamp, UNKNOWN_TIME } from '../pcap/timestamp.ts';
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

// The numbers of a connection: one row of a Float64Array block (index = (slot % BLOCK_SLOTS) * ROW + field).
const CONNECTION = 0;
const FIRST_FRAME = 1;
const LAST_FRAME = 2;
/** A time takes two fields: whole seconds, then nanoseconds. */
const FIRST_TIME = 3;
const LAST_TIME = 5;
const ERRORS = 7;
/** Where each direction's seven counts start (FlowDirectionSummary's order: bytes, messages, ..., retransmissions). */
const CLIENT_TO_SERVER = 8;
const SERVER_TO_CLIENT = 15;
const BYTES = 0;
const MESSAGES = 1;
const REQUESTS = 2;
const RESPONSES = 3;
const RECORDS = 4;
const GAP_BYTES = 5;
const RETRANSMISSIONS = 6;
/** An endpoint takes two fields: its host's index in `hosts` (-1: kept whole in `oddEndpoints`), then its port. */
const CLIENT = 22;
const SERVER = 24;
/** 0, or 1 + the index of the connection's anomaly counts in `anomalySets`. */
const ANOMALIES = 26;
/** MIDSTREAM | ENCRYPTED. */
const FLAGS = 27;
/** 0 while open, else 1 + the close reason's index in `reasons`. */
const CLOSE_REASON = 28;
/** Fraction digits of the first and last time (CaptureTimestamp.digits; -1 for UNKNOWN_TIME). */
const FIRST_DIGITS = 29;
const LAST_DIGITS = 30;
const ROW = 31;

// Bits of a connection's flags.
const MIDSTREAM = 1;
const ENCRYPTED = 2;

/** Connections per block of rows (a power of two): the table grows a block at a time, never by copying. */
const BLOCK_BITS = 8;
const BLOCK_SLOTS = 1 << BLOCK_BITS;

/**
 * Accumulates flows; feed every event with `add`, read with `flows()` or `summaries()` (connection order).
 *
 * Why rows of numbers instead of one FlowSummary object per connection: a long capture has tens of thousands of
 * connections, and `flows`/`stats` keep every one until the end. As objects (a summary, two direction objects, two
 * timestamps, two endpoint strings, an anomaly object) they took ~850 bytes each in the JavaScript heap, which V8
 * lets grow to ~1.5x what is live. A row is 248 bytes outside the heap: endpoints are a shared host string plus a
 * port, anomaly counts are shared by every connection with the same counts, and rows come in fixed blocks (growing
 * one array by doubling held the old and the new copy at once). Summaries are made on demand.
 */
export class FlowTable {
  /** Slot of each connection id. */
  private readonly slots = new Map<number, number>();
  private readonly blocks: Float64Array[] = [];
  private readonly reasons: string[] = [];
  /** Endpoint hosts (`10.0.0.1`, `[::1]`), each once. */
  private readonly hosts: string[] = [];
  private readonly hostIndex = new Map<string, number>();
  /** Endpoints that are not `host:port` with a plain decimal port, by `slot * 2` (+1 for the server). */
  private readonly oddEndpoints = new Map<number, string>();
  /** Per slot: the flow text when it is not `client>server`. */
  private readonly oddFlows = new Map<number, string>();
  /** Distinct anomaly counts (never changed once made: a connection moves to another set), and their keys. */
  private readonly anomalySets: Partial<Record<DiagnosticKind, number>>[] = [];
  private readonly anomalySetIndex = new Map<string, number>();
  /** Times that do not fit the numbers (bigint seconds, sub-nanosecond digits), by `slot * 2` (+1 for the last). */
  private readonly oddTimes = new Map<number, CaptureTimestamp>();
  /** Diagnostics not tied to a connection (fragments, undecodable packets, link types), by kind. */
  readonly other: Partial<Record<DiagnosticKind, number>> = {};

  /** Connections seen. */
  get size(): number {
    return this.slots.size;
  }

  add(event: DecodedEvent): void {
    switch (event.type) {
      case 'open':
        this.open(event.connection, event.flow, event.client, event.server, event.midstream, event.frame, event.time);
        return;
      case 'close': {
        const slot = this.slots.get(event.connection);
        if (slot === undefined) return;
        const numbers = this.blockOf(slot);
        const at = rowOf(slot);
        numbers[at + CLOSE_REASON] = this.reasonCode(event.reason);
        this.touch(slot, event.frame, event.time);
        this.closeStats(numbers, at + CLIENT_TO_SERVER, event.clientToServer);
        this.closeStats(numbers, at + SERVER_TO_CLIENT, event.serverToClient);
        return;
      }
      case 'diagnostic': {
        const d = event.diagnostic;
        const connection = (d as { connection?: number }).connection;
        const slot = connection === undefined ? undefined : this.slots.get(connection);
        if (slot === undefined) {
          this.other[d.kind] = (this.other[d.kind] ?? 0) + 1;
          return;
        }
        const numbers = this.blockOf(slot);
        const at = rowOf(slot);
        if (d.kind === 'tls-encrypted') numbers[at + FLAGS] = numbers[at + FLAGS]! | ENCRYPTED;
        numbers[at + ANOMALIES] = this.anomaliesWithOneMore(numbers[at + ANOMALIES]!, d.kind);
        return;
      }
      default: {
        if (event.connection === undefined) return;
        const slot = this.slots.get(event.connection);
        if (slot === undefined) return;
        this.touch(slot, event.frame, event.time);
        const numbers = this.blockOf(slot);
        const row = rowOf(slot);
        const at = row + (event.direction === 'server-to-client' ? SERVER_TO_CLIENT : CLIENT_TO_SERVER);
        if (event.type === 'message') numbers[at + MESSAGES]!++;
        else if (event.type === 'request') numbers[at + REQUESTS]!++;
        else if (event.type === 'response') numbers[at + RESPONSES]!++;
        else if (event.type === 'record') numbers[at + RECORDS]!++;
        else if (event.type === 'error') numbers[row + ERRORS]!++;
      }
    }
  }

  /** Every connection seen, in the order they opened. */
  flows(): FlowSummary[] {
    return [...this.summaries()];
  }

  /** The same summaries as `flows()`, made one at a time (a caller printing them need not hold them all). */
  *summaries(): Generator<FlowSummary> {
    for (const slot of this.slots.values()) yield this.summary(slot);
  }

  private open(
    connection: number,
    flow: string,
    client: string,
    server: string,
    midstream: boolean,
    frame: number,
    time: CaptureTimestamp,
  ): void {
    let slot = this.slots.get(connection);
    if (slot === undefined) {
      slot = this.slots.size;
      if (slot >>> BLOCK_BITS === this.blocks.length) this.blocks.push(new Float64Array(BLOCK_SLOTS * ROW));
      this.slots.set(connection, slot);
    }
    // The same id opened again: a fresh summary in the old place (as Map.set keeps a key's place).
    const numbers = this.blockOf(slot);
    const at = rowOf(slot);
    numbers.fill(0, at, at + ROW);
    this.setEndpoint(slot, false, client);
    this.setEndpoint(slot, true, server);
    if (flow === `${client}>${server}`) this.oddFlows.delete(slot);
    else this.oddFlows.set(slot, flow);
    numbers[at + FLAGS] = midstream ? MIDSTREAM : 0;
    numbers[at + CONNECTION] = connection;
    numbers[at + FIRST_FRAME] = frame;
    numbers[at + LAST_FRAME] = frame;
    this.setTime(slot, false, time);
    this.setTime(slot, true, time);
  }

  private blockOf(slot: number): Float64Array {
    return this.blocks[slot >>> BLOCK_BITS]!;
  }

  private closeStats(
    numbers: Float64Array,
    at: number,
    stats: Extract<DecodedEvent, { type: 'close' }>['clientToServer'],
  ) {
    numbers[at + BYTES] = stats.bytes;
    numbers[at + GAP_BYTES] = stats.gapBytes;
    numbers[at + RETRANSMISSIONS] = stats.retransmissions;
  }

  /** The anomaly set (0 or 1 + index) that has one more `kind` than `current`; made when first needed. */
  private anomaliesWithOneMore(current: number, kind: DiagnosticKind): number {
    // Spread keeps the kinds in the order they were first seen, as counting in one object per connection did.
    const counts: Partial<Record<DiagnosticKind, number>> = current === 0 ? {} : { ...this.anomalySets[current - 1] };
    counts[kind] = (counts[kind] ?? 0) + 1;
    let key = '';
    for (const k in counts) key += `${k}=${counts[k as DiagnosticKind]} `;
    let index = this.anomalySetIndex.get(key);
    if (index === undefined) {
      index = this.anomalySets.push(counts) - 1;
      this.anomalySetIndex.set(key, index);
    }
    return index + 1;
  }

  /** Keeps `host:port` as the host's index and the port; anything else whole. */
  private setEndpoint(slot: number, server: boolean, text: string): void {
    const numbers = this.blockOf(slot);
    const at = rowOf(slot) + (server ? SERVER : CLIENT);
    const key = slot * 2 + (server ? 1 : 0);
    const colon = text.lastIndexOf(':');
    const portText = text.slice(colon + 1);
    const port = Number(portText);
    if (colon > 0 && String(port) === portText && Number.isInteger(port) && port >= 0) {
      const host = text.slice(0, colon);
      let index = this.hostIndex.get(host);
      if (index === undefined) {
        index = this.hosts.push(host) - 1;
        this.hostIndex.set(host, index);
      }
      numbers[at] = index;
      numbers[at + 1] = port;
      if (this.oddEndpoints.size > 0) this.oddEndpoints.delete(key);
      return;
    }
    numbers[at] = -1;
    this.oddEndpoints.set(key, text);
  }

  private endpoint(slot: number, server: boolean): string {
    const numbers = this.blockOf(slot);
    const at = rowOf(slot) + (server ? SERVER : CLIENT);
    const host = numbers[at]!;
    if (host < 0) return this.oddEndpoints.get(slot * 2 + (server ? 1 : 0))!;
    return `${this.hosts[host]}:${numbers[at + 1]}`;
  }

  private touch(slot: number, frame: number | undefined, time: CaptureTimestamp | undefined): void {
    const numbers = this.blockOf(slot);
    const at = rowOf(slot) + LAST_FRAME;
    if (frame !== undefined && frame > numbers[at]!) {
      numbers[at] = frame;
      if (time !== undefined) this.setTime(slot, true, time);
    }
  }

  private setTime(slot: number, last: boolean, time: CaptureTimestamp): void {
    const key = slot * 2 + (last ? 1 : 0);
    const numbers = this.blockOf(slot);
    const row = rowOf(slot);
    if (typeof time.seconds !== 'number' || time.fineFraction !== undefined || time.digits > 127) {
      this.oddTimes.set(key, time);
      return;
    }
    if (this.oddTimes.size > 0) this.oddTimes.delete(key);
    const at = row + (last ? LAST_TIME : FIRST_TIME);
    numbers[at] = time.seconds;
    numbers[at + 1] = time.nanos;
    numbers[row + (last ? LAST_DIGITS : FIRST_DIGITS)] = time.digits;
  }

  private time(slot: number, last: boolean): CaptureTimestamp {
    const odd = this.oddTimes.size === 0 ? undefined : this.oddTimes.get(slot * 2 + (last ? 1 : 0));
    if (odd !== undefined) return odd;
    const numbers = this.blockOf(slot);
    const row = rowOf(slot);
    const digits = numbers[row + (last ? LAST_DIGITS : FIRST_DIGITS)]!;
    if (digits < 0) return UNKNOWN_TIME;
    const at = row + (last ? LAST_TIME : FIRST_TIME);
    return new CaptureTimestamp(numbers[at]!, numbers[at + 1]!, digits);
  }

  private reasonCode(reason: string): number {
    let index = this.reasons.indexOf(reason);
    if (index < 0) index = this.reasons.push(reason) - 1;
    return index + 1;
  }

  private direction(n: Float64Array, at: number): FlowDirectionSummary {
    return {
      bytes: n[at + BYTES]!,
      messages: n[at + MESSAGES]!,
      requests: n[at + REQUESTS]!,
      responses: n[at + RESPONSES]!,
      records: n[at + RECORDS]!,
      gapBytes: n[at + GAP_BYTES]!,
      retransmissions: n[at + RETRANSMISSIONS]!,
    };
  }

  private summary(slot: number): FlowSummary {
    const n = this.blockOf(slot);
    const at = rowOf(slot);
    const client = this.endpoint(slot, false);
    const server = this.endpoint(slot, true);
    const reason = n[at + CLOSE_REASON]!;
    const flags = n[at + FLAGS]!;
    const anomalies = n[at + ANOMALIES]!;
    return {
      connection: n[at + CONNECTION]!,
      flow: this.oddFlows.get(slot) ?? `${client}>${server}`,
      client,
      server,
      midstream: (flags & MIDSTREAM) !== 0,
      encrypted: (flags & ENCRYPTED) !== 0,
      firstFrame: n[at + FIRST_FRAME]!,
      firstTime: this.time(slot, false),
      lastFrame: n[at + LAST_FRAME]!,
      lastTime: this.time(slot, true),
      closeReason: reason === 0 ? null : this.reasons[reason - 1]!,
      clientToServer: this.direction(n, at + CLIENT_TO_SERVER),
      serverToClient: this.direction(n, at + SERVER_TO_CLIENT),
      // A copy: the counts are shared with every connection that has the same.
      anomalies: anomalies === 0 ? {} : { ...this.anomalySets[anomalies - 1] },
      errors: n[at + ERRORS]!,
    };
  }
}

/** Where a slot's row starts in its block. */
function rowOf(slot: number): number {
  return (slot & (BLOCK_SLOTS - 1)) * ROW;
}
