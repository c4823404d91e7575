/**
 * Wire name -> protobuf type, for libprocess messages (the catalog) and for the v1
 * HTTP APIs (by endpoint and direction).
 *
 * A libprocess message name is the full protobuf type name of its body
 * (`mesos.internal.StatusUpdateMessage`); the catalog adds roles and versions. Names
 * outside the catalog that equal a type in the schemas are accepted too (wire-protocol
 * 5.3). `PING` and `PONG` are raw names: empty bodies, except that 0.21.0-0.24.x masters
 * put a serialized `PingSlaveMessage` in `PING`.
 */
import { type CatalogEntry, MESSAGE_CATALOG } from './catalog.ts';
import { findType, getDefaultRoot, type PbRoot, type PbType } from './schema.ts';

/** What the registry knows about one wire name. */
export interface WireNameInfo {
  wireName: string;
  /** `protobuf`: the body is a protobuf of `typeName`; `raw`: a non-protobuf name (PING, PONG). */
  kind: 'protobuf' | 'raw';
  /** The body's type name; for PING the type its non-empty body carries. */
  typeName: string | undefined;
  /** The resolved type, when the schemas define it. */
  type: PbType | undefined;
  /** The catalog row, when the name is in the catalog. */
  catalog: CatalogEntry | undefined;
}

/** Raw (non-protobuf) names: the type a non-empty body carries, if any. */
export const RAW_WIRE_NAMES: Readonly<Record<string, { bodyType: string | undefined; note: string }>> = {
  PING: {
    bodyType: 'mesos.internal.PingSlaveMessage',
    note: 'empty body up to 0.20.x; 0.21.0-0.24.x masters send a serialized PingSlaveMessage',
  },
  PONG: { bodyType: undefined, note: 'always an empty body' },
};

const byName = new Map<string, CatalogEntry>(MESSAGE_CATALOG.map((e) => [e.wireName, e]));

/**
 * Looks a libprocess message name up. Returns undefined when the name is neither in
 * the catalog, nor raw, nor the full name of a type in the schemas.
 */
export function lookupWireName(name: string, root: PbRoot = getDefaultRoot()): WireNameInfo | undefined {
  const raw = RAW_WIRE_NAMES[name];
  const catalog = byName.get(name);
  if (raw !== undefined) {
    const type = raw.bodyType === undefined ? undefined : findType(root, raw.bodyType);
    return { wireName: name, kind: 'raw', typeName: raw.bodyType, type, catalog };
  }
  const typeName = catalog?.typeName ?? name;
  const type = isTypeNameLike(typeName) ? findType(root, typeName) : undefined;
  if (catalog === undefined && type === undefined) return undefined;
  return { wireName: name, kind: 'protobuf', typeName, type, catalog };
}

function isTypeNameLike(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(name);
}

/** Every catalog wire name, in catalog order. */
export function listWireNames(): string[] {
  return MESSAGE_CATALOG.map((e) => e.wireName);
}

/** Direction of a v1 API body: the request, a plain response, or a record of a stream. */
export type EndpointDirection = 'request' | 'response' | 'event';

/** Who serves `/api/v1` (the master and the agent operator APIs share the path). */
export type ApiServer = 'master' | 'agent';

interface EndpointTypes {
  request: string;
  response: string | undefined;
  event: string | undefined;
}

/** v1 HTTP API endpoints (wire-protocol 4.1) and their body types. */
export const V1_ENDPOINTS: Readonly<Record<string, EndpointTypes>> = {
  '/api/v1/scheduler': {
    request: 'mesos.v1.scheduler.Call',
    response: 'mesos.v1.scheduler.Response',
    event: 'mesos.v1.scheduler.Event',
  },
  '/api/v1/executor': { request: 'mesos.v1.executor.Call', response: undefined, event: 'mesos.v1.executor.Event' },
  '/api/v1#master': {
    request: 'mesos.v1.master.Call',
    response: 'mesos.v1.master.Response',
    event: 'mesos.v1.master.Event',
  },
  // Agent streams (ATTACH_CONTAINER_INPUT/OUTPUT, LAUNCH_NESTED_CONTAINER_SESSION) carry ProcessIO records.
  '/api/v1#agent': {
    request: 'mesos.v1.agent.Call',
    response: 'mesos.v1.agent.Response',
    event: 'mesos.v1.agent.ProcessIO',
  },
  '/api/v1/resource_provider': {
    request: 'mesos.v1.resource_provider.Call',
    response: undefined,
    event: 'mesos.v1.resource_provider.Event',
  },
};

/** The resolved type of a v1 endpoint body. */
export interface EndpointType {
  /** The endpoint key in V1_ENDPOINTS. */
  endpoint: string;
  typeName: string;
  type: PbType | undefined;
}

/**
 * The body type of a v1 API endpoint. `path` may carry an actor prefix
 * (`/master/api/v1/scheduler`, `/slave(1)/api/v1`) and a query string. `/api/v1` is the
 * master's operator API unless `server` says `agent`. Undefined for other paths or when
 * the endpoint has no body of that direction (e.g. executor responses are empty).
 */
export function typeForEndpoint(
  path: string,
  direction: EndpointDirection,
  options: { server?: ApiServer; root?: PbRoot } = {},
): EndpointType | undefined {
  const normalized = normalizeApiPath(path);
  if (normalized === undefined) return undefined;
  const endpoint = normalized === '/api/v1' ? `/api/v1#${options.server ?? 'master'}` : normalized;
  const types = V1_ENDPOINTS[endpoint];
  if (types === undefined) return undefined;
  const typeName = types[direction];
  if (typeName === undefined) return undefined;
  return { endpoint, typeName, type: findType(options.root ?? getDefaultRoot(), typeName) };
}

/** `/x/api/v1/y?q` -> `/api/v1/y`; undefined when the path is not a v1 API path. */
function normalizeApiPath(path: string): string | undefined {
  let p = path;
  const q = p.search(/[?#]/);
  if (q >= 0) p = p.slice(0, q);
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  const at = p.indexOf('/api/v1');
  // Only an actor prefix of one segment may precede /api/v1 (libprocess routes by first segment).
  if (at < 0 || p.slice(0, at).split('/').length > 2) return undefined;
  const rest = p.slice(at);
  return rest === '/api/v1' || /^\/api\/v1\/[a-z_]+$/.test(rest) ? rest : undefined;
}
