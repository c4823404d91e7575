/**
 * Resource arithmetic for the simulation, after Mesos's `Resources` (src/common/resources.cpp): resources with the
 * same name, type and reservation stack merge; scalars are fixed point with three decimals; ranges coalesce; sets
 * are unions. The core keeps resources in the "post reservation refinement" form (a `reservations` stack, no
 * `role`, no `allocation_info`) and converts at the edges.
 */
import type { ReservationInfo, Resource, ValueRange } from './types.ts';

/** Mesos rounds scalars to three decimal places (`Value::Scalar` fixed-point arithmetic). */
function roundScalar(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/**
 * The canonical form of a resource as a framework or an operator may write it: a pre-refinement `role` (with
 * `reservation` for a dynamic one) becomes a one-entry `reservations` stack, and `allocation_info` is dropped
 * (`upgradeResource` upstream).
 */
export function upgradeResource(resource: Resource): Resource {
  const out: Resource = { ...resource };
  delete out.allocation_info;
  delete out.role;
  delete out.reservation;
  const stack = resource.reservations ?? [];
  if (stack.length > 0) {
    out.reservations = stack.map((r) => ({ ...r }));
  } else if (resource.role !== undefined && resource.role !== '*') {
    const dynamic = resource.reservation !== undefined;
    const info: ReservationInfo = { type: dynamic ? 'DYNAMIC' : 'STATIC', role: resource.role };
    if (resource.reservation?.principal !== undefined) info.principal = resource.reservation.principal;
    if (resource.reservation?.labels !== undefined) info.labels = resource.reservation.labels;
    out.reservations = [info];
  } else {
    delete out.reservations;
  }
  return cloneValue(out);
}

/** `upgradeResource` over a list. */
export function upgradeResources(resources: readonly Resource[] | undefined): Resource[] {
  return (resources ?? []).map(upgradeResource);
}

/**
 * The pre-refinement form that frameworks without the RESERVATION_REFINEMENT capability see: `role` is the
 * innermost reservation's role or `*`, and a dynamic reservation keeps `reservation` without `type`/`role`.
 */
export function downgradeResource(resource: Resource): Resource {
  const out: Resource = cloneValue(resource);
  const last = resource.reservations?.[resource.reservations.length - 1];
  delete out.reservations;
  out.role = last?.role ?? '*';
  if (last?.type === 'DYNAMIC') {
    const reservation: ReservationInfo = {};
    if (last.principal !== undefined) reservation.principal = last.principal;
    if (last.labels !== undefined) reservation.labels = last.labels;
    out.reservation = reservation;
  }
  return out;
}

/** The role a resource is reserved to (innermost reservation), or `*` when unreserved. */
export function reservationRole(resource: Resource): string {
  const stack = resource.reservations;
  return stack !== undefined && stack.length > 0 ? (stack[stack.length - 1]!.role ?? '*') : '*';
}

/** True when a framework allocated in `role` may be offered this resource (unreserved, or reserved to the role). */
export function allocatableToRole(resource: Resource, role: string): boolean {
  const reserved = reservationRole(resource);
  return reserved === '*' || reserved === role;
}

/** Identity of a resource for merging: everything except the quantity. */
export function resourceKey(resource: Resource): string {
  // Fast path for the common plain resource; the full key only when there is more identity to compare.
  if (
    (resource.reservations === undefined || resource.reservations.length === 0) &&
    resource.disk === undefined &&
    resource.revocable === undefined &&
    resource.shared === undefined &&
    resource.provider_id === undefined
  ) {
    return `${resource.name}\u0000${resource.type}`;
  }
  return JSON.stringify([
    resource.name,
    resource.type,
    resource.reservations ?? [],
    resource.disk ?? null,
    resource.revocable !== undefined,
    resource.shared !== undefined,
    resource.provider_id?.value ?? null,
  ]);
}

function isEmpty(resource: Resource): boolean {
  switch (resource.type) {
    case 'SCALAR':
      return (resource.scalar?.value ?? 0) <= 0;
    case 'RANGES':
      return (resource.ranges?.range ?? []).length === 0;
    case 'SET':
      return (resource.set?.item ?? []).length === 0;
    default:
      return true;
  }
}

function coalesce(ranges: readonly ValueRange[]): ValueRange[] {
  const sorted = ranges.filter((r) => r.begin <= r.end).sort((a, b) => a.begin - b.begin);
  const out: ValueRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.begin <= last.end + 1) {
      if (r.end > last.end) last.end = r.end;
    } else {
      out.push({ begin: r.begin, end: r.end });
    }
  }
  return out;
}

function subtractRanges(left: readonly ValueRange[], right: readonly ValueRange[]): ValueRange[] {
  let out = coalesce(left);
  for (const cut of coalesce(right)) {
    const next: ValueRange[] = [];
    for (const r of out) {
      if (cut.end < r.begin || cut.begin > r.end) {
        next.push(r);
        continue;
      }
      if (cut.begin > r.begin) next.push({ begin: r.begin, end: cut.begin - 1 });
      if (cut.end < r.end) next.push({ begin: cut.end + 1, end: r.end });
    }
    out = next;
  }
  return out;
}

function rangesContain(outer: readonly ValueRange[], inner: readonly ValueRange[]): boolean {
  const o = coalesce(outer);
  return coalesce(inner).every((r) => o.some((c) => c.begin <= r.begin && r.end <= c.end));
}

function cloneValue(resource: Resource): Resource {
  const out: Resource = { ...resource };
  if (resource.scalar !== undefined) out.scalar = { value: resource.scalar.value };
  if (resource.ranges !== undefined) out.ranges = { range: resource.ranges.range.map((r) => ({ ...r })) };
  if (resource.set !== undefined) out.set = { item: [...resource.set.item] };
  return out;
}

function merge(into: Resource, add: Resource): void {
  switch (into.type) {
    case 'SCALAR':
      into.scalar = { value: roundScalar((into.scalar?.value ?? 0) + (add.scalar?.value ?? 0)) };
      break;
    case 'RANGES':
      into.ranges = { range: coalesce([...(into.ranges?.range ?? []), ...(add.ranges?.range ?? [])]) };
      break;
    case 'SET':
      into.set = { item: [...new Set([...(into.set?.item ?? []), ...(add.set?.item ?? [])])] };
      break;
    default:
      break;
  }
}

/** Merges entries with the same identity and drops empty ones; the order of first appearance is kept. */
export function normalizeResources(resources: readonly Resource[]): Resource[] {
  const byKey = new Map<string, Resource>();
  for (const r of resources) {
    const key = resourceKey(r);
    const existing = byKey.get(key);
    if (existing === undefined) {
      const copy = cloneValue(r);
      if (copy.type === 'RANGES') copy.ranges = { range: coalesce(copy.ranges?.range ?? []) };
      if (copy.type === 'SCALAR') copy.scalar = { value: roundScalar(copy.scalar?.value ?? 0) };
      byKey.set(key, copy);
    } else {
      merge(existing, r);
    }
  }
  return [...byKey.values()].filter((r) => !isEmpty(r));
}

/** `left + right`. */
export function addResources(left: readonly Resource[], right: readonly Resource[]): Resource[] {
  return normalizeResources([...left, ...right]);
}

/** `left - right`; quantities never go below zero (what is not in `left` is ignored, as upstream). */
export function subtractResources(left: readonly Resource[], right: readonly Resource[]): Resource[] {
  const out = normalizeResources(left);
  const index = new Map(out.map((r) => [resourceKey(r), r]));
  for (const [key, r] of aggregate(right)) {
    const target = index.get(key);
    if (target === undefined) continue;
    switch (target.type) {
      case 'SCALAR':
        target.scalar = { value: Math.max(0, roundScalar((target.scalar?.value ?? 0) - (r.scalar?.value ?? 0))) };
        break;
      case 'RANGES':
        target.ranges = { range: subtractRanges(target.ranges?.range ?? [], r.ranges?.range ?? []) };
        break;
      case 'SET': {
        const cut = new Set(r.set?.item ?? []);
        target.set = { item: (target.set?.item ?? []).filter((i) => !cut.has(i)) };
        break;
      }
      default:
        break;
    }
  }
  return out.filter((r) => !isEmpty(r));
}

/** True when `outer` holds at least everything in `inner` (`Resources::contains`). */
export function containsResources(outer: readonly Resource[], inner: readonly Resource[]): boolean {
  const index = aggregate(outer);
  for (const [key, r] of aggregate(inner)) {
    if (isEmpty(r)) continue;
    const have = index.get(key);
    if (have === undefined) return false;
    switch (r.type) {
      case 'SCALAR':
        if (roundScalar(have.scalar?.value ?? 0) < roundScalar(r.scalar?.value ?? 0)) return false;
        break;
      case 'RANGES':
        if (!rangesContain(have.ranges?.range ?? [], r.ranges?.range ?? [])) return false;
        break;
      case 'SET': {
        const items = new Set(have.set?.item ?? []);
        if (!(r.set?.item ?? []).every((i) => items.has(i))) return false;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

/** Resources merged by identity for reading only: an entry that appears once is not copied. */
function aggregate(resources: readonly Resource[]): Map<string, Resource> {
  const byKey = new Map<string, Resource>();
  for (const r of resources) {
    const key = resourceKey(r);
    const existing = byKey.get(key);
    if (existing === undefined) {
      byKey.set(key, r);
    } else {
      const merged = cloneValue(existing);
      merge(merged, r);
      byKey.set(key, merged);
    }
  }
  return byKey;
}

/** Sum of a scalar resource over all reservations (0 when absent). */
export function scalarTotal(resources: readonly Resource[], name: string): number {
  let sum = 0;
  for (const r of resources) if (r.name === name && r.type === 'SCALAR') sum += r.scalar?.value ?? 0;
  return roundScalar(sum);
}

/** The resources allocatable to `role`: unreserved ones and those reserved to it. */
export function filterAllocatable(resources: readonly Resource[], role: string): Resource[] {
  return resources.filter((r) => allocatableToRole(r, role));
}

/** The unreserved resources of a list. */
export function unreserved(resources: readonly Resource[]): Resource[] {
  return resources.filter((r) => reservationRole(r) === '*');
}

/**
 * Mesos's default `--min_allocatable_resources` ("cpus:0.01|mem:32"): an offer is made only if it has at least
 * 0.01 cpus or at least 32 MB of memory.
 */
export function isAllocatable(resources: readonly Resource[]): boolean {
  return scalarTotal(resources, 'cpus') >= 0.01 || scalarTotal(resources, 'mem') >= 32;
}

/** Short text like Mesos's `Resources` printing: `cpus(r):2; mem:1024; ports:[31000-32000]`. */
export function formatResources(resources: readonly Resource[]): string {
  return normalizeResources(resources)
    .map((r) => {
      const role = reservationRole(r);
      const name = role === '*' ? r.name : `${r.name}(${role})`;
      switch (r.type) {
        case 'SCALAR':
          return `${name}:${r.scalar?.value ?? 0}`;
        case 'RANGES':
          return `${name}:[${(r.ranges?.range ?? []).map((x) => `${x.begin}-${x.end}`).join(', ')}]`;
        case 'SET':
          return `${name}:{${(r.set?.item ?? []).join(', ')}}`;
        default:
          return name;
      }
    })
    .join('; ');
}
