/**
 * The windows on unanswered bytes (PeerConnectionOptions.maxUnansweredBytes) of the connections of one thread share
 * it: a connection counts as busy while its peer answers and bytes it wrote are unanswered, and each busy one may
 * have its window divided by their number (up to MAX_SHARES ways) in flight.
 *
 * Why: what is in flight to every peer competes for the same caches. With both ends in one process, 8 connections
 * with 2 MiB each (16 MiB in flight) ran 1.03-1.6x dearer per message than with 256 KiB each (five alternated
 * pairs), and often fell into full collections every few tens of ms; in two processes 256 KiB each was as fast with
 * 8 connections, while one connection ran 1.05-1.4x dearer with 256 KiB than with 2 MiB (see
 * bench/transport-loopback.md, session of 2026-11-28 22:35).
 */

/** The most ways a window is divided: 2 MiB never falls below 256 KiB. */
export const MAX_SHARES = 8;

let busy = 0;

/** A connection became busy (see above). */
export function joinBusy(): void {
  busy++;
}

/** A busy connection is busy no more. */
export function leaveBusy(): void {
  busy--;
}

/** Connections busy now (tests). */
export function busyConnections(): number {
  return busy;
}

/** The window of a connection whose own maximum is `max` (Infinity: no bound), with the busy ones counted now. */
export function sharedWindow(max: number): number {
  return busy > 1 ? max / Math.min(busy, MAX_SHARES) : max;
}
