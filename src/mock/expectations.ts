/**
 * The test API's matching machinery, after Mesos's FUTURE_PROTOBUF / DROP_PROTOBUF(S) / EXPECT_NO_FUTURE_PROTOBUFS
 * and the union matching of FUTURE_CALL (wire-protocol.md §7): matchers over traffic records, one-shot futures,
 * drop rules and "none may arrive" expectations.
 */
import type { MesosWireError } from '../errors.ts';
import { mwError } from '../errors.ts';
import type { ConnectionInfo } from '../transport/connection-info.ts';
import type { PlainMessage } from './protobuf.ts';

/** Which way a message went: to the mock (`in`), from the mock on the wire (`out`), or master -> virtual agent. */
export type Direction = 'in' | 'out' | 'internal';

/** One message in the mock's traffic log. */
export interface TrafficRecord {
  /** Order of all records of one mock. */
  readonly seq: number;
  /** Wall-clock time, ms since the epoch (with sub-ms fraction). */
  readonly time: number;
  readonly direction: Direction;
  /** Message name (wire name), e.g. `mesos.scheduler.Call`. */
  readonly name: string;
  /** Sender and receiver UPID texts. */
  readonly from: string;
  readonly to: string;
  /** The decoded body (plain object: snake_case, enum names); undefined when it did not decode. */
  readonly message: PlainMessage | undefined;
  /** Why the body did not decode (the master drops such messages). */
  readonly error?: MesosWireError;
  /** `type` of a `mesos.scheduler.Call` (union matching). */
  readonly callType?: string;
  /** Protobuf body bytes (empty for `internal` records). */
  readonly body: Uint8Array;
  /** The whole HTTP request as on the wire (empty for `internal` records). */
  readonly raw: Uint8Array;
  /** True when a drop rule or a hook swallowed it (inbound: answered but not processed; outbound: not sent). */
  dropped: boolean;
  /** Inbound: the HTTP status the mock answered with (undefined when the era or a hook sends none). */
  status?: number;
  /** Inbound: the connection it came on. */
  readonly connection?: ConnectionInfo;
  /** What the master made of it when it did nothing (unknown sender, ignored call type, ...). */
  note?: string;
}

/** A message type name, or any predicate over records. */
export type MessageMatcher = string | ((record: TrafficRecord) => boolean);

/** Narrowing of a matcher. `from`/`to` are UPID texts, or bare ids (`master`, `slave(1)`) matching any address. */
export interface MatchOptions {
  from?: string;
  to?: string;
  direction?: Direction;
  /** Only `mesos.scheduler.Call`s of this type (e.g. `ACKNOWLEDGE`). */
  callType?: string;
}

function upidMatches(pattern: string | undefined, upid: string): boolean {
  if (pattern === undefined) return true;
  if (pattern.includes('@')) return pattern === upid;
  const at = upid.indexOf('@');
  return (at < 0 ? upid : upid.slice(0, at)) === pattern;
}

/** True when `record` matches `matcher` and `options`. */
export function matches(record: TrafficRecord, matcher: MessageMatcher, options: MatchOptions = {}): boolean {
  if (options.direction !== undefined && record.direction !== options.direction) return false;
  if (!upidMatches(options.from, record.from) || !upidMatches(options.to, record.to)) return false;
  if (options.callType !== undefined && record.callType !== options.callType) return false;
  return typeof matcher === 'string' ? record.name === matcher : matcher(record);
}

function describe(matcher: MessageMatcher, options: MatchOptions): string {
  const what = typeof matcher === 'string' ? matcher : 'a message matching the predicate';
  const parts = [
    options.callType === undefined ? '' : ` of type ${options.callType}`,
    options.direction === undefined ? '' : ` (${options.direction})`,
    options.from === undefined ? '' : ` from ${options.from}`,
    options.to === undefined ? '' : ` to ${options.to}`,
  ];
  return `${what}${parts.join('')}`;
}

interface Future {
  matcher: MessageMatcher;
  options: MatchOptions;
  resolve: (record: TrafficRecord) => void;
  reject: (error: MesosWireError) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** A drop rule (DROP_PROTOBUF with a count, DROP_PROTOBUFS with `all`). */
export interface DropRule {
  /** Messages dropped so far. */
  readonly dropped: number;
  /** Stops dropping. */
  cancel(): void;
}

/** An EXPECT_NO_FUTURE_PROTOBUFS expectation. */
export interface NoneExpectation {
  /** The records that broke it. */
  readonly matched: readonly TrafficRecord[];
  /** Throws MW_MOCK_EXPECTATION when something matched. */
  check(): void;
  /**
   * Rejects with MW_MOCK_EXPECTATION as soon as a message matches (made on first access, so nobody gets an
   * unhandled rejection they did not ask for): `await Promise.race([scenario(), expectation.failed])`.
   */
  readonly failed: Promise<never>;
  /** Stops watching (a violation already seen still counts in `check`). */
  cancel(): void;
}

interface DropEntry {
  matcher: MessageMatcher;
  options: MatchOptions;
  remaining: number;
  dropped: number;
  active: boolean;
}

interface NoneEntry {
  matcher: MessageMatcher;
  options: MatchOptions;
  matched: TrafficRecord[];
  active: boolean;
  label: string;
  failed: Promise<never> | undefined;
  fail: ((error: MesosWireError) => void) | undefined;
}

/** Futures, drop rules and negative expectations of one mock. */
export class Expectations {
  readonly #futures: Future[] = [];
  readonly #drops: DropEntry[] = [];
  readonly #nones: NoneEntry[] = [];

  /** A promise of the next record matching (one-shot). Rejects with MW_MOCK_EXPECTATION after `timeoutMs`. */
  next(matcher: MessageMatcher, options: MatchOptions = {}, timeoutMs = 10_000): Promise<TrafficRecord> {
    return new Promise((resolve, reject) => {
      const future: Future = { matcher, options, resolve, reject, timer: undefined };
      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        future.timer = setTimeout(() => {
          this.#removeFuture(future);
          reject(mwError('MW_MOCK_EXPECTATION', `no ${describe(matcher, options)} within ${timeoutMs} ms`));
        }, timeoutMs);
        future.timer.unref?.();
      }
      this.#futures.push(future);
    });
  }

  /** Drops the next `count` matching messages (`Infinity` for all). */
  drop(matcher: MessageMatcher, options: MatchOptions, count: number): DropRule {
    const entry: DropEntry = { matcher, options, remaining: count, dropped: 0, active: true };
    this.#drops.push(entry);
    return {
      get dropped() {
        return entry.dropped;
      },
      cancel: () => {
        entry.active = false;
      },
    };
  }

  /** Records every matching message as a violation. */
  none(matcher: MessageMatcher, options: MatchOptions): NoneExpectation {
    const entry: NoneEntry = {
      matcher,
      options,
      matched: [],
      active: true,
      label: describe(matcher, options),
      failed: undefined,
      fail: undefined,
    };
    this.#nones.push(entry);
    return {
      get matched() {
        return entry.matched;
      },
      check: () => checkNone(entry),
      get failed() {
        if (entry.failed === undefined) {
          entry.failed = new Promise<never>((_resolve, reject) => {
            entry.fail = reject;
          });
          if (entry.matched.length > 0) entry.fail?.(noneError(entry));
        }
        return entry.failed;
      },
      cancel: () => {
        entry.active = false;
      },
    };
  }

  /** True (and counted) when an active drop rule takes this record. */
  shouldDrop(record: TrafficRecord): boolean {
    for (const entry of this.#drops) {
      if (!entry.active || entry.remaining <= 0 || !matches(record, entry.matcher, entry.options)) continue;
      entry.remaining--;
      entry.dropped++;
      if (entry.remaining <= 0) entry.active = false;
      return true;
    }
    return false;
  }

  /** Offers a published record to futures and negative expectations. */
  observe(record: TrafficRecord): void {
    for (const entry of this.#nones) {
      if (!entry.active || !matches(record, entry.matcher, entry.options)) continue;
      entry.matched.push(record);
      if (entry.matched.length === 1) entry.fail?.(noneError(entry));
    }
    if (this.#futures.length === 0) return;
    for (const future of [...this.#futures]) {
      if (!matches(record, future.matcher, future.options)) continue;
      this.#removeFuture(future);
      future.resolve(record);
    }
  }

  /** Throws MW_MOCK_EXPECTATION listing every negative expectation that saw a message. */
  verify(): void {
    for (const entry of this.#nones) checkNone(entry);
  }

  /** Rejects every pending future (the mock is closing). */
  rejectAll(reason: string): void {
    for (const future of this.#futures.splice(0)) {
      clearTimeout(future.timer);
      future.reject(mwError('MW_MOCK_EXPECTATION', `no ${describe(future.matcher, future.options)}: ${reason}`));
    }
  }

  #removeFuture(future: Future): void {
    clearTimeout(future.timer);
    const i = this.#futures.indexOf(future);
    if (i >= 0) this.#futures.splice(i, 1);
  }
}

function checkNone(entry: NoneEntry): void {
  if (entry.matched.length > 0) throw noneError(entry);
}

function noneError(entry: NoneEntry): MesosWireError {
  const first = entry.matched[0]!;
  return mwError(
    'MW_MOCK_EXPECTATION',
    `expected no ${entry.label}, but ${entry.matched.length} arrived (first: ${first.direction} ${first.name} ` +
      `from ${first.from} to ${first.to})`,
  );
}
