/** Mesos defaults the simulation follows (src/master/constants.hpp, src/slave/constants.hpp, master flags). */
import type { CommandResult } from './commands.ts';

/** `--allocation_interval` default (1 s). */
export const DEFAULT_ALLOCATION_INTERVAL_MS = 1000;
/** `DEFAULT_HEARTBEAT_INTERVAL` of v1 scheduler streams (15 s). */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 15_000;
/** Agent status update retry: STATUS_UPDATE_RETRY_INTERVAL_MIN (10 s), doubling up to ..._MAX (10 min). */
export const STATUS_UPDATE_RETRY_MIN_MS = 10_000;
/** See STATUS_UPDATE_RETRY_MIN_MS. */
export const STATUS_UPDATE_RETRY_MAX_MS = 600_000;
/** `Filters.refuse_seconds` default. */
export const DEFAULT_REFUSE_SECONDS = 5;
/** The allocator caps refuse filters at 365 days. */
export const MAX_REFUSE_SECONDS = 365 * 24 * 3600;
/** `--max_completed_tasks_per_framework` default. */
export const MAX_COMPLETED_TASKS_PER_FRAMEWORK = 1000;
/** `--max_completed_frameworks` default. */
export const MAX_COMPLETED_FRAMEWORKS = 50;

/** The accepted result (202 in the v1 API). */
export const OK: CommandResult = { ok: true };
