/**
 * The virtual agents' side of tasks: scripted executor transitions, the per-task status update stream with
 * acknowledgement-driven retries (the agent's status update manager), kills, and executor exits.
 */
import { allocateSoon, release } from './allocator.ts';
import type { KillCommand } from './commands.ts';
import { MAX_COMPLETED_TASKS_PER_FRAMEWORK } from './constants.ts';
import type { MasterState } from './context.ts';
import { uuidEquals } from './ids.ts';
import type { AgentMessage } from './outputs.ts';
import { reconcile } from './reconcile.ts';
import type { FrameworkRecord, TaskRecord } from './state.ts';
import type { TaskStep } from './task-scripts.ts';
import { isTerminalState, type StatusUpdate, type TaskStatus } from './types.ts';

/** Arms the timer of the task's next scripted step, if any. */
export function scheduleStep(s: MasterState, task: TaskRecord): void {
  const step = task.script.steps[task.nextStep];
  if (step === undefined || task.killing) return;
  task.stepTimer = s.timer(step.after_ms, () => {
    task.stepTimer = undefined;
    task.nextStep++;
    report(s, task, step);
    scheduleStep(s, task);
  });
}

/** The task's executor (or agent) reports a state: a new update enters the agent's stream for the task. */
export function report(s: MasterState, task: TaskRecord, step: TaskStep): void {
  if (isTerminalState(task.agentState)) return;
  const fw = s.frameworks.get(task.frameworkId);
  if (fw === undefined) return;
  task.agentState = step.state;
  const uuid = s.random.uuidBytes();
  const now = s.now() / 1000;
  const status: TaskStatus = {
    task_id: { value: task.info.task_id.value },
    state: step.state,
    source: step.source ?? 'SOURCE_EXECUTOR',
    slave_id: { value: task.agentId },
    executor_id: { value: task.executorId },
    timestamp: now,
    uuid,
  };
  if (step.message !== undefined) status.message = step.message;
  if (step.reason !== undefined) status.reason = step.reason;
  if (step.data !== undefined) status.data = step.data;
  task.pending.push({
    framework_id: { value: task.frameworkId },
    executor_id: { value: task.executorId },
    slave_id: { value: task.agentId },
    status,
    timestamp: now,
    uuid,
  });
  if (task.pending.length === 1) forward(s, task);

  if (isTerminalState(step.state)) {
    s.clock.cancel(task.stepTimer);
    task.stepTimer = undefined;
    taskEndedOnAgent(s, task);
    // The default executor kills the rest of a task group when one of its tasks fails.
    if (task.group !== undefined && step.state === 'TASK_FAILED') killGroup(s, fw, task);
  }
}

/** Bookkeeping when a task ends on its executor; `notify` false when the whole agent or framework goes. */
function taskEndedOnAgent(s: MasterState, task: TaskRecord, notify = true): void {
  const agent = s.agents.get(task.agentId);
  const executor = agent?.executors.get(task.executorKey);
  if (agent === undefined || executor === undefined) return;
  executor.taskIds.delete(task.info.task_id.value);
  if (executor.kind === 'custom' || executor.taskIds.size > 0) return;
  agent.executors.delete(task.executorKey);
  const fw = s.frameworks.get(executor.frameworkId);
  if (fw === undefined) return;
  release(agent, fw, executor.resources);
  // Command executors are the agent's own: it reports no exit for them (`isGeneratedForCommandTask`).
  if (executor.kind === 'default' && notify) {
    s.toFramework(fw, {
      type: 'FAILURE',
      slave_id: { value: agent.id },
      executor_id: { value: executor.info.executor_id.value },
      status: 0,
    });
  }
}

/**
 * The agent forwards the head of the task's stream (with `latest_state`) and the master processes it: the
 * task's state becomes the latest state, resources return on a terminal one, and the update goes to the
 * framework if it is connected. Retried with backoff until acknowledged.
 */
export function forward(s: MasterState, task: TaskRecord): void {
  const head = task.pending[0];
  const fw = s.frameworks.get(task.frameworkId);
  const agent = s.agents.get(task.agentId);
  if (head === undefined || fw === undefined || agent === undefined) return;
  const update: StatusUpdate = { ...head, latest_state: task.agentState };
  // `Master::updateTask`: the state becomes the latest state (never leaving a terminal one); the status is
  // recorded without its data, replacing the previous one if it has the same state (retries), and operator
  // subscribers hear of each new status state.
  if (!isTerminalState(task.task.state)) task.task.state = task.agentState;
  task.task.status_update_state = head.status.state;
  task.task.status_update_uuid = head.uuid!;
  const { data: _data, ...recorded } = head.status;
  const last = task.task.statuses[task.task.statuses.length - 1];
  const newState = last === undefined || last.state !== recorded.state;
  if (!newState) task.task.statuses.pop();
  task.task.statuses.push(recorded);
  if (newState) {
    s.operator({ type: 'TASK_UPDATED', framework_id: { value: fw.id }, status: head.status, state: task.task.state });
  }
  if (isTerminalState(task.task.state) && !task.resourcesRecovered) {
    task.resourcesRecovered = true;
    release(agent, fw, task.resources);
    allocateSoon(s);
  }
  s.toFramework(fw, { type: 'UPDATE', update, pid: agent.pid });
  s.clock.cancel(task.retryTimer);
  task.retryTimer = s.timer(task.retryIntervalMs, () => {
    task.retryTimer = undefined;
    task.retryIntervalMs = Math.min(task.retryIntervalMs * 2, s.timings.statusUpdateRetryMaxMs);
    forward(s, task);
  });
}

/**
 * ACKNOWLEDGE: relayed to the agent; when the uuid is the head of the task's stream the head is dropped, the next
 * update is forwarded, and after a terminal one the master forgets the task.
 */
export function acknowledge(
  s: MasterState,
  fw: FrameworkRecord,
  agentId: string,
  taskId: string,
  uuid: Uint8Array,
): void {
  const agent = s.agents.get(agentId);
  if (agent === undefined) {
    s.note(`acknowledgement for task ${taskId} on unknown agent ${agentId} dropped`);
    return;
  }
  const task = fw.tasks.get(taskId);
  s.toAgent(agent, {
    type: 'STATUS_UPDATE_ACKNOWLEDGEMENT',
    slave_id: { value: agentId },
    framework_id: { value: fw.id },
    task_id: { value: taskId },
    uuid,
  });
  if (task === undefined || task.agentId !== agentId) return;
  const head = task.pending[0];
  if (head === undefined || !uuidEquals(head.uuid, uuid)) {
    s.note(`duplicate or unexpected acknowledgement for task ${taskId} ignored`);
    return;
  }
  task.pending.shift();
  s.clock.cancel(task.retryTimer);
  task.retryTimer = undefined;
  task.retryIntervalMs = s.timings.statusUpdateRetryMinMs;
  if (isTerminalState(head.status.state) && task.pending.length === 0) {
    // The master forgets a task once its terminal update is acknowledged.
    releaseTask(s, task);
    return;
  }
  if (task.pending.length > 0) forward(s, task);
}

/** Moves a task to the completed list and returns its resources if that did not happen yet. */
export function releaseTask(s: MasterState, task: TaskRecord, notify = true): void {
  const fw = s.frameworks.get(task.frameworkId);
  const agent = s.agents.get(task.agentId);
  if (fw === undefined) return;
  fw.tasks.delete(task.info.task_id.value);
  fw.completedTasks.push(task.task);
  if (fw.completedTasks.length > MAX_COMPLETED_TASKS_PER_FRAMEWORK) fw.completedTasks.shift();
  if (!task.resourcesRecovered && agent !== undefined) {
    task.resourcesRecovered = true;
    release(agent, fw, task.resources);
  }
  const executor = agent?.executors.get(task.executorKey);
  if (executor?.taskIds.has(task.info.task_id.value)) taskEndedOnAgent(s, task, notify);
}

/** KILL: unknown tasks are answered by reconciliation; known ones are killed on their agent. */
export function kill(s: MasterState, fw: FrameworkRecord, command: KillCommand): void {
  const task = fw.tasks.get(command.task_id.value);
  if (task === undefined) {
    // Unknown task: the master answers with a reconciliation of it.
    reconcile(s, fw, {
      type: 'RECONCILE',
      framework_id: command.framework_id,
      tasks: [{ task_id: command.task_id, ...(command.slave_id === undefined ? {} : { slave_id: command.slave_id }) }],
    });
    return;
  }
  if (command.slave_id !== undefined && command.slave_id.value !== task.agentId) return;
  const agent = s.agents.get(task.agentId);
  if (agent === undefined) return;
  const message: AgentMessage = { type: 'KILL_TASK', framework_id: { value: fw.id }, task_id: command.task_id };
  if (command.kill_policy !== undefined) message.kill_policy = command.kill_policy;
  s.toAgent(agent, message);
  killOnAgent(s, fw, task);
  if (task.group !== undefined) killGroup(s, fw, task);
}

/** The default executor kills every task of a group once one is killed or fails. */
export function killGroup(s: MasterState, fw: FrameworkRecord, task: TaskRecord): void {
  for (const other of fw.tasks.values()) {
    if (other !== task && other.group === task.group) killOnAgent(s, fw, other);
  }
}

function killOnAgent(s: MasterState, fw: FrameworkRecord, task: TaskRecord): void {
  if (isTerminalState(task.agentState) || task.killing) return;
  s.clock.cancel(task.stepTimer);
  task.stepTimer = undefined;
  if (task.agentState === 'TASK_STAGING') {
    report(s, task, {
      state: 'TASK_KILLED',
      after_ms: 0,
      source: 'SOURCE_SLAVE',
      reason: 'REASON_TASK_KILLED_DURING_LAUNCH',
      message: 'Killed before delivery to the executor',
    });
    return;
  }
  task.killing = true;
  if (fw.capabilities.has('TASK_KILLING_STATE')) {
    report(s, task, { state: 'TASK_KILLING', after_ms: 0, source: 'SOURCE_EXECUTOR' });
  }
  task.stepTimer = s.timer(task.script.kill_ms ?? 0, () => {
    task.stepTimer = undefined;
    report(s, task, {
      state: 'TASK_KILLED',
      after_ms: 0,
      source: 'SOURCE_EXECUTOR',
      message: 'Command terminated with signal Terminated',
    });
  });
}

/** SHUTDOWN: the executor goes, its tasks are killed. */
export function shutdownExecutor(s: MasterState, fw: FrameworkRecord, agentId: string, executorId: string): void {
  const agent = s.agents.get(agentId);
  const executor = agent?.executors.get(`${fw.id}/${executorId}`);
  if (agent === undefined || executor === undefined) return;
  s.toAgent(agent, {
    type: 'SHUTDOWN_EXECUTOR',
    framework_id: { value: fw.id },
    executor_id: { value: executorId },
  });
  for (const taskId of [...executor.taskIds]) {
    const task = fw.tasks.get(taskId);
    if (task === undefined || isTerminalState(task.agentState)) continue;
    s.clock.cancel(task.stepTimer);
    task.stepTimer = undefined;
    report(s, task, {
      state: 'TASK_KILLED',
      after_ms: 0,
      source: 'SOURCE_SLAVE',
      reason: 'REASON_EXECUTOR_TERMINATED',
      message: 'Executor shut down',
    });
  }
  if (executor.kind === 'custom' && agent.executors.has(`${fw.id}/${executorId}`)) {
    agent.executors.delete(`${fw.id}/${executorId}`);
    release(agent, fw, executor.resources);
    s.toFramework(fw, {
      type: 'FAILURE',
      slave_id: { value: agentId },
      executor_id: { value: executorId },
      status: 0,
    });
  }
}
