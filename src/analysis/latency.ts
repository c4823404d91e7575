/**
 * Latency between a start (an offer, a launch, a status update) and its first end (an accept, TASK_RUNNING, an
 * acknowledgement), matched by key, in memory that does not grow with the capture:
 * - starts waiting for their end, and keys already matched (a start repeated after its end is not a new start), are
 *   each kept up to a limit, the oldest let go first (a start let go counts as unmatched);
 * - latencies are kept exactly up to EXACT_LATENCIES; beyond, they go into a histogram whose buckets are 1/1024 of
 *   their value wide (the middle of one is within 0.05% of any value in it), and the percentiles come from it (`approximate`). The maximum stays exact.
 */

/** Distribution of one latency, in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  /** Starts never matched (still pending at the end, or let go beyond the limit). */
  unmatched: number;
  /** Present (true) when the percentiles come from the histogram: within about 0.05% of the exact values. */
  approximate?: true;
}

/** Starts remembered per latency kind, and matched keys remembered (oldest let go beyond). */
export const MAX_PENDING_STARTS = 16_384;
/** Latencies kept exactly (8 bytes each) before the histogram takes over. */
export const EXACT_LATENCIES = 131_072;

/** Sub-buckets per power of two of the histogram: the relative width of a bucket is 1/SUB_BUCKETS. */
const SUB_BITS = 10;
const SUB_BUCKETS = 1 << SUB_BITS;
/** Latencies are bucketed in nanoseconds (below SUB_BUCKETS ns, one bucket per nanosecond). */
const NS_PER_MS = 1e6;
/** Powers of two above SUB_BUCKETS ns covered: 2^(10+42) ns is 52 days; longer latencies share the last bucket. */
const OCTAVES = 42;

/** The histogram bucket of a latency of `ns` nanoseconds (>= 0). */
function bucketOf(ns: number): number {
  if (ns < SUB_BUCKETS) return Math.floor(ns);
  let octave = Math.floor(Math.log2(ns)) - SUB_BITS;
  // Math.log2 may round across a power of two: put the octave right.
  if (ns < SUB_BUCKETS * 2 ** octave) octave--;
  else if (ns >= SUB_BUCKETS * 2 ** (octave + 1)) octave++;
  if (octave >= OCTAVES) return SUB_BUCKETS * (OCTAVES + 1) - 1;
  const sub = Math.floor(ns / 2 ** octave) - SUB_BUCKETS;
  return SUB_BUCKETS + octave * SUB_BUCKETS + sub;
}

/** The value a bucket stands for, in nanoseconds: the middle of its range. */
function bucketValue(bucket: number): number {
  if (bucket < SUB_BUCKETS) return bucket;
  const octave = Math.floor((bucket - SUB_BUCKETS) / SUB_BUCKETS);
  const sub = (bucket - SUB_BUCKETS) % SUB_BUCKETS;
  const scale = 2 ** octave;
  return (SUB_BUCKETS + sub) * scale + scale / 2;
}

/** Microsecond precision is what captures usually have. */
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Pairs starts with their first end, by key. */
export class LatencyTracker {
  private readonly pending = new Map<string, number>();
  private readonly done = new Set<string>();
  /** The first latencies (ms), exactly, in the first `count` entries (grown by doubling up to EXACT_LATENCIES). */
  private values = new Float64Array(1024);
  /** Counts per bucket, once more than EXACT_LATENCIES were measured. */
  private histogram: Float64Array | undefined;
  private count = 0;
  private max = 0;
  private dropped = 0;
  private readonly maxPending: number;
  private readonly exactLimit: number;

  constructor(limits: { maxPending?: number; exact?: number } = {}) {
    this.maxPending = limits.maxPending ?? MAX_PENDING_STARTS;
    this.exactLimit = limits.exact ?? EXACT_LATENCIES;
  }

  start(key: string, ms: number): void {
    if (this.pending.has(key) || this.done.has(key)) return;
    if (this.pending.size >= this.maxPending) {
      this.pending.delete(this.pending.keys().next().value!);
      this.dropped++;
    }
    this.pending.set(key, ms);
  }

  end(key: string, ms: number): void {
    const started = this.pending.get(key);
    if (started === undefined) return;
    this.pending.delete(key);
    if (this.done.size >= this.maxPending) this.done.delete(this.done.keys().next().value!);
    this.done.add(key);
    this.add(Math.max(0, ms - started));
  }

  private add(latency: number): void {
    if (this.count === 0 || latency > this.max) this.max = latency;
    this.count++;
    if (this.histogram !== undefined) {
      this.histogram[bucketOf(latency * NS_PER_MS)]!++;
      return;
    }
    if (this.count > this.exactLimit) {
      this.histogram = new Float64Array(SUB_BUCKETS * (OCTAVES + 1));
      for (let k = 0; k < this.count - 1; k++) this.histogram[bucketOf(this.values[k]! * NS_PER_MS)]!++;
      this.histogram[bucketOf(latency * NS_PER_MS)]!++;
      this.values = new Float64Array(0);
      return;
    }
    if (this.count > this.values.length) {
      const larger = new Float64Array(Math.min(this.exactLimit, this.values.length * 2));
      larger.set(this.values);
      this.values = larger;
    }
    this.values[this.count - 1] = latency;
  }

  summary(): LatencySummary {
    const unmatched = this.pending.size + this.dropped;
    if (this.count === 0) return { count: 0, p50: null, p90: null, p99: null, max: null, unmatched };
    // Nearest rank: the ceil(p% of n)-th smallest latency.
    const rankOf = (p: number) => Math.ceil((p / 100) * this.count);
    if (this.histogram === undefined) {
      // Numeric order, as a comparator (a - b) gives: latencies are never NaN, and -0 and 0 print alike.
      const sorted = this.values.slice(0, this.count).sort();
      const at = (p: number) => round(sorted[rankOf(p) - 1]!);
      return { count: this.count, p50: at(50), p90: at(90), p99: at(99), max: round(this.max), unmatched };
    }
    const histogram = this.histogram;
    const at = (p: number) => {
      const rank = rankOf(p);
      let seen = 0;
      for (let bucket = 0; bucket < histogram.length; bucket++) {
        seen += histogram[bucket]!;
        if (seen >= rank) return round(Math.min(this.max, bucketValue(bucket) / NS_PER_MS));
      }
      return round(this.max);
    };
    return {
      count: this.count,
      p50: at(50),
      p90: at(90),
      p99: at(99),
      max: round(this.max),
      unmatched,
      approximate: true,
    };
  }
}
