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

// The numbers of a connection: one row of a Float64Array (index = slot * ROW + field).
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
const ROW = 22;

// Bits of a connection's flags byte.
const MIDSTREAM = 1;
const ENCRYPTED = 2;

/** Connections room is made for at first (grown by doubling). */
const INITIAL_SLOTS = 64;

/**
 * Accumulates flows; feed every event with `add`, read with `flows()` or `summaries()` (connection order).
 *
 * Why columns instead of one FlowSummary object per connection: a long capture has tens of thousands of
 * connections, and `flows`/`stats` keep every one until the end. As objects (a summary, two direction objects, two
 * timestamps) they took ~850 bytes each in the JavaScript heap, which V8 lets grow to ~1.5x what is live; a row of
 * numbers outside the heap plus the endpoint strings is about a third of that. Summaries are made on demand.
 */
export class FlowTable {
  /** Slot of each connection id. */
  private readonly slots = new Map<number, number>();
  private numbers = new Float64Array(INITIAL_SLOTS * ROW);
  /** Per slot: MIDSTREAM | ENCRYPTED. */
  private flags = new Uint8Array(INITIAL_SLOTS);
  /** Per slot: fraction digits of the first and last time (CaptureTimestamp.digits; -1 for UNKNOWN_TIME). */
  private firstDigits = new Int8Array(INITIAL_SLOTS);
  private lastDigits = new Int8Array(INITIAL_SLOTS);
  /** Per slot: 0 while open, else 1 + the close reason's index in `reasons`. */
  private closeReasons = new Uint8Array(INITIAL_SLOTS);
  private readonly reasons: string[] = [];
  private readonly clients: string[] = [];
  private readonly servers: string[] = [];
  /** Per slot: the flow text when it is not `client>server` (else undefined). */
  private readonly flowTexts: (string | undefined)[] = [];
  /** Per slot: anomalies by kind, once there is one. */
  private readonly anomalyCounts: (Partial<Record<DiagnosticKind, number>> | undefined)[] = [];
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
        this.closeReasons[slot] = this.reasonCode(event.reason);
        this.touch(slot, event.frame, event.time);
        const numbers = this.numbers;
        for (const [at, stats] of [
          [slot * ROW + CLIENT_TO_SERVER, event.clientToServer],
          [slot * ROW + SERVER_TO_CLIENT, event.serverToClient],
        ] as const) {
          numbers[at + BYTES] = stats.bytes;
          numbers[at + GAP_BYTES] = stats.gapBytes;
          numbers[at + RETRANSMISSIONS] = stats.retransmissions;
        }
        return;
      }
      case 'diagnostic': {
        const d = event.diagnostic;
        const connection = (d as { connection?: number }).connection;
        const slot = connection === undefined ? undefined : this.slots.get(connection);
        let counts = this.other;
        if (slot !== undefined) {
          counts = this.anomalyCounts[slot] ?? {};
          this.anomalyCounts[slot] = counts;
          if (d.kind === 'tls-encrypted') this.flags[slot] = this.flags[slot]! | ENCRYPTED;
        }
        counts[d.kind] = (counts[d.kind] ?? 0) + 1;
        return;
      }
      default: {
        if (event.connection === undefined) return;
        const slot = this.slots.get(event.connection);
        if (slot === undefined) return;
        this.touch(slot, event.frame, event.time);
        const at = slot * ROW + (event.direction === 'server-to-client' ? SERVER_TO_CLIENT : CLIENT_TO_SERVER);
        if (event.type === 'message') this.count(at + MESSAGES);
        else if (event.type === 'request') this.count(at + REQUESTS);
        else if (event.type === 'response') this.count(at + RESPONSES);
        else if (event.type === 'record') this.count(at + RECORDS);
        else if (event.type === 'error') this.count(slot * ROW + ERRORS);
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
      if (slot === this.flags.length) this.grow();
      this.slots.set(connection, slot);
      this.clients.push(client);
      this.servers.push(server);
      this.flowTexts.push(undefined);
      this.anomalyCounts.push(undefined);
    } else {
      // The same id opened again: a fresh summary in the old place (as Map.set keeps a key's place).
      this.clients[slot] = client;
      this.servers[slot] = server;
      this.anomalyCounts[slot] = undefined;
      this.numbers.fill(0, slot * ROW, slot * ROW + ROW);
      this.closeReasons[slot] = 0;
    }
    this.flowTexts[slot] = flow === `${client}>${server}` ? undefined : flow;
    this.flags[slot] = midstream ? MIDSTREAM : 0;
    const at = slot * ROW;
    this.numbers[at + CONNECTION] = connection;
    this.numbers[at + FIRST_FRAME] = frame;
    this.numbers[at + LAST_FRAME] = frame;
    this.setTime(slot, false, time);
    this.setTime(slot, true, time);
  }

  private count(index: number): void {
    this.numbers[index] = this.numbers[index]! + 1;
  }

  private touch(slot: number, frame: number | undefined, time: CaptureTimestamp | undefined): void {
    const at = slot * ROW + LAST_FRAME;
    if (frame !== undefined && frame > this.numbers[at]!) {
      this.numbers[at] = frame;
      if (time !== undefined) this.setTime(slot, true, time);
    }
  }

  private setTime(slot: number, last: boolean, time: CaptureTimestamp): void {
    const key = slot * 2 + (last ? 1 : 0);
    if (typeof time.seconds !== 'number' || time.fineFraction !== undefined || time.digits > 127) {
      this.oddTimes.set(key, time);
      return;
    }
    if (this.oddTimes.size > 0) this.oddTimes.delete(key);
    const at = slot * ROW + (last ? LAST_TIME : FIRST_TIME);
    this.numbers[at] = time.seconds;
    this.numbers[at + 1] = time.nanos;
    (last ? this.lastDigits : this.firstDigits)[slot] = time.digits;
  }

  private time(slot: number, last: boolean): CaptureTimestamp {
    const odd = this.oddTimes.size === 0 ? undefined : this.oddTimes.get(slot * 2 + (last ? 1 : 0));
    if (odd !== undefined) return odd;
    const digits = (last ? this.lastDigits : this.firstDigits)[slot]!;
    if (digits < 0) return UNKNOWN_TIME;
    const at = slot * ROW + (last ? LAST_TIME : FIRST_TIME);
    return new CaptureTimestamp(this.numbers[at]!, this.numbers[at + 1]!, digits);
  }

  private reasonCode(reason: string): number {
    let index = this.reasons.indexOf(reason);
    if (index < 0) index = this.reasons.push(reason) - 1;
    return index + 1;
  }

  private direction(at: number): FlowDirectionSummary {
    const n = this.numbers;
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
    const at = slot * ROW;
    const n = this.numbers;
    const client = this.clients[slot]!;
    const server = this.servers[slot]!;
    const reason = this.closeReasons[slot]!;
    return {
      connection: n[at + CONNECTION]!,
      flow: this.flowTexts[slot] ?? `${client}>${server}`,
      client,
      server,
      midstream: (this.flags[slot]! & MIDSTREAM) !== 0,
      encrypted: (this.flags[slot]! & ENCRYPTED) !== 0,
      firstFrame: n[at + FIRST_FRAME]!,
      firstTime: this.time(slot, false),
      lastFrame: n[at + LAST_FRAME]!,
      lastTime: this.time(slot, true),
      closeReason: reason === 0 ? null : this.reasons[reason - 1]!,
      clientToServer: this.direction(at + CLIENT_TO_SERVER),
      serverToClient: this.direction(at + SERVER_TO_CLIENT),
      anomalies: this.anomalyCounts[slot] ?? {},
      errors: n[at + ERRORS]!,
    };
  }

  /** Twice the room: the typed columns are copied (the plain arrays grow by themselves). */
  private grow(): void {
    const slots = this.flags.length * 2;
    const numbers = new Float64Array(slots * ROW);
    numbers.set(this.numbers);
    this.numbers = numbers;
    this.flags = grown(new Uint8Array(slots), this.flags);
    this.closeReasons = grown(new Uint8Array(slots), this.closeReasons);
    this.firstDigits = grown(new Int8Array(slots), this.firstDigits);
    this.lastDigits = grown(new Int8Array(slots), this.lastDigits);
  }
}

/** `larger` holding `column`'s values at its start. */
function grown<T extends Uint8Array | Int8Array>(larger: T, column: T): T {
  larger.set(column);
  return larger;
}
