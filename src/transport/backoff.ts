/**
 * Reconnect delays: exponential growth from `initialMs` by `factor` per failed attempt, capped at `maxMs`,
 * then spread by +/- `jitter` (a fraction) so that many peers that lost the same node do not reconnect in step.
 * The result never exceeds `maxMs`.
 */
export interface BackoffOptions {
  /** Delay before the first retry, in ms. Default 50. */
  initialMs?: number;
  /** Upper bound of any delay, in ms. Default 5000. */
  maxMs?: number;
  /** Growth per consecutive failure. Default 2. */
  factor?: number;
  /** Fraction of the delay added or removed at random, 0..1. Default 0.2. */
  jitter?: number;
}

export const BACKOFF_DEFAULTS: Required<BackoffOptions> = { initialMs: 50, maxMs: 5000, factor: 2, jitter: 0.2 };

/**
 * The delay before retry number `attempt` (0 for the first retry after a failure).
 * `random` returns a number in [0, 1) (Math.random by default; tests pass a fixed one).
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const { initialMs, maxMs, factor, jitter } = { ...BACKOFF_DEFAULTS, ...options };
  const base = Math.min(maxMs, initialMs * factor ** Math.max(0, attempt));
  const spread = base * jitter * (2 * random() - 1);
  return Math.max(0, Math.min(maxMs, Math.round(base + spread)));
}
