/** A tiny framework for the client tests: launches `tasks` tasks from offers, acknowledges every update. */
import type { SchedulerClient, SchedulerEvent } from '../../src/client/index.ts';

const TERMINAL = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED']);

/** What a run saw. */
export interface WorkloadResult {
  /** Event types in arrival order. */
  types: string[];
  events: SchedulerEvent[];
  /** Task id -> states seen, in order. */
  states: Map<string, string[]>;
}

/**
 * Subscribes, launches `tasks` tasks (0.1 cpus, 16 MB each) on the offers, declines what is left over,
 * acknowledges updates, and returns once every task reached a terminal state (or `stopAfter` says so), after
 * tearing the framework down as a finished framework does (unless `teardown` is false).
 */
export async function runWorkload(
  client: SchedulerClient,
  tasks: number,
  stopAfter?: (result: WorkloadResult) => boolean,
  teardown = true,
): Promise<WorkloadResult> {
  const result: WorkloadResult = { types: [], events: [], states: new Map() };
  let launched = 0;
  let terminal = 0;
  const calls: Promise<unknown>[] = [];
  for await (const event of client.subscribe()) {
    result.types.push(event.type);
    result.events.push(event);
    if (event.type === 'OFFERS') {
      for (const offer of event.offers?.offers ?? []) {
        const scalar = (name: string): number =>
          ((offer.resources as { name: string; scalar?: { value: number } }[] | undefined) ?? [])
            .filter((r) => r.name === name)
            .reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
        const fits = Math.min(Math.floor(scalar('cpus') * 10 + 1e-9), Math.floor(scalar('mem') / 16));
        const count = Math.min(5, tasks - launched, fits);
        if (count <= 0) {
          calls.push(client.call({ type: 'DECLINE', decline: { offer_ids: [offer.id] } }));
          continue;
        }
        const taskInfos = Array.from({ length: count }, () => {
          const id = `task-${launched++}`;
          return {
            name: id,
            task_id: { value: id },
            agent_id: offer.agent_id,
            resources: [
              { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
              { name: 'mem', type: 'SCALAR', scalar: { value: 16 } },
            ],
            command: { value: 'true' },
          };
        });
        calls.push(
          client.call({
            type: 'ACCEPT',
            accept: {
              offer_ids: [offer.id],
              operations: [{ type: 'LAUNCH', launch: { task_infos: taskInfos } }],
              filters: { refuse_seconds: 0 },
            },
          }),
        );
      }
    }
    if (event.type === 'UPDATE' && event.update !== undefined) {
      const status = event.update.status;
      const list = result.states.get(status.task_id.value) ?? [];
      list.push(status.state);
      result.states.set(status.task_id.value, list);
      if (status.uuid !== undefined) {
        calls.push(
          client.call({
            type: 'ACKNOWLEDGE',
            acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
          }),
        );
      }
      if (TERMINAL.has(status.state)) terminal++;
    }
    if (stopAfter?.(result) === true || (stopAfter === undefined && tasks > 0 && terminal >= tasks)) {
      await Promise.all(calls);
      if (teardown) await client.call({ type: 'TEARDOWN' });
      break;
    }
  }
  await Promise.all(calls);
  return result;
}
