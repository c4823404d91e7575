import type { MockMasterOptions } from '../../src/mock/index.ts';

/** Fast timings so whole lifecycles take milliseconds on the real clock. */
export const FAST: MockMasterOptions['simulation'] = {
  allocationIntervalMs: 30,
  taskTimings: { starting_ms: 2, running_ms: 2, finish_ms: 10 },
  // Long enough that a busy machine does not see retries where a test expects none.
  statusUpdateRetryMinMs: 5000,
};

/** Polls `condition` until true (5 s at most). */
export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

type Plain = Record<string, unknown> | undefined;

/** The parts of an `Offer` tests read. */
export interface OfferShape {
  id: { value: string };
  slave_id: { value: string };
  resources: { name: string; scalar?: { value: number } }[];
}

/** The offers of a ResourceOffersMessage. */
export function offersOf(message: Plain): OfferShape[] {
  return (message?.offers as OfferShape[] | undefined) ?? [];
}

/** The parts of a `StatusUpdate` tests read. */
export interface UpdateShape {
  uuid?: Uint8Array;
  status: { state: string; task_id: { value: string } };
}

/** The update of a StatusUpdateMessage. */
export function updateOf(message: Plain): UpdateShape | undefined {
  return message?.update as UpdateShape | undefined;
}

/** The task state of a StatusUpdateMessage ('' for other messages). */
export function stateOf(message: Plain): string {
  return updateOf(message)?.status?.state ?? '';
}

/** `message[key].value` for `{value}` wrappers. */
export function idOf(message: Plain, key: string): string | undefined {
  return (message?.[key] as { value?: string } | undefined)?.value;
}
