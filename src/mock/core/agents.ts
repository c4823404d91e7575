/** Virtual agents joining and leaving the master (`Master::addSlave`, `Master::removeSlave` / `markUnreachable`). */
import { agentResources } from './agent-resources.ts';
import { allocateSoon, release, removeOffer } from './allocator.ts';
import type { MasterState } from './context.ts';
import { formatAgentId } from './ids.ts';
import { masterStatus, masterUpdate } from './reconcile.ts';
import { normalizeResources, upgradeResources } from './resources.ts';
import type { AgentRecord } from './state.ts';
import { releaseTask } from './tasks.ts';
import { type Attribute, isTerminalState, type Resource, type TaskStateName } from './types.ts';
import { agentView } from './views.ts';

/** A virtual agent to create. */
export interface AgentSpec {
  /** Resources text (`cpus:4;mem:8192;...`) or resources; what is left out gets the agent defaults. */
  resources?: string | Resource[];
  /** Agent `--default_role` (default `*`). */
  defaultRole?: string;
  hostname?: string;
  /** UPID text; default `slave(<n>)@<master ip>:<master port>`, so a front end can serve it on the master's port. */
  pid?: string;
  attributes?: Attribute[];
}

/** Registers a virtual agent (AGENT_ADDED; an allocation follows). Returns its id `<master-id>-S<n>`. */
export function addAgent(s: MasterState, spec: AgentSpec): string {
  const n = s.nextAgentId++;
  const id = formatAgentId(s.masterInfo.id, n);
  const resources =
    typeof spec.resources === 'object'
      ? normalizeResources(upgradeResources(spec.resources))
      : agentResources(spec.resources ?? s.defaultAgentResources, spec.defaultRole ?? '*', s.agentDefaults);
  const address = s.masterInfo.address!;
  const agent: AgentRecord = {
    id,
    hostname: spec.hostname ?? s.masterInfo.hostname ?? address.ip ?? '',
    port: address.port,
    pid: spec.pid ?? `slave(${++s.agentOrdinal})@${address.ip}:${address.port}`,
    attributes: spec.attributes ?? [],
    total: resources,
    allocated: [],
    offers: new Set(),
    executors: new Map(),
    registeredTime: s.now(),
    active: true,
  };
  s.agents.set(id, agent);
  s.operator({ type: 'AGENT_ADDED', agent: agentView(agent, []) });
  allocateSoon(s);
  return id;
}

/** Removes an agent: offers rescinded, tasks reported lost/unreachable/gone, frameworks told. */
export function removeAgent(s: MasterState, agent: AgentRecord, how: 'unreachable' | 'gone'): void {
  agent.active = false;
  for (const offerId of [...agent.offers]) removeOffer(s, s.offers.get(offerId)!, { rescind: true });
  for (const fw of s.frameworks.values()) {
    const partitionAware = fw.capabilities.has('PARTITION_AWARE');
    const state: TaskStateName = !partitionAware
      ? 'TASK_LOST'
      : how === 'unreachable'
        ? 'TASK_UNREACHABLE'
        : 'TASK_GONE_BY_OPERATOR';
    for (const task of [...fw.tasks.values()]) {
      if (task.agentId !== agent.id) continue;
      s.clock.cancel(task.stepTimer);
      s.clock.cancel(task.retryTimer);
      task.pending = [];
      // A task that already ended (its terminal update unacknowledged) is just forgotten.
      if (isTerminalState(task.task.state)) {
        releaseTask(s, task, false);
        continue;
      }
      task.agentState = state;
      const status = masterStatus(s, task.info.task_id, state, {
        reason: how === 'unreachable' ? 'REASON_SLAVE_REMOVED' : 'REASON_SLAVE_REMOVED_BY_OPERATOR',
        message: how === 'unreachable' ? 'Agent is unreachable' : 'Agent has been marked gone',
        slaveId: agent.id,
        executorId: task.task.executor_id?.value,
      });
      if (how === 'unreachable') status.unreachable_time = { nanoseconds: Math.round(s.now() * 1e6) };
      task.task.state = state;
      task.task.statuses.push(status);
      s.operator({ type: 'TASK_UPDATED', framework_id: { value: fw.id }, status, state });
      s.toFramework(fw, { type: 'UPDATE', update: masterUpdate(fw, status), pid: '' });
      releaseTask(s, task, false);
    }
  }
  for (const [key, executor] of agent.executors) {
    agent.executors.delete(key);
    const fw = s.frameworks.get(executor.frameworkId);
    if (fw !== undefined) release(agent, fw, executor.resources);
  }
  for (const fw of s.frameworks.values()) s.toFramework(fw, { type: 'FAILURE', slave_id: { value: agent.id } });
  s.agents.delete(agent.id);
  s.removedAgents.set(agent.id, {
    id: agent.id,
    hostname: agent.hostname,
    pid: agent.pid,
    how,
    time: s.now(),
  });
  s.operator({ type: 'AGENT_REMOVED', agent_id: { value: agent.id } });
}
