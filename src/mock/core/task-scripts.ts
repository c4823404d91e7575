/**
 * What a simulated task does once launched: a script of state transitions its executor (or agent) reports, each
 * after a delay. The default is the command executor's TASK_STARTING -> TASK_RUNNING -> TASK_FINISHED.
 */
import type { StatusSource, TaskInfo, TaskStateName } from './types.ts';

/** One reported transition, `after_ms` after the previous one (or after the launch for the first). */
export interface TaskStep {
  state: TaskStateName;
  after_ms: number;
  source?: StatusSource;
  reason?: string;
  message?: string;
  data?: Uint8Array;
}

/** A task's script. `kill_ms`: delay between a kill and the TASK_KILLED it causes (default 0). */
export interface TaskScript {
  steps: TaskStep[];
  kill_ms?: number;
}

/** Named scripts: `finish` (default), `fail`, `lost`, `hang` (stays RUNNING until killed), `stage` (no update). */
export type TaskBehaviorName = 'finish' | 'fail' | 'lost' | 'hang' | 'stage';

/** A named script or a custom one. */
export type TaskBehavior = TaskBehaviorName | TaskScript;

/** Default delays of the named scripts (ms). */
export interface TaskTimings {
  starting_ms: number;
  running_ms: number;
  finish_ms: number;
}

/** 10 ms to start, 10 ms more to run, 1 s of work. */
export const DEFAULT_TASK_TIMINGS: TaskTimings = { starting_ms: 10, running_ms: 10, finish_ms: 1000 };

/** Chooses a behaviour per task: by task id (exact string or RegExp) or by a predicate. */
export interface TaskRule {
  match: string | RegExp | ((task: TaskInfo, frameworkId: string) => boolean);
  behavior: TaskBehavior;
}

/** The script of a named behaviour with the given timings. */
export function namedScript(name: TaskBehaviorName, timings: TaskTimings = DEFAULT_TASK_TIMINGS): TaskScript {
  const start: TaskStep[] = [
    { state: 'TASK_STARTING', after_ms: timings.starting_ms, source: 'SOURCE_EXECUTOR' },
    { state: 'TASK_RUNNING', after_ms: timings.running_ms, source: 'SOURCE_EXECUTOR' },
  ];
  switch (name) {
    case 'finish':
      return {
        steps: [
          ...start,
          {
            state: 'TASK_FINISHED',
            after_ms: timings.finish_ms,
            source: 'SOURCE_EXECUTOR',
            message: 'Command exited with status 0',
          },
        ],
      };
    case 'fail':
      return {
        steps: [
          ...start,
          {
            state: 'TASK_FAILED',
            after_ms: timings.finish_ms,
            source: 'SOURCE_EXECUTOR',
            reason: 'REASON_COMMAND_EXECUTOR_FAILED',
            message: 'Command exited with status 1',
          },
        ],
      };
    case 'lost':
      return {
        steps: [
          ...start,
          {
            state: 'TASK_LOST',
            after_ms: timings.finish_ms,
            source: 'SOURCE_SLAVE',
            reason: 'REASON_EXECUTOR_TERMINATED',
            message: 'Executor terminated',
          },
        ],
      };
    case 'hang':
      return { steps: start };
    case 'stage':
      return { steps: [] };
  }
}

/** Resolves a behaviour to a script. */
export function toScript(behavior: TaskBehavior, timings: TaskTimings = DEFAULT_TASK_TIMINGS): TaskScript {
  return typeof behavior === 'string' ? namedScript(behavior, timings) : behavior;
}

/** The behaviour of the first rule that matches, or undefined. */
export function matchRule(rules: readonly TaskRule[], task: TaskInfo, frameworkId: string): TaskBehavior | undefined {
  for (const rule of rules) {
    const m = rule.match;
    const hit =
      typeof m === 'string'
        ? m === task.task_id.value
        : m instanceof RegExp
          ? m.test(task.task_id.value)
          : m(task, frameworkId);
    if (hit) return rule.behavior;
  }
  return undefined;
}
