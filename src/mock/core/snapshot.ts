/** Views of a framework built from the master state (operator API and `/master/state`). */
import type { MasterState } from './context.ts';
import type { FrameworkView } from './outputs.ts';
import { addResources } from './resources.ts';
import type { FrameworkRecord } from './state.ts';
import type { Offer, Resource } from './types.ts';
import { type FrameworkSnapshot, frameworkView, offerMessage } from './views.ts';

/** The operator view of a framework: its offers as sent, used and offered resources. */
export function frameworkViewOf(s: MasterState, fw: FrameworkRecord): FrameworkView {
  const offers: Offer[] = [];
  let offered: Resource[] = [];
  for (const id of fw.offers) {
    const offer = s.offers.get(id)!;
    const agent = s.agents.get(offer.agentId);
    if (agent === undefined) continue;
    offers.push(offerMessage(fw, agent, offer));
    offered = addResources(offered, offer.resources);
  }
  let used: Resource[] = [];
  for (const task of fw.tasks.values()) if (!task.resourcesRecovered) used = addResources(used, task.resources);
  for (const agent of s.agents.values()) {
    for (const e of agent.executors.values()) if (e.frameworkId === fw.id) used = addResources(used, e.resources);
  }
  return frameworkView(fw, offers, used, offered);
}

/** The operator view plus connection, roles, tasks and executors. */
export function frameworkSnapshotOf(s: MasterState, fw: FrameworkRecord): FrameworkSnapshot {
  const executors: FrameworkSnapshot['executors'] = [];
  for (const agent of s.agents.values()) {
    for (const e of agent.executors.values()) {
      if (e.frameworkId === fw.id && e.kind !== 'command') executors.push({ ...e.info, slave_id: { value: agent.id } });
    }
  }
  return {
    ...frameworkViewOf(s, fw),
    id: fw.id,
    connection: fw.connection,
    roles: [...fw.roles],
    suppressed_roles: [...fw.suppressedRoles],
    tasks: [...fw.tasks.values()].map((t) => t.task),
    completed_tasks: [...fw.completedTasks],
    executors,
  };
}
