/**
 * The master's read-only JSON endpoints (`/master/state`, `/master/frameworks`, `/master/slaves`, `/version`),
 * shaped like src/master/readonly_handler.cpp and src/common/http.cpp write them (1.11): resources as a
 * `{name: value}` object (scalars as numbers, ranges as `"[a-b, c-d]"`, sets as `"{a, b}"`, with cpus/gpus/mem/disk
 * always present), times in seconds, `leader_info` as the Mesos JSON of `MasterInfo`.
 */

import type { Attribute, Offer, Resource, Task, TaskStatus } from './core/types.ts';
import type { AgentSnapshot, FrameworkSnapshot, MasterSnapshot } from './core/views.ts';

/** Build facts the mock reports in `/version` and `/master/state`. */
export interface BuildInfo {
  version: string;
  build_date: string;
  build_time: number;
  build_user: string;
}

/** Default build facts (the version is the simulation's `MasterInfo.version`). */
export function buildInfo(version: string): BuildInfo {
  return { version, build_date: '2020-11-16 00:00:00', build_time: 1605484800, build_user: 'mesos-wire' };
}

type Json = Record<string, unknown>;

const secs = (t: { nanoseconds: number } | undefined): number => (t === undefined ? 0 : t.nanoseconds / 1e9);

function formatRanges(ranges: { begin: number; end: number }[]): string {
  return `[${ranges.map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
}

/** `json(Resources)`: one key per resource name. */
export function resourcesJson(resources: readonly Resource[]): Json {
  const scalars = new Map<string, number>([
    ['cpus', 0],
    ['gpus', 0],
    ['mem', 0],
    ['disk', 0],
  ]);
  const ranges = new Map<string, { begin: number; end: number }[]>();
  const sets = new Map<string, string[]>();
  for (const r of resources) {
    if (r.type === 'SCALAR') scalars.set(r.name, (scalars.get(r.name) ?? 0) + (r.scalar?.value ?? 0));
    else if (r.type === 'RANGES') ranges.set(r.name, [...(ranges.get(r.name) ?? []), ...(r.ranges?.range ?? [])]);
    else if (r.type === 'SET') sets.set(r.name, [...(sets.get(r.name) ?? []), ...(r.set?.item ?? [])]);
  }
  const out: Json = {};
  for (const [name, value] of scalars) out[name] = Math.round(value * 1000) / 1000;
  for (const [name, value] of ranges) out[name] = formatRanges([...value].sort((a, b) => a.begin - b.begin));
  for (const [name, value] of sets) out[name] = `{${value.join(', ')}}`;
  return out;
}

/** The role a resource is reserved for (innermost reservation), or undefined when unreserved. */
function reservedRole(r: Resource): string | undefined {
  const stack = r.reservations ?? [];
  if (stack.length > 0) return stack[stack.length - 1]?.role;
  return r.role !== undefined && r.role !== '*' ? r.role : undefined;
}

function attributesJson(attributes: readonly Attribute[]): Json {
  const out: Json = {};
  for (const a of attributes) {
    if (a.type === 'SCALAR') out[a.name] = a.scalar?.value ?? 0;
    else if (a.type === 'RANGES') out[a.name] = formatRanges(a.ranges?.range ?? []);
    else if (a.type === 'SET') out[a.name] = `{${(a.set?.item ?? []).join(', ')}}`;
    else out[a.name] = a.text?.value ?? '';
  }
  return out;
}

function statusJson(status: TaskStatus): Json {
  const out: Json = { state: status.state, timestamp: status.timestamp ?? 0 };
  if (status.labels !== undefined) out.labels = status.labels.labels;
  if (status.healthy !== undefined) out.healthy = status.healthy;
  return out;
}

/** `json(Task)`. */
export function taskJson(task: Task): Json {
  const out: Json = {
    id: task.task_id.value,
    name: task.name,
    framework_id: task.framework_id.value,
    executor_id: task.executor_id?.value ?? '',
    slave_id: task.slave_id.value,
    state: task.state,
    resources: resourcesJson(task.resources),
    statuses: task.statuses.map(statusJson),
  };
  if (task.user !== undefined) out.user = task.user;
  if (task.labels !== undefined) out.labels = task.labels.labels;
  return out;
}

function offerJson(offer: Offer): Json {
  return {
    id: offer.id.value,
    framework_id: offer.framework_id.value,
    // `JSON::Protobuf(offer.allocation_info())`: an empty object for frameworks that are not MULTI_ROLE.
    allocation_info: offer.allocation_info ?? {},
    slave_id: offer.slave_id.value,
    resources: resourcesJson(offer.resources),
  };
}

/** `FullFrameworkWriter`: the summary fields, then the full ones. */
export function frameworkJson(fw: FrameworkSnapshot): Json {
  const info = fw.framework_info;
  const multiRole = (info.capabilities ?? []).some((c) => c.type === 'MULTI_ROLE');
  const out: Json = {
    id: fw.id,
    name: info.name,
  };
  if (fw.connection.kind === 'pid') out.pid = fw.connection.pid;
  Object.assign(out, {
    used_resources: resourcesJson(fw.allocated_resources),
    offered_resources: resourcesJson(fw.offered_resources),
    capabilities: (info.capabilities ?? []).map((c) => c.type ?? 'UNKNOWN'),
    hostname: info.hostname ?? '',
    webui_url: info.webui_url ?? '',
    active: fw.active,
    connected: fw.connected,
    recovered: fw.recovered,
    user: info.user,
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
  });
  if (multiRole) out.roles = info.roles ?? [];
  else out.role = info.role ?? '*';
  out.registered_time = secs(fw.registered_time);
  out.unregistered_time = secs(fw.unregistered_time);
  if (info.principal !== undefined) out.principal = info.principal;
  out.resources = resourcesJson([...fw.allocated_resources, ...fw.offered_resources]);
  if (fw.reregistered_time !== undefined) out.reregistered_time = secs(fw.reregistered_time);
  out.tasks = fw.tasks.map(taskJson);
  out.unreachable_tasks = [];
  out.completed_tasks = fw.completed_tasks.map(taskJson);
  out.offers = fw.offers.map(offerJson);
  out.executors = fw.executors.map((e) => ({
    executor_id: e.executor_id.value,
    name: e.name ?? '',
    framework_id: fw.id,
    command: e.command ?? {},
    resources: resourcesJson(e.resources ?? []),
    slave_id: e.slave_id.value,
  }));
  if (info.labels !== undefined) out.labels = info.labels.labels;
  return out;
}

/** `json(Full<Slave>)`. */
export function agentJson(agent: AgentSnapshot, version: string): Json {
  const reserved: Record<string, Resource[]> = {};
  const unreserved: Resource[] = [];
  for (const r of agent.total_resources) {
    const role = reservedRole(r);
    if (role === undefined) unreserved.push(r);
    else (reserved[role] ??= []).push(r);
  }
  const reservedJson: Json = {};
  for (const [role, list] of Object.entries(reserved)) reservedJson[role] = resourcesJson(list);
  return {
    id: agent.id,
    pid: agent.pid,
    hostname: agent.hostname,
    port: agent.slave_info.port,
    registered_time: secs(agent.registered_time),
    resources: resourcesJson(agent.total_resources),
    used_resources: resourcesJson(agent.allocated_resources),
    offered_resources: resourcesJson(agent.offered_resources),
    reserved_resources: reservedJson,
    unreserved_resources: resourcesJson(unreserved),
    attributes: attributesJson(agent.attributes),
    active: agent.active,
    deactivated: !agent.active,
    version,
    capabilities: ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT'],
    reserved_resources_full: reserved,
    unreserved_resources_full: unreserved,
    used_resources_full: agent.allocated_resources,
    offered_resources_full: agent.offered_resources,
  };
}

/** `/master/frameworks`. */
export function frameworksJson(snapshot: MasterSnapshot): Json {
  return {
    frameworks: snapshot.frameworks.map(frameworkJson),
    completed_frameworks: snapshot.completed_frameworks.map(frameworkJson),
    unregistered_frameworks: [],
  };
}

/** `/master/slaves`. */
export function slavesJson(snapshot: MasterSnapshot): Json {
  const version = snapshot.master_info.version ?? '';
  return { slaves: snapshot.agents.map((a) => agentJson(a, version)), recovered_slaves: [] };
}

/** `/master/state`. `leaderInfo` is the Mesos JSON object of `MasterInfo`. */
export function stateJson(snapshot: MasterSnapshot, leaderInfo: unknown, flags: Record<string, string>): Json {
  const info = snapshot.master_info;
  const build = buildInfo(info.version ?? '');
  const active = snapshot.agents.filter((a) => a.active).length;
  return {
    ...build,
    start_time: snapshot.start_time / 1000,
    elected_time: snapshot.start_time / 1000,
    id: info.id,
    pid: info.pid ?? '',
    hostname: info.hostname ?? '',
    capabilities: (info.capabilities ?? []).map((c) => c.type ?? 'UNKNOWN'),
    activated_slaves: active,
    deactivated_slaves: snapshot.agents.length - active,
    unreachable_slaves: snapshot.removed_agents.filter((a) => a.how === 'unreachable').length,
    leader: info.pid ?? '',
    leader_info: leaderInfo,
    flags,
    slaves: snapshot.agents.map((a) => agentJson(a, build.version)),
    recovered_slaves: [],
    frameworks: snapshot.frameworks.map(frameworkJson),
    completed_frameworks: snapshot.completed_frameworks.map(frameworkJson),
    orphan_tasks: [],
    unregistered_frameworks: [],
  };
}
