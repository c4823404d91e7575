/** ACCEPT: offer validation, LAUNCH and LAUNCH_GROUP with task validation, RESERVE/UNRESERVE (`Master::accept`). */
import { recover, removeOffer } from './allocator.ts';
import type { AcceptCommand, CommandResult } from './commands.ts';
import { OK } from './constants.ts';
import type { MasterState } from './context.ts';
import { masterStatus, masterUpdate } from './reconcile.ts';
import {
  addResources,
  containsResources,
  formatResources,
  normalizeResources,
  reservationRole,
  subtractResources,
  upgradeResources,
} from './resources.ts';
import type { AgentRecord, FrameworkRecord, TaskRecord } from './state.ts';
import { matchRule, type TaskBehavior, toScript } from './task-scripts.ts';
import { scheduleStep } from './tasks.ts';
import type { ExecutorInfo, IdValue, Resource, Task, TaskInfo, TaskStateName } from './types.ts';

/**
 * ACCEPT: invalid offers turn launches into TASK_LOST (TASK_DROPPED when PARTITION_AWARE); otherwise the
 * operations run in order on the pooled offers and what is left returns with the call's filters.
 */
export function accept(s: MasterState, fw: FrameworkRecord, command: AcceptCommand): CommandResult {
  const error = validateOffers(s, fw, command.offer_ids);
  if (error !== undefined) {
    for (const id of command.offer_ids) {
      const offer = s.offers.get(id.value);
      if (offer !== undefined && offer.frameworkId === fw.id) removeOffer(s, offer, { rescind: false });
    }
    const state: TaskStateName = fw.capabilities.has('PARTITION_AWARE') ? 'TASK_DROPPED' : 'TASK_LOST';
    for (const op of command.operations) {
      const tasks =
        op.type === 'LAUNCH'
          ? (op.launch?.task_infos ?? [])
          : op.type === 'LAUNCH_GROUP'
            ? (op.launch_group?.task_group.tasks ?? [])
            : [];
      if (op.type !== 'LAUNCH' && op.type !== 'LAUNCH_GROUP') s.note(`dropped ${op.type} operation: ${error}`);
      for (const t of tasks) {
        const status = masterStatus(s, t.task_id, state, {
          reason: 'REASON_INVALID_OFFERS',
          message: `Task launched with invalid offers: ${error}`,
          slaveId: t.slave_id?.value,
        });
        s.toFramework(fw, { type: 'UPDATE', update: masterUpdate(fw, status), pid: '' });
      }
    }
    return OK;
  }

  const offers = command.offer_ids.map((id) => s.offers.get(id.value)!);
  const agent = s.agents.get(offers[0]!.agentId)!;
  const role = offers[0]!.role;
  let remaining: Resource[] = [];
  for (const offer of offers) {
    remaining = addResources(remaining, offer.resources);
    s.offers.delete(offer.id);
    s.clock.cancel(offer.timer);
    fw.offers.delete(offer.id);
    agent.offers.delete(offer.id);
  }

  for (const op of command.operations) {
    switch (op.type) {
      case 'LAUNCH':
        for (const task of op.launch?.task_infos ?? [])
          remaining = launchTasks(s, fw, agent, remaining, [task], undefined);
        break;
      case 'LAUNCH_GROUP':
        if (op.launch_group !== undefined) {
          remaining = launchTasks(s, fw, agent, remaining, op.launch_group.task_group.tasks, op.launch_group.executor);
        }
        break;
      case 'RESERVE':
      case 'UNRESERVE':
        remaining = reserve(s, fw, agent, role, remaining, op.type, op);
        break;
      default:
        s.note(`operation ${op.type} is not simulated; ignored`);
    }
  }
  recover(s, fw, agent, role, remaining, command.filters ?? {});
  return OK;
}

function validateOffers(s: MasterState, fw: FrameworkRecord, ids: IdValue[]): string | undefined {
  if (ids.length === 0) return 'No offers specified';
  const seen = new Set<string>();
  let agentId: string | undefined;
  let role: string | undefined;
  for (const { value } of ids) {
    if (seen.has(value)) return `Duplicate offer ${value} in offer list`;
    seen.add(value);
    const offer = s.offers.get(value);
    if (offer === undefined) return `Offer ${value} is no longer valid`;
    if (offer.frameworkId !== fw.id) {
      return `Offer ${value} has invalid framework ${offer.frameworkId} while framework ${fw.id} is expected`;
    }
    if (agentId !== undefined && offer.agentId !== agentId) {
      return `Aggregated offers must belong to one single agent. Offer ${value} uses agent ${offer.agentId} and agent ${agentId}`;
    }
    if (role !== undefined && offer.role !== role) {
      return `Aggregated offers must be allocated to the same role. Offer ${value} uses role ${offer.role} and role ${role}`;
    }
    agentId = offer.agentId;
    role = offer.role;
  }
  return undefined;
}

/**
 * Launches one task (`groupExecutor` undefined) or a task group. Invalid tasks get TASK_ERROR from the master;
 * valid ones consume `remaining` and start their scripts. Returns what is left.
 */
function launchTasks(
  s: MasterState,
  fw: FrameworkRecord,
  agent: AgentRecord,
  remaining: Resource[],
  tasks: TaskInfo[],
  groupExecutor: ExecutorInfo | undefined,
): Resource[] {
  const isGroup = groupExecutor !== undefined;
  const executorInfo = groupExecutor ?? tasks[0]?.executor;
  const executorKey = executorInfo === undefined ? undefined : `${fw.id}/${executorInfo.executor_id.value}`;
  const existing = executorKey === undefined ? undefined : agent.executors.get(executorKey);
  const executorResources = existing === undefined ? upgradeResources(executorInfo?.resources) : [];

  let error = validateTasks(fw, agent, tasks, isGroup);
  const taskResources = tasks.map((t) => normalizeResources(upgradeResources(t.resources)));
  const need = addResources(executorResources, taskResources.flat());
  if (error === undefined && !containsResources(remaining, need)) {
    error = `Task uses more resources ${formatResources(need)} than available ${formatResources(remaining)}`;
  }
  if (error !== undefined) {
    for (const t of tasks) {
      const status = masterStatus(s, t.task_id, 'TASK_ERROR', {
        reason: isGroup ? 'REASON_TASK_GROUP_INVALID' : 'REASON_TASK_INVALID',
        message: error,
        slaveId: t.slave_id?.value,
      });
      s.toFramework(fw, { type: 'UPDATE', update: masterUpdate(fw, status), pid: '' });
    }
    return remaining;
  }

  let executor = existing;
  const launchExecutor = executor === undefined && executorInfo !== undefined;
  if (executor === undefined && executorInfo !== undefined) {
    executor = {
      info: { ...executorInfo, framework_id: { value: fw.id } },
      frameworkId: fw.id,
      agentId: agent.id,
      kind: isGroup ? 'default' : 'custom',
      resources: executorResources,
      taskIds: new Set(),
    };
    agent.executors.set(executorKey!, executor);
  }
  for (const [i, info] of tasks.entries()) {
    const resources = taskResources[i]!;
    const commandTask = executor === undefined;
    const executorId = commandTask ? info.task_id.value : executor!.info.executor_id.value;
    const key = commandTask ? `${fw.id}/${executorId}` : executorKey!;
    if (commandTask) {
      agent.executors.set(key, {
        info: { executor_id: { value: executorId }, framework_id: { value: fw.id }, type: 'UNKNOWN' },
        frameworkId: fw.id,
        agentId: agent.id,
        kind: 'command',
        resources: [],
        taskIds: new Set([info.task_id.value]),
      });
    } else {
      executor!.taskIds.add(info.task_id.value);
    }
    const task: Task = {
      name: info.name,
      task_id: { value: info.task_id.value },
      framework_id: { value: fw.id },
      slave_id: { value: agent.id },
      state: 'TASK_STAGING',
      resources,
      statuses: [],
    };
    if (!commandTask) task.executor_id = { value: executorId };
    if (info.labels !== undefined) task.labels = info.labels;
    if (info.kill_policy !== undefined) task.kill_policy = info.kill_policy;
    if (fw.info.user !== undefined) task.user = fw.info.user;
    const record: TaskRecord = {
      task,
      info,
      frameworkId: fw.id,
      agentId: agent.id,
      executorId,
      executorKey: key,
      agentState: 'TASK_STAGING',
      script: toScript(behaviorFor(s, info, fw.id), s.taskTimings),
      nextStep: 0,
      stepTimer: undefined,
      killing: false,
      pending: [],
      retryTimer: undefined,
      retryIntervalMs: s.timings.statusUpdateRetryMinMs,
      resources,
      resourcesRecovered: false,
      group: isGroup ? executorKey : undefined,
    };
    fw.tasks.set(info.task_id.value, record);
    s.operator({ type: 'TASK_ADDED', task: { ...task, statuses: [] } });
  }
  remaining = subtractResources(remaining, need);

  if (isGroup) {
    s.toAgent(agent, {
      type: 'RUN_TASK_GROUP',
      framework: fw.info,
      executor: executor!.info,
      task_group: { tasks },
      launch_executor: launchExecutor,
    });
  } else {
    s.toAgent(agent, {
      type: 'RUN_TASK',
      framework: fw.info,
      task: tasks[0]!,
      pid: fw.connection.kind === 'pid' ? fw.connection.pid : '',
      launch_executor: launchExecutor || executor === undefined,
    });
  }
  for (const info of tasks) scheduleStep(s, fw.tasks.get(info.task_id.value)!);
  return remaining;
}

function validateTasks(
  fw: FrameworkRecord,
  agent: AgentRecord,
  tasks: TaskInfo[],
  isGroup: boolean,
): string | undefined {
  if (tasks.length === 0) return 'Task group is empty';
  const ids = new Set<string>();
  for (const t of tasks) {
    const id = t.task_id?.value ?? '';
    if (id === '') return 'Task ID must not be empty';
    if (fw.tasks.has(id) || ids.has(id)) return `Task has duplicate ID: ${id}`;
    ids.add(id);
    if (t.slave_id?.value !== agent.id) {
      return `Task uses invalid agent: ${t.slave_id?.value ?? ''}`;
    }
    if (isGroup && t.executor !== undefined) return `'TaskInfo.executor' must not be set for task ${id}`;
    if (!isGroup && (t.executor === undefined) === (t.command === undefined)) {
      return 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present';
    }
    if ((t.resources ?? []).length === 0 && !isGroup) return 'Task uses no resources';
  }
  return undefined;
}

/** The behaviour of a task: the hook, then the rules, then the default. */
function behaviorFor(s: MasterState, info: TaskInfo, frameworkId: string): TaskBehavior {
  return s.behaviorHook?.(info, frameworkId) ?? matchRule(s.rules, info, frameworkId) ?? s.defaultBehavior;
}

/**
 * RESERVE / UNRESERVE on the offered resources: the agent's totals change (dynamic reservations), and the
 * converted resources stay in what is left of the offer. Invalid requests are dropped with a note.
 */
function reserve(
  s: MasterState,
  fw: FrameworkRecord,
  agent: AgentRecord,
  role: string,
  remaining: Resource[],
  type: 'RESERVE' | 'UNRESERVE',
  op: AcceptCommand['operations'][number],
): Resource[] {
  const target = normalizeResources(
    upgradeResources(type === 'RESERVE' ? op.reserve?.resources : op.unreserve?.resources),
  );
  const source = target.map((r) => {
    const out: Resource = { ...r };
    // The unreserved (or less refined) form: the same resource without its innermost reservation.
    const stack = (r.reservations ?? []).slice(0, -1);
    if (stack.length > 0) out.reservations = stack;
    else delete out.reservations;
    return out;
  });
  const [from, to] = type === 'RESERVE' ? [source, target] : [target, source];
  const valid =
    target.length > 0 &&
    target.every((r) => (r.reservations ?? []).length > 0 && reservationRole(r) === role) &&
    containsResources(remaining, from);
  if (!valid) {
    s.note(`dropped ${type} operation of framework ${fw.id}: resources not in the offer or wrong role`);
    return remaining;
  }
  agent.total = addResources(subtractResources(agent.total, from), to);
  agent.allocated = addResources(subtractResources(agent.allocated, from), to);
  return addResources(subtractResources(remaining, from), to);
}
