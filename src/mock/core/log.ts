/**
 * The decoded log of a simulation: every command with its result, every output and every operator event, in order,
 * with virtual timestamps. Bounded: past `maxEntries` the oldest entries are dropped (`dropped` counts them).
 */
import type { Command, CommandResult } from './commands.ts';
import type { OperatorEvent, Output } from './outputs.ts';

/** One log entry. `seq` is shared by all kinds, so the log is totally ordered. */
export type LogEntry =
  | { kind: 'command'; seq: number; time: number; command: Command; result: CommandResult }
  | { kind: 'output'; seq: number; time: number; output: Output }
  | { kind: 'operator'; seq: number; time: number; event: OperatorEvent }
  | { kind: 'note'; seq: number; time: number; text: string };

/** Default bound on kept entries. */
export const DEFAULT_MAX_LOG_ENTRIES = 100_000;

/** An append-only bounded log. */
export class SimulationLog {
  readonly maxEntries: number;
  #entries: LogEntry[] = [];
  #start = 0;
  #dropped = 0;

  constructor(maxEntries = DEFAULT_MAX_LOG_ENTRIES) {
    this.maxEntries = Math.max(0, maxEntries);
  }

  /** Appends an entry (no-op when `maxEntries` is 0). */
  append(entry: LogEntry): void {
    if (this.maxEntries === 0) {
      this.#dropped++;
      return;
    }
    this.#entries.push(entry);
    if (this.#entries.length - this.#start > this.maxEntries) {
      this.#start++;
      this.#dropped++;
      // Compact now and then rather than shifting on every append.
      if (this.#start > this.maxEntries) {
        this.#entries = this.#entries.slice(this.#start);
        this.#start = 0;
      }
    }
  }

  /** The kept entries, oldest first. */
  entries(): LogEntry[] {
    return this.#entries.slice(this.#start);
  }

  /** How many entries were dropped to respect the bound. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Number of kept entries. */
  get size(): number {
    return this.#entries.length - this.#start;
  }
}
