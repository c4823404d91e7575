/**
 * Items and wire bytes by key (a flow, a framework id, an agent id) for `stats`, in memory that does not grow with
 * the capture: a long capture opens tens of thousands of connections per gigabyte, each with two flow keys, so
 * keeping every key to the end made `stats` grow with the file.
 *
 * Two ways to stay bounded, chosen per table:
 * - `closable` (flows): a key is in use while a connection that counted items under it is open. Beyond `maxRows`
 *   keys, the key that would be listed last (fewest items, then the greatest key) among the keys no open connection
 *   uses is dropped, its counts moving to `omitted`. A key's counts are final once its connections closed, so the rows
 *   kept are exactly the first `maxRows` rows of the full table (unless a dropped key comes back: its new row counts
 *   only what came after).
 * - otherwise (frameworks, agents: keys spanning connections): the first `maxRows` keys get rows; items under later
 *   new keys only add to `omitted`.
 */

/** Items and bytes of one flow, framework or agent. */
export interface BreakdownRow {
  key: string;
  /** Messages, requests, responses and records. */
  items: number;
  /** Bytes on the wire of those items (whole HTTP messages; records with their length line). */
  wireBytes: number;
}

/** What rows beyond the limit held. */
export interface OmittedRows {
  /** Rows dropped (closable tables); null where keys beyond the limit were never given rows (not counted). */
  rows: number | null;
  items: number;
  wireBytes: number;
}

/** Slots of the recent-key cache (a power of two). */
const RECENT_SLOTS = 64;
/** Rows per block of numbers (a power of two): counts grow a block at a time, never by copying. */
const BLOCK_BITS = 10;
const BLOCK_ROWS = 1 << BLOCK_BITS;
// The numbers of a row.
const ITEMS = 0;
const WIRE = 1;
/** Open connections that counted items under the key; PINNED when an item came without a connection. */
const OPEN = 2;
/** The last connection that counted items under the key (-1: none). */
const LAST_CONNECTION = 3;
/** Bumped whenever the row closes or is reused: heap entries with an older value are stale. */
const SERIAL = 4;
/** 1 while no open connection uses the row (counted in freeCount, in the heap). */
const FREE = 5;
const FIELDS = 6;
const PINNED = -1;

/** Where a row's numbers start in its block. */
function at(row: number): number {
  return (row & (BLOCK_ROWS - 1)) * FIELDS;
}

/** The recent-key cache slot of a key: its length and a few of its characters. */
function recentSlot(key: string): number {
  const n = key.length;
  if (n === 0) return 0;
  return (
    (n * 31 + key.charCodeAt(n - 1) * 7 + key.charCodeAt(n >> 1) * 13 + key.charCodeAt(n >> 2)) & (RECENT_SLOTS - 1)
  );
}

/** Output order: most items first, then by key. */
function listedBefore(aItems: number, aKey: string, bItems: number, bKey: string): boolean {
  return aItems > bItems || (aItems === bItems && aKey < bKey);
}

/**
 * The table. `bump` per item; with `closable`, `close` per connection end. Lookups go through a small cache in front
 * of the Map: keys come from freshly decoded strings, which a Map must hash every time, while a capture names a few
 * keys over and over; one string comparison confirms a cached key.
 */
export class BreakdownRows {
  private readonly maxRows: number;
  private readonly closable: boolean;
  private readonly rowOf = new Map<string, number>();
  private readonly keyOf: (string | undefined)[] = [];
  private readonly blocks: Float64Array[] = [];
  /** Rows given back by dropped keys, reused before new ones. */
  private readonly freeRows: number[] = [];
  /** Rows no open connection uses (the droppable ones). */
  private freeCount = 0;
  private readonly recentKeys: (string | undefined)[] = new Array(RECENT_SLOTS);
  private readonly recentRows = new Int32Array(RECENT_SLOTS);
  /** Keys each open connection counted items under (closable only; a connection has one per direction). */
  private readonly keysOfConnection = new Map<number, number[]>();
  /**
   * Min-heap of droppable rows, the one listed last on top: row, serial, and the items and key the row had then
   * (a stale entry's row may have changed since; its entry must keep its place). Stale entries are skipped.
   */
  private readonly heapRows: number[] = [];
  private readonly heapSerials: number[] = [];
  private readonly heapItems: number[] = [];
  private readonly heapKeys: string[] = [];
  readonly omitted: OmittedRows;

  constructor(options: { maxRows: number; closable: boolean }) {
    this.maxRows = Math.max(0, Math.floor(options.maxRows));
    this.closable = options.closable;
    this.omitted = { rows: options.closable ? 0 : null, items: 0, wireBytes: 0 };
  }

  /** Rows held now. */
  get size(): number {
    return this.rowOf.size;
  }

  /** One item of `wire` bytes under `key`, carried by `connection` (undefined: not a capture connection). */
  bump(key: string, wire: number, connection?: number): void {
    const slot = recentSlot(key);
    let row: number;
    if (this.recentKeys[slot] === key) {
      row = this.recentRows[slot]!;
    } else {
      const found = this.rowOf.get(key) ?? this.newRow(key);
      if (found < 0) {
        this.omitted.items++;
        this.omitted.wireBytes += wire;
        return;
      }
      row = found;
      this.recentKeys[slot] = key;
      this.recentRows[slot] = row;
    }
    const numbers = this.blocks[row >>> BLOCK_BITS]!;
    const i = at(row);
    numbers[i + ITEMS]!++;
    numbers[i + WIRE] = numbers[i + WIRE]! + wire;
    if (this.closable && numbers[i + LAST_CONNECTION] !== connection && numbers[i + OPEN] !== PINNED)
      this.inUse(row, numbers, i, connection);
  }

  /** A connection ended: keys no open connection uses any more may be dropped from now on. */
  close(connection: number): void {
    if (!this.closable) return;
    const rows = this.keysOfConnection.get(connection);
    if (rows === undefined) return;
    this.keysOfConnection.delete(connection);
    for (const row of rows) {
      const numbers = this.blocks[row >>> BLOCK_BITS]!;
      const i = at(row);
      if (numbers[i + LAST_CONNECTION] === connection) numbers[i + LAST_CONNECTION] = -1;
      if (numbers[i + OPEN] === PINNED || --numbers[i + OPEN]! > 0) continue;
      numbers[i + FREE] = 1;
      this.freeCount++;
      this.heapPush(row, ++numbers[i + SERIAL]!);
    }
    this.dropBeyondLimit();
  }

  /** The rows, most items first, then by key. */
  sorted(): BreakdownRow[] {
    const rows: BreakdownRow[] = [];
    for (const [key, row] of this.rowOf) {
      const numbers = this.blocks[row >>> BLOCK_BITS]!;
      const i = at(row);
      rows.push({ key, items: numbers[i + ITEMS]!, wireBytes: numbers[i + WIRE]! });
    }
    return rows.sort((a, b) => b.items - a.items || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** A row for a new key, or -1 when a table without closes is full. */
  private newRow(key: string): number {
    if (!this.closable && this.rowOf.size >= this.maxRows) return -1;
    let row = this.freeRows.pop();
    if (row === undefined) {
      row = this.keyOf.length;
      if (row >>> BLOCK_BITS === this.blocks.length) this.blocks.push(new Float64Array(BLOCK_ROWS * FIELDS));
      this.keyOf.push(key);
    } else this.keyOf[row] = key;
    const numbers = this.blocks[row >>> BLOCK_BITS]!;
    const i = at(row);
    numbers[i + ITEMS] = 0;
    numbers[i + WIRE] = 0;
    numbers[i + OPEN] = 0;
    numbers[i + LAST_CONNECTION] = -1;
    numbers[i + FREE] = 0;
    numbers[i + SERIAL]!++;
    this.rowOf.set(key, row);
    return row;
  }

  /** A connection (or none) counts under a row it was not last seen on: the row is in use until it closes. */
  private inUse(row: number, numbers: Float64Array, i: number, connection: number | undefined): void {
    if (connection === undefined) {
      if (numbers[i + FREE] === 1) this.takeBack(numbers, i);
      numbers[i + OPEN] = PINNED;
      return;
    }
    numbers[i + LAST_CONNECTION] = connection;
    let rows = this.keysOfConnection.get(connection);
    if (rows === undefined) this.keysOfConnection.set(connection, (rows = []));
    else if (rows.includes(row)) return;
    rows.push(row);
    if (numbers[i + FREE] === 1) this.takeBack(numbers, i);
    numbers[i + OPEN]!++;
  }

  /** A free row back in use: not droppable, and the heap entry made when it became free is stale. */
  private takeBack(numbers: Float64Array, i: number): void {
    numbers[i + FREE] = 0;
    this.freeCount--;
    numbers[i + SERIAL]!++;
  }

  private dropBeyondLimit(): void {
    // A free row's counts are final: once more than maxRows rows are free, the one listed last among them can never
    // be among the first maxRows of the whole table. (Dropping beyond maxRows rows in all could drop a row that an
    // open connection's smaller row would later be listed after.)
    while (this.freeCount > this.maxRows && this.heapRows.length > 0) {
      const row = this.heapRows[0]!;
      const serial = this.heapSerials[0]!;
      this.heapPop();
      const numbers = this.blocks[row >>> BLOCK_BITS]!;
      const i = at(row);
      if (numbers[i + SERIAL] !== serial) continue;
      const key = this.keyOf[row]!;
      numbers[i + FREE] = 0;
      this.freeCount--;
      this.omitted.rows!++;
      this.omitted.items += numbers[i + ITEMS]!;
      this.omitted.wireBytes += numbers[i + WIRE]!;
      this.rowOf.delete(key);
      this.keyOf[row] = undefined;
      numbers[i + SERIAL]!++;
      this.freeRows.push(row);
      const slot = recentSlot(key);
      if (this.recentKeys[slot] === key) this.recentKeys[slot] = undefined;
    }
    // Stale entries (rows back in use, closed again) are left in the heap; rebuild it before they pile up.
    if (this.heapRows.length > 2 * this.freeCount + 1024) this.rebuildHeap();
  }

  /** Is heap entry a listed after b (dropped first)? Entries keep the items and key of when they were made. */
  private before(a: number, b: number): boolean {
    return listedBefore(this.heapItems[b]!, this.heapKeys[b]!, this.heapItems[a]!, this.heapKeys[a]!);
  }

  private heapPush(row: number, serial: number): void {
    let child = this.heapRows.push(row) - 1;
    this.heapSerials.push(serial);
    this.heapItems.push(this.blocks[row >>> BLOCK_BITS]![at(row) + ITEMS]!);
    this.heapKeys.push(this.keyOf[row]!);
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.before(child, parent)) break;
      this.swap(child, parent);
      child = parent;
    }
  }

  private heapPop(): void {
    this.swap(0, this.heapRows.length - 1);
    this.heapRows.pop();
    this.heapSerials.pop();
    this.heapItems.pop();
    this.heapKeys.pop();
    this.siftDown(0);
  }

  private siftDown(from: number): void {
    const n = this.heapRows.length;
    let parent = from;
    for (;;) {
      const left = parent * 2 + 1;
      if (left >= n) return;
      const right = left + 1;
      const child = right < n && this.before(right, left) ? right : left;
      if (!this.before(child, parent)) return;
      this.swap(child, parent);
      parent = child;
    }
  }

  private swap(a: number, b: number): void {
    swapIn(this.heapRows, a, b);
    swapIn(this.heapSerials, a, b);
    swapIn(this.heapItems, a, b);
    swapIn(this.heapKeys, a, b);
  }

  /** Keeps the live entries only (rows free now, with their current serial). */
  private rebuildHeap(): void {
    let kept = 0;
    for (let k = 0; k < this.heapRows.length; k++) {
      const row = this.heapRows[k]!;
      if (this.blocks[row >>> BLOCK_BITS]![at(row) + SERIAL] !== this.heapSerials[k]) continue;
      this.heapRows[kept] = row;
      this.heapSerials[kept] = this.heapSerials[k]!;
      this.heapItems[kept] = this.heapItems[k]!;
      this.heapKeys[kept] = this.heapKeys[k]!;
      kept++;
    }
    this.heapRows.length = kept;
    this.heapSerials.length = kept;
    this.heapItems.length = kept;
    this.heapKeys.length = kept;
    for (let k = (kept >> 1) - 1; k >= 0; k--) this.siftDown(k);
  }
}

function swapIn<T>(list: T[], a: number, b: number): void {
  const kept = list[a]!;
  list[a] = list[b]!;
  list[b] = kept;
}
