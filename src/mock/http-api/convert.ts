/**
 * Between the simulation core (plain objects with the unversioned `mesos` field names, enums by name) and v1 API
 * bodies. Mesos "evolves" its internal messages to v1 by serializing the unversioned message and parsing the
 * bytes as the v1 type (same field numbers, `slave` renamed `agent`); the mock does the same: protobuf bodies are
 * the unversioned encoding, JSON bodies are those bytes decoded as the v1 type and written as Mesos JSON.
 */
import { mwError } from '../../errors.ts';
import { decodeWithType, type ProtoMessage } from '../../proto/decode.ts';
import { encodeMessage } from '../../proto/json-read.ts';
import { toMesosJson } from '../../proto/json-write.ts';
import { findType, getDefaultRoot, type PbType, pb } from '../../proto/schema.ts';
import type { AgentSnapshot, FrameworkSnapshot, MasterSnapshot } from '../core/index.ts';
import type { AgentView, OperatorEvent, SchedulerEvent } from '../core/outputs.ts';
import { APPLICATION_JSON, type V1ContentType } from './media.ts';

const utf8 = new TextEncoder();

/** Looks a type up in the bundled schemas (they are fixed, so a miss is a bug). */
export function requireType(name: string): PbType {
  const type = findType(getDefaultRoot(), name);
  if (type === undefined) throw mwError('MW_PROTO_UNKNOWN_TYPE', `the schemas do not define ${name}`);
  return type;
}

/** The pairs of types a v1 body is built from: the unversioned type it is encoded with, the v1 type it is read as. */
export interface EvolvedType {
  readonly v0: PbType;
  readonly v1: PbType;
}

let cachedTypes:
  | { schedulerEvent: EvolvedType; operatorEvent: EvolvedType; operatorResponse: EvolvedType; frameworkInfo: PbType }
  | undefined;

/** The evolved types of the scheduler and operator APIs (resolved once). */
export function v1Types(): NonNullable<typeof cachedTypes> {
  cachedTypes ??= {
    schedulerEvent: { v0: requireType('mesos.scheduler.Event'), v1: requireType('mesos.v1.scheduler.Event') },
    operatorEvent: { v0: requireType('mesos.master.Event'), v1: requireType('mesos.v1.master.Event') },
    operatorResponse: { v0: requireType('mesos.master.Response'), v1: requireType('mesos.v1.master.Response') },
    frameworkInfo: requireType('mesos.FrameworkInfo'),
  };
  return cachedTypes;
}

/**
 * Encodes an unversioned plain object (enums by name) as a v1 body in `contentType`: protobuf bytes, or the v1
 * type's Mesos JSON (declaration order, defaults written, exact 64-bit integers).
 */
export function evolve(object: Record<string, unknown>, types: EvolvedType, contentType: V1ContentType): Uint8Array {
  const bytes = encodeMessage(types.v0.fromObject(object) as unknown as ProtoMessage, types.v0);
  if (contentType !== APPLICATION_JSON) return bytes;
  return utf8.encode(toMesosJson(decodeWithType(types.v1, bytes), types.v1));
}

const SIXTY_FOUR_BIT = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/**
 * A decoded message as the core's plain objects: enums by name (unknown numbers kept as numbers), 64-bit integers
 * as numbers (the core counts ports and times in doubles), bytes as Uint8Array, only present fields.
 */
export function toCoreObject(message: ProtoMessage, type: PbType): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    if (!Object.hasOwn(message, field.name)) continue;
    const value = message[field.name];
    if (value === undefined || value === null) continue;
    field.resolve();
    const convert = (v: unknown): unknown => {
      const resolved = field.resolvedType;
      if (resolved instanceof pb.Type) return toCoreObject(v as ProtoMessage, resolved);
      if (resolved instanceof pb.Enum) return resolved.valuesById[v as number] ?? v;
      if (SIXTY_FOUR_BIT.has(field.type)) return Number(v as bigint);
      return v;
    };
    if (field instanceof pb.MapField) {
      const map: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) map[k] = convert(v);
      out[field.name] = map;
    } else if (field.repeated) out[field.name] = (value as unknown[]).map(convert);
    else out[field.name] = convert(value);
  }
  return out;
}

/** `mesos.scheduler.Event` (unversioned) for a core event; undefined for CLOSE (not an event). */
export function schedulerEventObject(event: SchedulerEvent): Record<string, unknown> | undefined {
  switch (event.type) {
    case 'SUBSCRIBED':
      return {
        type: 'SUBSCRIBED',
        subscribed: {
          framework_id: event.framework_id,
          heartbeat_interval_seconds: event.heartbeat_interval_seconds,
          master_info: event.master_info,
        },
      };
    case 'OFFERS':
      return { type: 'OFFERS', offers: { offers: event.offers } };
    case 'RESCIND':
      return { type: 'RESCIND', rescind: { offer_id: event.offer_id } };
    case 'UPDATE':
      return { type: 'UPDATE', update: { status: event.update.status } };
    case 'MESSAGE':
      return {
        type: 'MESSAGE',
        message: { slave_id: event.slave_id, executor_id: event.executor_id, data: event.data },
      };
    case 'FAILURE': {
      const failure: Record<string, unknown> = { slave_id: event.slave_id };
      if (event.executor_id !== undefined) failure.executor_id = event.executor_id;
      if (event.status !== undefined) failure.status = event.status;
      return { type: 'FAILURE', failure };
    }
    case 'ERROR':
      return { type: 'ERROR', error: { message: event.message } };
    case 'HEARTBEAT':
      return { type: 'HEARTBEAT' };
    case 'CLOSE':
      return undefined;
  }
}

/** `GetAgents.Agent` (unversioned) for an agent view; `version` is the master's (virtual agents run with it). */
export function agentObject(agent: AgentView, version: string): Record<string, unknown> {
  const info: Record<string, unknown> = { ...agent.slave_info };
  const attributes = (agent as Partial<AgentSnapshot>).attributes;
  if (attributes !== undefined && attributes.length > 0) info.attributes = attributes;
  return {
    agent_info: info,
    active: agent.active,
    version,
    pid: agent.pid,
    registered_time: agent.registered_time,
    total_resources: agent.total_resources,
    allocated_resources: agent.allocated_resources,
    offered_resources: agent.offered_resources,
  };
}

/** `mesos.master.Event` (unversioned) for a core operator event. */
export function operatorEventObject(event: OperatorEvent, version: string): Record<string, unknown> {
  switch (event.type) {
    case 'TASK_ADDED':
      return { type: 'TASK_ADDED', task_added: { task: event.task } };
    case 'TASK_UPDATED':
      return {
        type: 'TASK_UPDATED',
        task_updated: { framework_id: event.framework_id, status: event.status, state: event.state },
      };
    case 'AGENT_ADDED':
      return { type: 'AGENT_ADDED', agent_added: { agent: agentObject(event.agent, version) } };
    case 'AGENT_REMOVED':
      return { type: 'AGENT_REMOVED', agent_removed: { agent_id: event.agent_id } };
    case 'FRAMEWORK_ADDED':
      return { type: 'FRAMEWORK_ADDED', framework_added: { framework: event.framework } };
    case 'FRAMEWORK_UPDATED':
      return { type: 'FRAMEWORK_UPDATED', framework_updated: { framework: event.framework } };
    case 'FRAMEWORK_REMOVED':
      return { type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: event.framework_info } };
  }
}

/** `Response.GetTasks` from a snapshot. */
export function getTasksObject(snapshot: MasterSnapshot): Record<string, unknown> {
  return { tasks: snapshot.tasks, completed_tasks: snapshot.completed_tasks };
}

function frameworkObject(fw: FrameworkSnapshot): Record<string, unknown> {
  const { framework_info, active, connected, recovered, offers, allocated_resources, offered_resources } = fw;
  const out: Record<string, unknown> = {
    framework_info,
    active,
    connected,
    recovered,
    offers,
    allocated_resources,
    offered_resources,
  };
  if (fw.registered_time !== undefined) out.registered_time = fw.registered_time;
  if (fw.reregistered_time !== undefined) out.reregistered_time = fw.reregistered_time;
  if (fw.unregistered_time !== undefined) out.unregistered_time = fw.unregistered_time;
  return out;
}

/** `Response.GetFrameworks` from a snapshot. */
export function getFrameworksObject(snapshot: MasterSnapshot): Record<string, unknown> {
  return {
    frameworks: snapshot.frameworks.map(frameworkObject),
    completed_frameworks: snapshot.completed_frameworks.map(frameworkObject),
  };
}

/** `Response.GetAgents` from a snapshot. */
export function getAgentsObject(snapshot: MasterSnapshot): Record<string, unknown> {
  const version = snapshot.master_info.version ?? '';
  return { agents: snapshot.agents.map((a) => agentObject(a, version)) };
}

/** `Response.GetExecutors` from a snapshot. */
export function getExecutorsObject(snapshot: MasterSnapshot): Record<string, unknown> {
  return {
    executors: snapshot.frameworks.flatMap((fw) =>
      fw.executors.map(({ slave_id, ...executor_info }) => ({ executor_info, slave_id })),
    ),
  };
}

/** `Response.GetState` from a snapshot. */
export function getStateObject(snapshot: MasterSnapshot): Record<string, unknown> {
  return {
    get_tasks: getTasksObject(snapshot),
    get_executors: getExecutorsObject(snapshot),
    get_frameworks: getFrameworksObject(snapshot),
    get_agents: getAgentsObject(snapshot),
  };
}

/** `Response.GetRoles`: `*` and every role a framework is subscribed to, weight 1, with their frameworks. */
export function getRolesObject(snapshot: MasterSnapshot): Record<string, unknown> {
  const roles = new Map<string, { frameworks: { value: string }[]; resources: unknown[] }>([
    ['*', { frameworks: [], resources: [] }],
  ]);
  for (const fw of snapshot.frameworks) {
    for (const role of fw.roles) {
      let entry = roles.get(role);
      if (entry === undefined) roles.set(role, (entry = { frameworks: [], resources: [] }));
      entry.frameworks.push({ value: fw.id });
    }
  }
  return {
    roles: [...roles.keys()].sort().map((name) => ({ name, weight: 1, ...roles.get(name) })),
  };
}
