/**
 * Traffic statistics: a pure accumulator over decoded items (raw streams today, captures later). Callers report each
 * decoded item once; nothing here reads bytes or does I/O.
 *
 * - libprocess messages by wire name: count, body bytes, wire bytes (whole HTTP request), bodies that did not decode
 *   with their type;
 * - other requests by method and path;
 * - responses by status (a streamed response's bytes are added when its stream ends);
 * - RecordIO records by type and event type (`mesos.v1.scheduler.Event HEARTBEAT`): count, data bytes, wire bytes
 *   (length line included);
 * - errors by code.
 */

/** Counters of one row. */
export interface StatsRow {
  count: number;
  /** Body (or record data) bytes. */
  bodyBytes: number;
  /** Bytes on the wire: the whole HTTP message, or a record with its length line. */
  wireBytes: number;
  /** Items whose body did not decode with its type. */
  undecodable: number;
}

/** A message row: the wire name and the type its body decoded as. */
export interface MessageStatsRow extends StatsRow {
  name: string;
  typeName: string | null;
}

/** Everything counted, as plain data (`--format json`), rows sorted by count (descending) then key. */
export interface StatsSummary {
  messages: MessageStatsRow[];
  requests: (StatsRow & { request: string })[];
  responses: (StatsRow & { status: number })[];
  records: (StatsRow & { type: string })[];
  errors: { code: string; count: number }[];
  totals: {
    items: number;
    messages: number;
    requests: number;
    responses: number;
    records: number;
    errors: number;
    /** Sum of wire bytes of every item counted. */
    wireBytes: number;
  };
}

/**
 * Rows per table of names and of requests: a capture can name any number of them (a path with a query string per
 * request), and memory must not grow with the file. Items under names first seen beyond go to one OTHER_KEYS row.
 */
export const MAX_KEYS = 10_000;
/** The row of the names and requests beyond MAX_KEYS (no wire name or request has this form). */
export const OTHER_KEYS = '(other)';

function emptyRow(): StatsRow {
  return { count: 0, bodyBytes: 0, wireBytes: 0, undecodable: 0 };
}

function bump(row: StatsRow, bodyBytes: number, wireBytes: number, decoded: boolean): void {
  row.count++;
  row.bodyBytes += bodyBytes;
  row.wireBytes += wireBytes;
  if (!decoded) row.undecodable++;
}

function sortedRows<K, R extends { count: number }>(map: Map<K, R>, key: (k: K) => string, make: (k: K, r: R) => R) {
  return [...map.entries()]
    .sort((a, b) => b[1].count - a[1].count || (key(a[0]) < key(b[0]) ? -1 : key(a[0]) > key(b[0]) ? 1 : 0))
    .map(([k, r]) => make(k, r));
}

/** Accumulates counts and bytes of decoded traffic. */
export class TrafficStats {
  private readonly messages = new Map<string, StatsRow & { typeName: string | null }>();
  private readonly requests = new Map<string, StatsRow>();
  private readonly responses = new Map<number, StatsRow>();
  private readonly records = new Map<string, StatsRow>();
  private readonly errors = new Map<string, number>();
  private totalWireBytes = 0;

  /** A libprocess message: its wire name, the type its body decoded as (null: none), sizes, and whether it decoded. */
  addMessage(name: string, typeName: string | null, bodyBytes: number, wireBytes: number, decoded: boolean): void {
    let row = this.messages.get(name);
    if (row === undefined && this.messages.size >= MAX_KEYS - 1) {
      name = OTHER_KEYS;
      typeName = null;
      row = this.messages.get(name);
    }
    if (row === undefined) {
      row = { ...emptyRow(), typeName };
      this.messages.set(name, row);
    } else if (row.typeName === null && typeName !== null) row.typeName = typeName;
    bump(row, bodyBytes, wireBytes, decoded);
    this.totalWireBytes += wireBytes;
  }

  /** Any other request, keyed by `METHOD path` (e.g. `POST /api/v1/scheduler`). */
  addRequest(method: string, path: string, bodyBytes: number, wireBytes: number, decoded: boolean): void {
    let key = `${method} ${path}`;
    let row = this.requests.get(key);
    if (row === undefined && this.requests.size >= MAX_KEYS - 1) {
      key = OTHER_KEYS;
      row = this.requests.get(key);
    }
    if (row === undefined) this.requests.set(key, (row = emptyRow()));
    bump(row, bodyBytes, wireBytes, decoded);
    this.totalWireBytes += wireBytes;
  }

  /** A response. For a streamed body, call with 0 bytes at its head and `addResponseBytes` when the stream ends. */
  addResponse(status: number, bodyBytes: number, wireBytes: number, decoded: boolean): void {
    let row = this.responses.get(status);
    if (row === undefined) this.responses.set(status, (row = emptyRow()));
    bump(row, bodyBytes, wireBytes, decoded);
    this.totalWireBytes += wireBytes;
  }

  /** Bytes of a streamed response counted earlier (its records are counted on their own too). */
  addResponseBytes(status: number, bodyBytes: number, wireBytes: number): void {
    let row = this.responses.get(status);
    if (row === undefined) this.responses.set(status, (row = emptyRow()));
    row.bodyBytes += bodyBytes;
    row.wireBytes += wireBytes;
    this.totalWireBytes += wireBytes;
  }

  /**
   * A RecordIO record, keyed by `type` (e.g. `mesos.v1.scheduler.Event HEARTBEAT`, or `untyped`). `inside` says it
   * travelled inside an HTTP response already counted (its bytes then do not add to the total).
   */
  addRecord(type: string, dataBytes: number, wireBytes: number, decoded: boolean, inside = false): void {
    let row = this.records.get(type);
    if (row === undefined) this.records.set(type, (row = emptyRow()));
    bump(row, dataBytes, wireBytes, decoded);
    if (!inside) this.totalWireBytes += wireBytes;
  }

  /** An error, by code. */
  addError(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** The counts as plain data. */
  summary(): StatsSummary {
    const sum = (map: Map<unknown, StatsRow>) => [...map.values()].reduce((n, r) => n + r.count, 0);
    const messages = sortedRows(
      this.messages,
      (k) => k,
      (name, r) => ({
        name,
        typeName: r.typeName,
        count: r.count,
        bodyBytes: r.bodyBytes,
        wireBytes: r.wireBytes,
        undecodable: r.undecodable,
      }),
    );
    const requests = sortedRows(
      this.requests,
      (k) => k,
      (request, r) => ({ request, ...r }),
    );
    const responses = sortedRows(
      this.responses,
      (k) => String(k).padStart(3, '0'),
      (status, r) => ({ status, ...r }),
    );
    const records = sortedRows(
      this.records,
      (k) => k,
      (type, r) => ({ type, ...r }),
    );
    const errors = [...this.errors.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([code, count]) => ({ code, count }));
    const totals = {
      messages: sum(this.messages),
      requests: sum(this.requests),
      responses: sum(this.responses),
      records: sum(this.records),
      errors: errors.reduce((n, e) => n + e.count, 0),
      wireBytes: this.totalWireBytes,
    };
    return {
      messages: messages as MessageStatsRow[],
      requests: requests as StatsSummary['requests'],
      responses: responses as StatsSummary['responses'],
      records: records as StatsSummary['records'],
      errors,
      totals: { items: totals.messages + totals.requests + totals.responses + totals.records, ...totals },
    };
  }
}
