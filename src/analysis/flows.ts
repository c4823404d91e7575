/**
 * Connections of a capture, accumulated from `DecodedEvent`s: endpoints, when they were seen, bytes and items per
 * direction, how they ended, and the anomalies reported on them. Pure: nothing here reads bytes or does I/O (the rows
 * of closed connections go to a `FlowRowStore`, which a caller may back with a file).
 */
import { DIAGNOSTIC_INFO, type DiagnosticKind } from '../diagnostics.ts';
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

// The numbers of a connection: one row of FLOW_ROW_FIELDS numbers (index = start of the row + field).
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
/** MIDSTREAM | ENCRYPTED. */
const FLAGS = 26;
/** 0 while open, else 1 + the close reason's index in `reasons`. */
const CLOSE_REASON = 27;
/** Fraction digits of the first and last time (CaptureTimestamp.digits; -1 for UNKNOWN_TIME). */
const FIRST_DIGITS = 28;
const LAST_DIGITS = 29;
/** How many distinct anomaly kinds the connection has. */
const ANOMALY_KINDS = 30;
/**
 * The anomaly kinds in the order first seen (output lists them so): 1 + the kind's index in KINDS, ORDER_BITS each,
 * ORDER_PER_FIELD kinds per field (a double holds integers below 2^53 exactly).
 */
const ANOMALY_ORDER = 31;
/** Every diagnostic kind: a connection's counts are one field per kind, so they take no memory per count. */
const KINDS = Object.keys(DIAGNOSTIC_INFO) as DiagnosticKind[];
const KIND_INDEX = new Map<string, number>(KINDS.map((kind, index) => [kind, index]));
const ORDER_BITS = Math.ceil(Math.log2(KINDS.length + 1));
const ORDER_PER_FIELD = Math.floor(52 / ORDER_BITS);
const ORDER_RADIX = 2 ** ORDER_BITS;
const ORDER_FIELDS = Math.ceil(KINDS.length / ORDER_PER_FIELD);
/** One count per kind of KINDS, in KINDS order. */
const ANOMALY_COUNTS = ANOMALY_ORDER + ORDER_FIELDS;
const ROW = ANOMALY_COUNTS + KINDS.length;

/** Numbers in one connection's row (what a FlowRowStore keeps per slot; 8 bytes each as a Float64Array). */
export const FLOW_ROW_FIELDS: number = ROW;

// Bits of a connection's flags.
const MIDSTREAM = 1;
const ENCRYPTED = 2;

/** Rows per block of memory (a power of two): rows grow a block at a time, never by copying. */
const BLOCK_BITS = 8;
const BLOCK_SLOTS = 1 << BLOCK_BITS;

/** Rows read from the store at a time by `summaries()`. */
const READ_SLOTS = 512;

/**
 * Where a FlowTable keeps the rows of closed connections: FLOW_ROW_FIELDS numbers per slot, slots numbered from 0 in
 * the order the connections first opened. A slot's row may be put again (an anomaly reported after the close, or the
 * same connection id opened and closed again); the last put wins.
 */
export interface FlowRowStore {
  /** Keeps a copy of `row` (its first FLOW_ROW_FIELDS numbers) as the row of `slot`. */
  put(slot: number, row: Float64Array): void;
  /** Copies the rows of slots `first` .. `first + count - 1` into `into` from index 0; a slot never put reads as 0s. */
  read(first: number, count: number, into: Float64Array): void;
}

/** Keeps the rows in memory, in blocks of 256: the store of a FlowTable given none. */
export class MemoryFlowRowStore implements FlowRowStore {
  private readonly blocks: (Float64Array | undefined)[] = [];

  put(slot: number, row: Float64Array): void {
    let block = this.blocks[slot >>> BLOCK_BITS];
    if (block === undefined) {
      block = new Float64Array(BLOCK_SLOTS * ROW);
      this.blocks[slot >>> BLOCK_BITS] = block;
    }
    block.set(row.subarray(0, ROW), rowOf(slot));
  }

  read(first: number, count: number, into: Float64Array): void {
    let done = 0;
    while (done < count) {
      const slot = first + done;
      const block = this.blocks[slot >>> BLOCK_BITS];
      const rows = Math.min(count - done, BLOCK_SLOTS - (slot & (BLOCK_SLOTS - 1)));
      if (block === undefined) into.fill(0, done * ROW, (done + rows) * ROW);
      else into.set(block.subarray(rowOf(slot), rowOf(slot) + rows * ROW), done * ROW);
      done += rows;
    }
  }
}

/** Options of a FlowTable. */
export interface FlowTableOptions {
  /** Where the rows of closed connections go; a MemoryFlowRowStore when absent. */
  store?: FlowRowStore;
}

/**
 * Accumulates flows; feed every event with `add`, read with `flows()` or `summaries()` (connection order).
 *
 * Memory stays bounded by the connections open at once, not by the capture: a connection is a row of numbers
 * (endpoints as a shared host and a port, one count per anomaly kind), kept in memory while it is open and given to
 * the row store when it closes. Its slot in the store is its place in open order: the pipeline's connection ids are
 * dense and increasing (1, 2, 3 ...), so slot = id - first id and no lookup table grows with the capture. Ids that
 * are not (a table fed by hand) fall back to a map of id to slot. Summaries are made on demand.
 */
export class FlowTable {
  private readonly store: FlowRowStore;
  /** Id of slot 0 while every id opened was the one after the last (slot = id - firstId). */
  private firstId = 0;
  /** Once an id broke that: the slot of every id. */
  private slotOfId: Map<number, number> | undefined;
  private slotCount = 0;
  /** The open connections: the place of each one's row in `openBlocks`, by slot. */
  private readonly placeOf = new Map<number, number>();
  private readonly openBlocks: Float64Array[] = [];
  private readonly freePlaces: number[] = [];
  /** A closed connection's row, read back from the store to count an event that came after its close. */
  private readonly closedRow = new Float64Array(ROW);
  private readonly reasons: string[] = [];
  /** Endpoint hosts (`10.0.0.1`, `[::1]`), each once. */
  private readonly hosts: string[] = [];
  private readonly hostIndex = new Map<string, number>();
  /** Endpoints that are not `host:port` with a plain decimal port, by `slot * 2` (+1 for the server). */
  private readonly oddEndpoints = new Map<number, string>();
  /** Per slot: the flow text when it is not `client>server`. */
  private readonly oddFlows = new Map<number, string>();
  /** Times that do not fit the numbers (bigint seconds, sub-nanosecond digits), by `slot * 2` (+1 for the last). */
  private readonly oddTimes = new Map<number, CaptureTimestamp>();
  /** Per slot: counts of kinds missing from DIAGNOSTIC_INFO (none come from the pipeline; listed after the others). */
  private readonly oddAnomalies = new Map<number, Record<string, number>>();
  /** Diagnostics not tied to a connection (fragments, undecodable packets, link types), by kind. */
  readonly other: Partial<Record<DiagnosticKind, number>> = {};

  constructor(options: FlowTableOptions = {}) {
    this.store = options.store ?? new MemoryFlowRowStore();
  }

  /** Connections seen. */
  get size(): number {
    return this.slotCount;
  }

  /** Counts one event (events of connection ids never opened count only as `other` diagnostics). */
  add(event: DecodedEvent): void {
    if (event.type === 'open') {
      this.open(event.connection, event.flow, event.client, event.server, event.midstream, event.frame, event.time);
      return;
    }
    const connection =
      event.type === 'diagnostic' ? (event.diagnostic as { connection?: number }).connection : event.connection;
    const slot = connection === undefined ? undefined : this.slotOf(connection);
    if (slot === undefined) {
      if (event.type === 'diagnostic') {
        const kind = event.diagnostic.kind;
        this.other[kind] = (this.other[kind] ?? 0) + 1;
      }
      return;
    }
    const place = this.placeOf.get(slot);
    let numbers: Float64Array = this.closedRow;
    let at = 0;
    if (place === undefined) this.store.read(slot, 1, numbers);
    else {
      numbers = this.openBlocks[place >>> BLOCK_BITS]!;
      at = rowOf(place);
    }
    switch (event.type) {
      case 'close':
        numbers[at + CLOSE_REASON] = this.reasonCode(event.reason);
        this.touch(numbers, at, slot, event.frame, event.time);
        closeStats(numbers, at + CLIENT_TO_SERVER, event.clientToServer);
        closeStats(numbers, at + SERVER_TO_CLIENT, event.serverToClient);
        break;
      case 'diagnostic': {
        const kind = event.diagnostic.kind;
        if (kind === 'tls-encrypted') numbers[at + FLAGS] = numbers[at + FLAGS]! | ENCRYPTED;
        this.countAnomaly(numbers, at, slot, kind);
        break;
      }
      default: {
        this.touch(numbers, at, slot, event.frame, event.time);
        const counts = at + (event.direction === 'server-to-client' ? SERVER_TO_CLIENT : CLIENT_TO_SERVER);
        if (event.type === 'message') numbers[counts + MESSAGES]!++;
        else if (event.type === 'request') numbers[counts + REQUESTS]!++;
        else if (event.type === 'response') numbers[counts + RESPONSES]!++;
        else if (event.type === 'record') numbers[counts + RECORDS]!++;
        else if (event.type === 'error') numbers[at + ERRORS]!++;
      }
    }
    if (place === undefined) this.store.put(slot, numbers);
    else if (event.type === 'close') {
      // Closed: its row leaves memory for the store (an event about it later reads it back).
      this.store.put(slot, numbers.subarray(at, at + ROW));
      this.placeOf.delete(slot);
      this.freePlaces.push(place);
    }
  }

  /** Every connection seen, in the order they opened. */
  flows(): FlowSummary[] {
    return [...this.summaries()];
  }

  /**
   * The same summaries as `flows()`, made one at a time (a caller printing them need not hold them all). Closed
   * connections' rows are read from the store READ_SLOTS at a time: events added while iterating may not show.
   */
  *summaries(): Generator<FlowSummary> {
    const chunk = new Float64Array(Math.min(READ_SLOTS, Math.max(this.slotCount, 1)) * ROW);
    for (let first = 0; first < this.slotCount; first += READ_SLOTS) {
      const count = Math.min(READ_SLOTS, this.slotCount - first);
      this.store.read(first, count, chunk);
      for (let i = 0; i < count; i++) {
        const slot = first + i;
        const place = this.placeOf.get(slot);
        if (place === undefined) yield this.summary(slot, chunk, i * ROW);
        else yield this.summary(slot, this.openBlocks[place >>> BLOCK_BITS]!, rowOf(place));
      }
    }
  }

  /** The slot of a connection id seen before. */
  private slotOf(connection: number): number | undefined {
    if (this.slotOfId !== undefined) return this.slotOfId.get(connection);
    const slot = connection - this.firstId;
    return slot >= 0 && slot < this.slotCount && Number.isInteger(slot) ? slot : undefined;
  }

  /** A slot for an id not seen before: the next one. */
  private newSlot(connection: number): number {
    const slot = this.slotCount++;
    if (this.slotOfId === undefined) {
      if (slot === 0 && Number.isSafeInteger(connection)) this.firstId = connection;
      else if (connection !== this.firstId + slot || !Number.isSafeInteger(connection)) {
        this.slotOfId = new Map();
        for (let s = 0; s < slot; s++) this.slotOfId.set(this.firstId + s, s);
      }
    }
    this.slotOfId?.set(connection, slot);
    return slot;
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
    // The same id opened again: a fresh summary in the old place (as Map.set keeps a key's place).
    const slot = this.slotOf(connection) ?? this.newSlot(connection);
    let place = this.placeOf.get(slot);
    if (place === undefined) {
      if (this.freePlaces.length === 0) this.addOpenBlock();
      place = this.freePlaces.pop()!;
      this.placeOf.set(slot, place);
    }
    const numbers = this.openBlocks[place >>> BLOCK_BITS]!;
    const at = rowOf(place);
    numbers.fill(0, at, at + ROW);
    this.setEndpoint(numbers, at, slot, false, client);
    this.setEndpoint(numbers, at, slot, true, server);
    if (flow !== `${client}>${server}`) this.oddFlows.set(slot, flow);
    else if (this.oddFlows.size > 0) this.oddFlows.delete(slot);
    if (this.oddAnomalies.size > 0) this.oddAnomalies.delete(slot);
    numbers[at + FLAGS] = midstream ? MIDSTREAM : 0;
    numbers[at + CONNECTION] = connection;
    numbers[at + FIRST_FRAME] = frame;
    numbers[at + LAST_FRAME] = frame;
    this.setTime(numbers, at, slot, false, time);
    this.setTime(numbers, at, slot, true, time);
  }

  /** Room for BLOCK_SLOTS more open connections (never given back: bounded by the most open at once). */
  private addOpenBlock(): void {
    const first = this.openBlocks.push(new Float64Array(BLOCK_SLOTS * ROW)) * BLOCK_SLOTS - 1;
    // Highest first: pop() hands out the lowest place.
    for (let place = first; place > first - BLOCK_SLOTS; place--) this.freePlaces.push(place);
  }

  private countAnomaly(numbers: Float64Array, at: number, slot: number, kind: string): void {
    const index = KIND_INDEX.get(kind);
    if (index === undefined) {
      let counts = this.oddAnomalies.get(slot);
      if (counts === undefined) this.oddAnomalies.set(slot, (counts = {}));
      counts[kind] = (counts[kind] ?? 0) + 1;
      return;
    }
    const count = at + ANOMALY_COUNTS + index;
    if (numbers[count] === 0) {
      const seen = numbers[at + ANOMALY_KINDS]!;
      numbers[at + ANOMALY_ORDER + Math.floor(seen / ORDER_PER_FIELD)]! +=
        (index + 1) * ORDER_RADIX ** (seen % ORDER_PER_FIELD);
      numbers[at + ANOMALY_KINDS] = seen + 1;
    }
    numbers[count]!++;
  }

  /** The anomaly counts of a row, kinds in the order first seen. */
  private anomalies(numbers: Float64Array, at: number, slot: number): Partial<Record<DiagnosticKind, number>> {
    const counts: Record<string, number> = {};
    const seen = numbers[at + ANOMALY_KINDS]!;
    for (let i = 0; i < seen; i++) {
      const order = numbers[at + ANOMALY_ORDER + Math.floor(i / ORDER_PER_FIELD)]!;
      const index = (Math.floor(order / ORDER_RADIX ** (i % ORDER_PER_FIELD)) % ORDER_RADIX) - 1;
      counts[KINDS[index]!] = numbers[at + ANOMALY_COUNTS + index]!;
    }
    const odd = this.oddAnomalies.size === 0 ? undefined : this.oddAnomalies.get(slot);
    if (odd !== undefined) Object.assign(counts, odd);
    return counts;
  }

  /** Keeps `host:port` as the host's index and the port; anything else whole. */
  private setEndpoint(numbers: Float64Array, row: number, slot: number, server: boolean, text: string): void {
    const at = row + (server ? SERVER : CLIENT);
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

  private endpoint(numbers: Float64Array, row: number, slot: number, server: boolean): string {
    const at = row + (server ? SERVER : CLIENT);
    const host = numbers[at]!;
    if (host < 0) return this.oddEndpoints.get(slot * 2 + (server ? 1 : 0))!;
    return `${this.hosts[host]}:${numbers[at + 1]}`;
  }

  private touch(
    numbers: Float64Array,
    row: number,
    slot: number,
    frame: number | undefined,
    time: CaptureTimestamp | undefined,
  ): void {
    if (frame !== undefined && frame > numbers[row + LAST_FRAME]!) {
      numbers[row + LAST_FRAME] = frame;
      if (time !== undefined) this.setTime(numbers, row, slot, true, time);
    }
  }

  private setTime(numbers: Float64Array, row: number, slot: number, last: boolean, time: CaptureTimestamp): void {
    const key = slot * 2 + (last ? 1 : 0);
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

  private time(numbers: Float64Array, row: number, slot: number, last: boolean): CaptureTimestamp {
    const odd = this.oddTimes.size === 0 ? undefined : this.oddTimes.get(slot * 2 + (last ? 1 : 0));
    if (odd !== undefined) return odd;
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

  private summary(slot: number, n: Float64Array, at: number): FlowSummary {
    const client = this.endpoint(n, at, slot, false);
    const server = this.endpoint(n, at, slot, true);
    const reason = n[at + CLOSE_REASON]!;
    const flags = n[at + FLAGS]!;
    return {
      connection: n[at + CONNECTION]!,
      flow: (this.oddFlows.size === 0 ? undefined : this.oddFlows.get(slot)) ?? `${client}>${server}`,
      client,
      server,
      midstream: (flags & MIDSTREAM) !== 0,
      encrypted: (flags & ENCRYPTED) !== 0,
      firstFrame: n[at + FIRST_FRAME]!,
      firstTime: this.time(n, at, slot, false),
      lastFrame: n[at + LAST_FRAME]!,
      lastTime: this.time(n, at, slot, true),
      closeReason: reason === 0 ? null : this.reasons[reason - 1]!,
      clientToServer: direction(n, at + CLIENT_TO_SERVER),
      serverToClient: direction(n, at + SERVER_TO_CLIENT),
      anomalies: this.anomalies(n, at, slot),
      errors: n[at + ERRORS]!,
    };
  }
}

/** Where a slot's (or an open place's) row starts in its block. */
function rowOf(slot: number): number {
  return (slot & (BLOCK_SLOTS - 1)) * ROW;
}

function closeStats(
  numbers: Float64Array,
  at: number,
  stats: Extract<DecodedEvent, { type: 'close' }>['clientToServer'],
): void {
  numbers[at + BYTES] = stats.bytes;
  numbers[at + GAP_BYTES] = stats.gapBytes;
  numbers[at + RETRANSMISSIONS] = stats.retransmissions;
}

function direction(n: Float64Array, at: number): FlowDirectionSummary {
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
