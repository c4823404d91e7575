/**
 * Framework and agent ids inside typed bodies: every `FrameworkID` / `SlaveID` / `AgentID` value a message holds, at
 * any depth (a status update's `framework_id`, an offer's `agent_id`, a `RunTaskMessage`'s `framework.id`, ...).
 * The walk follows only the fields from which such an id can be reached (computed once per type), so most bodies
 * cost a few property reads.
 */

import type { ProtoMessage } from '../proto/decode.ts';
import { type PbType, pb } from '../proto/schema.ts';
import type { TypedBody } from './body-decode.ts';

/** The ids found in one body. */
export interface BodyIds {
  frameworks: string[];
  agents: string[];
}

const FRAMEWORK_ID_TYPES = new Set(['.mesos.FrameworkID', '.mesos.v1.FrameworkID']);
const AGENT_ID_TYPES = new Set(['.mesos.SlaveID', '.mesos.v1.AgentID']);
/** Nesting followed at most (ids sit within a few levels; schemas are recursive in places). */
const MAX_DEPTH = 12;

/** What a field leads to: an id directly, or a message type that may hold ids. */
interface Route {
  name: string;
  repeated: boolean;
  id: 'framework' | 'agent' | undefined;
  type: PbType | undefined;
}

const routesByType = new Map<PbType, Route[]>();
const reachable = new Map<PbType, boolean>();

/** Can a message of `type` hold a framework or agent id? (cycles count as no until proven otherwise). */
function canReach(type: PbType, visiting: Set<PbType>): boolean {
  const known = reachable.get(type);
  if (known !== undefined) return known;
  if (visiting.has(type)) return false;
  visiting.add(type);
  let found = false;
  for (const field of type.fieldsArray) {
    field.resolve();
    const target = field.resolvedType;
    if (!(target instanceof pb.Type)) continue;
    if (FRAMEWORK_ID_TYPES.has(target.fullName) || AGENT_ID_TYPES.has(target.fullName) || canReach(target, visiting)) {
      found = true;
    }
  }
  visiting.delete(type);
  // A "no" found while a cycle was open may be premature: only remember it at the top of the walk.
  if (found || visiting.size === 0) reachable.set(type, found);
  return found;
}

function routesOf(type: PbType): Route[] {
  let routes = routesByType.get(type);
  if (routes !== undefined) return routes;
  routes = [];
  for (const field of type.fieldsArray) {
    field.resolve();
    const target = field.resolvedType;
    if (!(target instanceof pb.Type) || field instanceof pb.MapField) continue;
    const full = target.fullName;
    const id = FRAMEWORK_ID_TYPES.has(full) ? 'framework' : AGENT_ID_TYPES.has(full) ? 'agent' : undefined;
    if (id !== undefined || canReach(target, new Set())) {
      routes.push({ name: field.name, repeated: field.repeated, id, type: id === undefined ? target : undefined });
    }
  }
  routesByType.set(type, routes);
  return routes;
}

function walk(message: ProtoMessage, type: PbType, out: BodyIds, depth: number): void {
  if (depth > MAX_DEPTH) return;
  for (const route of routesOf(type)) {
    const value = message[route.name];
    if (value === undefined || value === null) continue;
    if (!route.repeated) visit(value, route, out, depth);
    else for (const item of value as unknown[]) visit(item, route, out, depth);
  }
}

/** One value of a route's field: an id to note, or a message to walk. */
function visit(item: unknown, route: Route, out: BodyIds, depth: number): void {
  if (item === null || typeof item !== 'object') return;
  if (route.id !== undefined) {
    const id = (item as { value?: unknown }).value;
    if (typeof id === 'string') {
      const list = route.id === 'framework' ? out.frameworks : out.agents;
      if (!list.includes(id)) list.push(id);
    }
  } else walk(item as ProtoMessage, route.type!, out, depth + 1);
}

/** Framework and agent ids inside a typed body (empty lists when it is not a typed message). */
export function bodyIds(typed: TypedBody | undefined): BodyIds {
  const out: BodyIds = { frameworks: [], agents: [] };
  if (typed?.kind === 'message') walk(typed.message, typed.type, out, 0);
  return out;
}
