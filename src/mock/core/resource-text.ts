/**
 * The one seam between the simulation and the agent resources text notation (`--resources` of a Mesos agent):
 * `cpus:4;mem:8192;disk:10000;ports:[31000-32000]`, `cpus(role):2`, or a JSON array of `Resource`. Parsing is the
 * shared parser's (src/proto/resources.ts, Mesos `Resources::fromString` semantics); this file only converts its
 * protobuf-shaped objects (enum numbers, bigint range bounds) into the core's plain shapes (enum names, numbers).
 */
import { mwError } from '../../errors.ts';
// The JSON form is read through the bundled `mesos.Resource` schema.
import { parseResources, RESERVATION_TYPE, type ResourceMessage, VALUE_TYPE } from '../../proto/resources.ts';
import type { ReservationInfo, Resource } from './types.ts';

const VALUE_TYPE_NAMES = new Map<number, Resource['type']>(
  Object.entries(VALUE_TYPE).map(([name, n]) => [n, name as Resource['type']]),
);
const RESERVATION_TYPE_NAMES = new Map<number, NonNullable<ReservationInfo['type']>>(
  Object.entries(RESERVATION_TYPE).map(([name, n]) => [n, name as NonNullable<ReservationInfo['type']>]),
);

/**
 * Parses agent resources text into one `Resource` per token (post-refinement form: a static reservation for
 * `name(role)`), empty ones included, as `Resources::fromString` returns them. Throws `MW_RESOURCES_PARSE` with
 * the offset of the fault in the text.
 */
export function parseResourcesText(text: string, defaultRole = '*'): Resource[] {
  return parseResources(text, { defaultRole }).map(toCoreResource);
}

function toCoreResource(message: ResourceMessage): Resource {
  const type = VALUE_TYPE_NAMES.get(message.type);
  if (type === undefined) throw mwError('MW_RESOURCES_PARSE', `resource ${message.name} has an unknown value type`);
  const out: Resource = { name: message.name, type };
  if (message.scalar !== undefined) out.scalar = { value: message.scalar.value };
  if (message.ranges !== undefined) {
    out.ranges = { range: (message.ranges.range ?? []).map((r) => ({ begin: Number(r.begin), end: Number(r.end) })) };
  }
  if (message.set !== undefined) out.set = { item: [...(message.set.item ?? [])] };
  if (message.role !== undefined) out.role = message.role;
  if (message.reservations !== undefined && message.reservations.length > 0) {
    out.reservations = message.reservations.map((r) => {
      const info: ReservationInfo = {};
      const rtype = r.type === undefined ? undefined : RESERVATION_TYPE_NAMES.get(r.type);
      if (rtype !== undefined) info.type = rtype;
      if (r.role !== undefined) info.role = r.role;
      if (r.principal !== undefined) info.principal = r.principal;
      return info;
    });
  }
  return out;
}
