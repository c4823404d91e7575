/**
 * Read-only views of the simulation for front ends: offers as a given framework receives them, frameworks and
 * agents as the operator API and `/master/state` show them, and the whole-master snapshot.
 */
import type { FrameworkConnection } from './commands.ts';
import type { AgentView, FrameworkView } from './outputs.ts';
import { downgradeResource, subtractResources } from './resources.ts';
import type { AgentRecord, FrameworkRecord, OfferRecord } from './state.ts';
import type { ExecutorInfo, IdValue, MasterInfo, Offer, Resource, Task } from './types.ts';

/** Virtual ms -> `TimeInfo`. */
export function timeInfo(ms: number): { nanoseconds: number } {
  return { nanoseconds: Math.round(ms * 1e6) };
}

/**
 * Resources as a framework sees them: pre-refinement form unless it has RESERVATION_REFINEMENT, and
 * `allocation_info` only for MULTI_ROLE frameworks (MESOS-8237).
 */
export function resourcesForFramework(fw: FrameworkRecord, resources: readonly Resource[], role: string): Resource[] {
  const refinement = fw.capabilities.has('RESERVATION_REFINEMENT');
  const multiRole = fw.capabilities.has('MULTI_ROLE');
  return resources.map((r) => {
    const out = refinement ? { ...r } : downgradeResource(r);
    if (multiRole) out.allocation_info = { role };
    return out;
  });
}

/** The agent's libprocess id (`slave(1)`) from its UPID text. */
function pidId(pid: string): string {
  const at = pid.indexOf('@');
  return at === -1 ? pid : pid.slice(0, at);
}

function pidIp(pid: string): string {
  const at = pid.indexOf('@');
  const colon = pid.lastIndexOf(':');
  return at === -1 || colon < at ? '' : pid.slice(at + 1, colon);
}

/** The `Offer` message for an offer record, as `Master::offer` builds it. */
export function offerMessage(fw: FrameworkRecord, agent: AgentRecord, offer: OfferRecord): Offer {
  const executorIds: IdValue[] = [];
  for (const e of agent.executors.values()) {
    if (e.frameworkId === fw.id && e.kind !== 'command') executorIds.push({ value: e.info.executor_id.value });
  }
  const out: Offer = {
    id: { value: offer.id },
    framework_id: { value: fw.id },
    slave_id: { value: agent.id },
    hostname: agent.hostname,
    url: {
      scheme: 'http',
      address: { hostname: agent.hostname, ip: pidIp(agent.pid), port: agent.port },
      path: `/${pidId(agent.pid)}`,
    },
    resources: resourcesForFramework(fw, offer.resources, offer.role),
    attributes: agent.attributes,
    executor_ids: executorIds,
  };
  if (fw.capabilities.has('MULTI_ROLE')) out.allocation_info = { role: offer.role };
  return out;
}

/** Operator view of a framework. */
export function frameworkView(
  fw: FrameworkRecord,
  offers: Offer[],
  used: Resource[],
  offered: Resource[],
): FrameworkView {
  const view: FrameworkView = {
    framework_info: fw.info,
    active: fw.active,
    connected: fw.connected,
    recovered: false,
    registered_time: timeInfo(fw.registeredTime),
    offers,
    allocated_resources: used,
    offered_resources: offered,
  };
  if (fw.reregisteredTime !== undefined) view.reregistered_time = timeInfo(fw.reregisteredTime);
  if (fw.unregisteredTime !== undefined) view.unregistered_time = timeInfo(fw.unregisteredTime);
  return view;
}

/** Operator view of an agent. */
export function agentView(agent: AgentRecord, offered: Resource[]): AgentView {
  return {
    slave_info: { hostname: agent.hostname, port: agent.port, id: { value: agent.id }, resources: agent.total },
    pid: agent.pid,
    active: agent.active,
    registered_time: timeInfo(agent.registeredTime),
    total_resources: agent.total,
    allocated_resources: subtractResources(agent.allocated, offered),
    offered_resources: offered,
  };
}

/** A framework in the snapshot: the operator view plus what `/master/state` lists. */
export interface FrameworkSnapshot extends FrameworkView {
  id: string;
  connection: FrameworkConnection;
  roles: string[];
  suppressed_roles: string[];
  tasks: Task[];
  completed_tasks: Task[];
  executors: (ExecutorInfo & { slave_id: IdValue })[];
}

/** An agent in the snapshot. */
export interface AgentSnapshot extends AgentView {
  id: string;
  hostname: string;
  attributes: AgentRecord['attributes'];
}

/** An agent that left: `unreachable` (partitioned) or `gone` (removed by an operator). */
export interface RemovedAgent {
  id: string;
  hostname: string;
  pid: string;
  how: 'unreachable' | 'gone';
  time: number;
}

/** Everything a state endpoint needs, as plain data (times in virtual ms unless a `TimeInfo`). */
export interface MasterSnapshot {
  master_info: MasterInfo;
  start_time: number;
  now: number;
  frameworks: FrameworkSnapshot[];
  completed_frameworks: FrameworkSnapshot[];
  agents: AgentSnapshot[];
  removed_agents: RemovedAgent[];
  offers: Offer[];
  tasks: Task[];
  completed_tasks: Task[];
}
