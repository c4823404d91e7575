import { mwError } from '../../errors.ts';

/**
 * A deterministic virtual clock: time moves only through `advance()`, and timers fire in (due time, creation order)
 * order, each seeing `now()` equal to its own due time. Everything the simulation does later (offer cycles, task
 * transitions, status update retries, failover timeouts, heartbeats) is a timer on this clock.
 */

/** Opaque handle of a scheduled timer. */
export type TimerId = number;

interface TimerEntry {
  id: TimerId;
  due: number;
  fn: () => void;
}

/** Virtual milliseconds; starts at `startMs` (a Unix epoch time in ms, so timestamps look real). */
export class VirtualClock {
  #now: number;
  #nextId = 1;
  /** Binary min-heap on (due, id). Cancelled entries stay in the heap and are skipped (lazy deletion). */
  #heap: TimerEntry[] = [];
  #live = new Set<TimerId>();
  #advancing = false;
  /** Called whenever the earliest due time may have changed (used by the real-time binding). */
  onScheduleChange: (() => void) | undefined;

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  /** Current virtual time in milliseconds. */
  now(): number {
    return this.#now;
  }

  /** Runs `fn` once, `delayMs` (>= 0) after now. A zero delay fires on the next `advance()`, even `advance(0)`. */
  setTimer(delayMs: number, fn: () => void): TimerId {
    const id = this.#nextId++;
    const entry: TimerEntry = { id, due: this.#now + Math.max(0, delayMs), fn };
    this.#push(entry);
    this.#live.add(id);
    // During advance() one notification at the end is enough.
    if (!this.#advancing) this.onScheduleChange?.();
    return id;
  }

  /** Cancels a timer; cancelling a fired or unknown timer does nothing. */
  cancel(id: TimerId | undefined): void {
    if (id !== undefined) this.#live.delete(id);
  }

  /** Number of timers still pending. */
  pending(): number {
    return this.#live.size;
  }

  /** Due time of the earliest pending timer, or undefined. */
  nextDueTime(): number | undefined {
    this.#dropCancelledHead();
    return this.#heap[0]?.due;
  }

  /**
   * Moves time forward by `ms`, firing every timer due up to the new time, in order; timers created by firing
   * timers also fire if they fall inside the window. Re-entrant calls (a timer calling advance) are refused.
   */
  advance(ms: number): void {
    if (this.#advancing) throw mwError('MW_INVALID_ARGUMENT', 'VirtualClock.advance() called from inside a timer');
    const target = this.#now + Math.max(0, ms);
    this.#advancing = true;
    try {
      for (;;) {
        this.#dropCancelledHead();
        const head = this.#heap[0];
        if (head === undefined || head.due > target) break;
        this.#pop();
        this.#live.delete(head.id);
        if (head.due > this.#now) this.#now = head.due;
        head.fn();
      }
      this.#now = target;
    } finally {
      this.#advancing = false;
    }
    this.onScheduleChange?.();
  }

  /** Fires the timers already due (zero-delay ones included) without moving time. */
  runDue(): void {
    this.advance(0);
  }

  /** Advances to each next timer until none is left or `limitMs` of virtual time has passed; returns time used. */
  runUntilIdle(limitMs: number): number {
    const start = this.#now;
    for (;;) {
      const due = this.nextDueTime();
      if (due === undefined || due - start > limitMs) break;
      this.advance(due - this.#now);
    }
    return this.#now - start;
  }

  #dropCancelledHead(): void {
    while (this.#heap.length > 0 && !this.#live.has(this.#heap[0]!.id)) this.#pop();
  }

  #less(a: TimerEntry, b: TimerEntry): boolean {
    return a.due < b.due || (a.due === b.due && a.id < b.id);
  }

  #push(entry: TimerEntry): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #pop(): TimerEntry | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.#less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && this.#less(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** What `bindClockToRealTime` needs from the host (defaults: globalThis timers and `performance.now`). */
export interface RealTimeHost {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Drives a virtual clock from real time (for the CLI and live tests): each time the earliest timer falls due in
 * real time, the clock advances by the real time elapsed. Returns a function that stops the binding.
 */
export function bindClockToRealTime(clock: VirtualClock, host: RealTimeHost = defaultHost()): () => void {
  let lastReal = host.now();
  let handle: unknown;
  /** Virtual due time the pending host timer was set for. */
  let armedFor = Number.POSITIVE_INFINITY;
  let stopped = false;
  const tick = (): void => {
    handle = undefined;
    armedFor = Number.POSITIVE_INFINITY;
    if (stopped) return;
    const real = host.now();
    const elapsed = Math.max(0, real - lastReal);
    lastReal = real;
    clock.advance(elapsed);
  };
  const reschedule = (): void => {
    if (stopped) return;
    const due = clock.nextDueTime();
    if (due === undefined || (handle !== undefined && armedFor <= due)) return;
    if (handle !== undefined) host.clearTimeout(handle);
    // Virtual time lags real time by the real time since the last advance.
    const lag = host.now() - lastReal;
    armedFor = due;
    handle = host.setTimeout(tick, Math.max(0, due - clock.now() - lag));
  };
  clock.onScheduleChange = reschedule;
  reschedule();
  return () => {
    stopped = true;
    if (handle !== undefined) host.clearTimeout(handle);
    clock.onScheduleChange = undefined;
  };
}

function defaultHost(): RealTimeHost {
  return {
    now: () => performance.now(),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
  };
}
