/**
 * The allocator: periodic and event-triggered allocation passes, fair-share order, refuse filters, offer
 * creation/removal and resource accounting (after src/master/allocator/mesos/hierarchical.cpp and `Master::offer`).
 */
import { DEFAULT_REFUSE_SECONDS, MAX_REFUSE_SECONDS } from './constants.ts';
import type { MasterState } from './context.ts';
import { formatOfferId } from './ids.ts';
import {
  addResources,
  containsResources,
  filterAllocatable,
  isAllocatable,
  scalarTotal,
  subtractResources,
} from './resources.ts';
import type { AgentRecord, FrameworkRecord, OfferRecord } from './state.ts';
import type { Filters, Resource } from './types.ts';
import { offerMessage } from './views.ts';

/** Starts the periodic allocation (every `--allocation_interval`). */
export function scheduleAllocationCycle(s: MasterState): void {
  s.allocationTimer = s.timer(s.timings.allocationIntervalMs, () => {
    allocate(s);
    scheduleAllocationCycle(s);
  });
}

/** An allocation at the current time (the allocator batches event-triggered allocations the same way). */
export function allocateSoon(s: MasterState): void {
  if (s.allocationSoon !== undefined || s.stopped) return;
  s.allocationSoon = s.timer(0, () => {
    s.allocationSoon = undefined;
    allocate(s);
  });
}

/**
 * One allocation pass: for each agent, candidate (framework, role) pairs in fair-share order (lowest dominant
 * share of cpus/mem/disk first, then registration order) get what is available to their role, unless a refuse
 * filter covers it or it is below the minimum allocatable. One OFFERS event per framework per pass.
 */
function allocate(s: MasterState): void {
  const totals = { cpus: 0, mem: 0, disk: 0 };
  for (const agent of s.agents.values()) {
    if (!agent.active) continue;
    totals.cpus += scalarTotal(agent.total, 'cpus');
    totals.mem += scalarTotal(agent.total, 'mem');
    totals.disk += scalarTotal(agent.total, 'disk');
  }
  const share = (fw: FrameworkRecord): number =>
    Math.max(
      totals.cpus > 0 ? fw.allocated.cpus / totals.cpus : 0,
      totals.mem > 0 ? fw.allocated.mem / totals.mem : 0,
      totals.disk > 0 ? fw.allocated.disk / totals.disk : 0,
    );
  const batches = new Map<FrameworkRecord, OfferRecord[]>();
  const candidates: { fw: FrameworkRecord; role: string }[] = [];
  for (const fw of s.frameworks.values()) {
    if (!fw.active || !fw.connected) continue;
    for (const role of fw.roles) if (!fw.suppressedRoles.has(role)) candidates.push({ fw, role });
  }
  if (candidates.length === 0) return;

  for (const agent of s.agents.values()) {
    if (!agent.active) continue;
    let available = subtractResources(agent.total, agent.allocated);
    if (available.length === 0) continue;
    candidates.sort((a, b) => share(a.fw) - share(b.fw) || a.fw.ordinal - b.fw.ordinal);
    for (const { fw, role } of candidates) {
      const offerable = filterAllocatable(available, role);
      if (!isAllocatable(offerable) || filtered(s, fw, role, agent.id, offerable)) continue;
      const offer = createOffer(s, fw, agent, role, offerable);
      let batch = batches.get(fw);
      if (batch === undefined) batches.set(fw, (batch = []));
      batch.push(offer);
      available = subtractResources(available, offerable);
      if (available.length === 0) break;
    }
  }
  for (const [fw, offers] of batches) {
    const messages = offers.map((o) => offerMessage(fw, s.agents.get(o.agentId)!, o));
    const pids = offers.map((o) => s.agents.get(o.agentId)!.pid);
    s.toFramework(fw, { type: 'OFFERS', offers: messages, pids });
  }
}

function filtered(_s: MasterState, fw: FrameworkRecord, role: string, agentId: string, resources: Resource[]): boolean {
  const list = fw.filters.get(role)?.get(agentId);
  return list?.some((f) => containsResources(f.resources, resources)) ?? false;
}

function createOffer(
  s: MasterState,
  fw: FrameworkRecord,
  agent: AgentRecord,
  role: string,
  resources: Resource[],
): OfferRecord {
  const offer: OfferRecord = {
    id: formatOfferId(s.masterInfo.id, s.nextOfferId++),
    frameworkId: fw.id,
    agentId: agent.id,
    role,
    resources,
    timer: undefined,
  };
  s.offers.set(offer.id, offer);
  fw.offers.add(offer.id);
  agent.offers.add(offer.id);
  charge(agent, fw, resources);
  const timeout = s.timings.offerTimeoutMs;
  if (timeout !== undefined) {
    offer.timer = s.timer(timeout, () => {
      offer.timer = undefined;
      if (s.offers.has(offer.id)) removeOffer(s, offer, { rescind: true });
    });
  }
  return offer;
}

/** Removes an offer and returns its resources, optionally rescinding it and installing a refuse filter. */
export function removeOffer(s: MasterState, offer: OfferRecord, how: { rescind: boolean; filters?: Filters }): void {
  const fw = s.frameworks.get(offer.frameworkId);
  const agent = s.agents.get(offer.agentId);
  s.offers.delete(offer.id);
  s.clock.cancel(offer.timer);
  fw?.offers.delete(offer.id);
  agent?.offers.delete(offer.id);
  if (fw === undefined || agent === undefined) return;
  if (how.rescind) s.toFramework(fw, { type: 'RESCIND', offer_id: { value: offer.id } });
  recover(s, fw, agent, offer.role, offer.resources, how.filters);
}

/** Counts resources as offered or used on the agent and in the framework's share. */
export function charge(agent: AgentRecord, fw: FrameworkRecord, resources: Resource[]): void {
  agent.allocated = addResources(agent.allocated, resources);
  fw.allocated.cpus += scalarTotal(resources, 'cpus');
  fw.allocated.mem += scalarTotal(resources, 'mem');
  fw.allocated.disk += scalarTotal(resources, 'disk');
}

/** The reverse of `charge`. */
export function release(agent: AgentRecord, fw: FrameworkRecord, resources: Resource[]): void {
  if (resources.length === 0) return;
  agent.allocated = subtractResources(agent.allocated, resources);
  fw.allocated.cpus = Math.max(0, fw.allocated.cpus - scalarTotal(resources, 'cpus'));
  fw.allocated.mem = Math.max(0, fw.allocated.mem - scalarTotal(resources, 'mem'));
  fw.allocated.disk = Math.max(0, fw.allocated.disk - scalarTotal(resources, 'disk'));
}

/** `recoverResources`: give back, and with `filters` refuse them on this agent for max(interval, refuse). */
export function recover(
  s: MasterState,
  fw: FrameworkRecord,
  agent: AgentRecord,
  role: string,
  resources: Resource[],
  filters: Filters | undefined,
): void {
  release(agent, fw, resources);
  if (filters === undefined || resources.length === 0) return;
  let refuse = filters.refuse_seconds ?? DEFAULT_REFUSE_SECONDS;
  if (!Number.isFinite(refuse) || refuse < 0) refuse = DEFAULT_REFUSE_SECONDS;
  if (refuse > MAX_REFUSE_SECONDS) refuse = MAX_REFUSE_SECONDS;
  if (refuse === 0) return;
  const timeoutMs = Math.max(s.timings.allocationIntervalMs, refuse * 1000);
  let byAgent = fw.filters.get(role);
  if (byAgent === undefined) fw.filters.set(role, (byAgent = new Map()));
  let list = byAgent.get(agent.id);
  if (list === undefined) byAgent.set(agent.id, (list = []));
  const filter = { resources, until: s.now() + timeoutMs, timer: 0 };
  filter.timer = s.timer(timeoutMs, () => {
    const current = fw.filters.get(role)?.get(agent.id);
    if (current === undefined) return;
    const i = current.indexOf(filter);
    if (i !== -1) current.splice(i, 1);
  });
  list.push(filter);
}

/** What is currently offered on an agent. */
export function offeredOn(s: MasterState, agent: AgentRecord): Resource[] {
  let offered: Resource[] = [];
  for (const id of agent.offers) offered = addResources(offered, s.offers.get(id)!.resources);
  return offered;
}
