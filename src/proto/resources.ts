/**
 * Agent resources in text form, to and from `mesos.Resource` objects.
 *
 * The agent's `--resources` flag takes either a JSON array of Resource (Mesos JSON) or
 * the simple form `cpus:4;mem:1024;disk:1000;ports:[31000-32000];gpus:1`, with roles as
 * `cpus(role):2`. Semantics follow Mesos's `Resources::fromString` / `fromSimpleString`
 * and `values::parse` (src/common/resources.cpp, values.cpp, HEAD):
 *
 * - tokens are split on `;` and then `:` with empty pieces dropped (so `cpus::4` is
 *   accepted like Mesos does); exactly two pieces are required;
 * - `name(role)`: name and role are trimmed; without parentheses the default role
 *   (`*` unless given) applies; a role other than `*` becomes one STATIC reservation
 *   (`reservations: [{type: STATIC, role}]`, the post-refinement format);
 * - values: all spaces are removed; `[a-b,c-d]` is RANGES (unsigned 64-bit bounds,
 *   sorted and coalesced), `{a,b}` is SET, anything else a finite SCALAR;
 * - each resource is validated like `Resources::validate` (non-empty name, scalar >= 0,
 *   begin <= end, no duplicate set items, valid role) and one name may not have two
 *   types (`validateCommandLineResources`).
 *
 * Every error is MW_RESOURCES_PARSE with the offset (in the text) of the token at fault.
 */
import { MesosWireError, mwError } from '../errors.ts';
import type { ProtoMessage } from './decode.ts';
import { type JsonNode, parseJson } from './json-parse.ts';
import { jsonNodeToMessage, missingRequiredFields } from './json-read.ts';
import { findType, getDefaultRoot, type PbType } from './schema.ts';

/** `mesos.Value.Type` numbers. */
export const VALUE_TYPE = { SCALAR: 0, RANGES: 1, SET: 2, TEXT: 3 } as const;
/** `mesos.Resource.ReservationInfo.Type` numbers. */
export const RESERVATION_TYPE = { UNKNOWN: 0, STATIC: 1, DYNAMIC: 2 } as const;

/** A `mesos.Resource` as a plain message object (enum fields as numbers, range bounds as bigint). */
export interface ResourceMessage {
  name: string;
  type: number;
  scalar?: { value: number };
  ranges?: { range: { begin: bigint; end: bigint }[] };
  set?: { item: string[] };
  role?: string;
  reservations?: { type?: number; role?: string; principal?: string }[];
  [field: string]: unknown;
}

/** Options of `parseResources`. */
export interface ParseResourcesOptions {
  /** Role for resources written without one (default `*`). */
  defaultRole?: string;
  /** The Resource type for the JSON form (default `mesos.Resource` from the bundled schemas). */
  type?: PbType;
}

function fail(message: string, offset: number, cause?: unknown): MesosWireError {
  return mwError('MW_RESOURCES_PARSE', message, cause === undefined ? { offset } : { offset, cause });
}

/** Pieces of `text[from, to)` split on any of `delims`, empty pieces dropped, with offsets. */
function tokenize(text: string, from: number, to: number, delims: string): { text: string; offset: number }[] {
  const out: { text: string; offset: number }[] = [];
  let start = from;
  for (let i = from; i <= to; i++) {
    if (i === to || delims.includes(text[i]!)) {
      if (i > start) out.push({ text: text.slice(start, i), offset: start });
      start = i + 1;
    }
  }
  return out;
}

const DECIMAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

function parseUint64(text: string): bigint | undefined {
  if (/^\+?[0-9]+$/.test(text)) {
    const v = BigInt(text.replace('+', ''));
    return v <= 0xffffffffffffffffn ? v : undefined;
  }
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) {
    const v = BigInt(text);
    return v <= 0xffffffffffffffffn ? v : undefined;
  }
  return undefined;
}

function bracketsMatch(text: string, open: string, close: string): boolean {
  let depth = 0;
  for (const c of text) {
    if (c === open) depth++;
    else if (c === close && --depth < 0) return false;
  }
  return depth === 0;
}

/** Sorts ranges and merges overlapping or adjacent ones (Mesos `coalesce`). */
export function coalesceRanges(ranges: readonly { begin: bigint; end: bigint }[]): { begin: bigint; end: bigint }[] {
  const sorted = [...ranges].sort((a, b) => (a.begin < b.begin ? -1 : a.begin > b.begin ? 1 : 0));
  const out: { begin: bigint; end: bigint }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.begin <= last.end + 1n) {
      if (r.end > last.end) last.end = r.end;
    } else out.push({ begin: r.begin, end: r.end });
  }
  return out;
}

/** Parses one value (`4`, `[1-2,5-9]`, `{a,b}`) the way Mesos `values::parse` does. */
function parseValue(raw: string, offset: number): Pick<ResourceMessage, 'type' | 'scalar' | 'ranges' | 'set'> {
  const text = raw.replaceAll(' ', '');
  if (text.length === 0) throw fail('Expecting non-empty string', offset);
  if (!bracketsMatch(text, '{', '}') || !bracketsMatch(text, '[', ']') || !bracketsMatch(text, '(', ')')) {
    throw fail('Mismatched brackets', offset);
  }
  const square = text.indexOf('[');
  if (square === 0) {
    const tokens = tokenize(text, 0, text.length, '[]-,\n');
    if (tokens.length % 2 !== 0) throw fail('Expecting one or more "ranges"', offset);
    const range: { begin: bigint; end: bigint }[] = [];
    for (let i = 0; i < tokens.length; i += 2) {
      const begin = parseUint64(tokens[i]!.text);
      const end = parseUint64(tokens[i + 1]!.text);
      if (begin === undefined || end === undefined) {
        const bad = begin === undefined ? tokens[i]! : tokens[i + 1]!;
        throw fail(`Expecting non-negative integers in '${bad.text}'`, offset);
      }
      if (begin > end) throw fail('Invalid ranges resource: begin > end', offset);
      range.push({ begin, end });
    }
    return { type: VALUE_TYPE.RANGES, ranges: { range: coalesceRanges(range) } };
  }
  if (square > 0) throw fail("Unexpected '[' found", offset);
  const curly = text.indexOf('{');
  if (curly === 0) {
    const item = tokenize(text, 0, text.length, '{},\n').map((t) => t.text);
    if (new Set(item).size !== item.length) throw fail('Invalid set resource: duplicated elements', offset);
    return { type: VALUE_TYPE.SET, set: { item } };
  }
  if (curly > 0) throw fail("Unexpected '{' found", offset);
  const value = DECIMAL.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value)) throw fail(`Failed to parse '${text}' as scalar`, offset);
  if (value < 0) throw fail('Invalid scalar resource: value < 0', offset);
  return { type: VALUE_TYPE.SCALAR, scalar: { value } };
}

/** Mesos role names: `*`, or `/`-separated components that are not empty, `.`, `..` or `-`-led. */
export function roleError(role: string): string | undefined {
  if (role === '*') return undefined;
  if (role.length === 0) return 'Empty role name is invalid';
  for (const part of role.split('/')) {
    if (part === '' || part === '.' || part === '..') return `Role '${role}' has an invalid component '${part}'`;
    if (part.startsWith('-')) return `Role '${role}' may not start a component with '-'`;
    if (/[\x00-\x20\x7f\\*]/.test(part)) return `Role '${role}' contains an invalid character`;
  }
  return undefined;
}

function resourceType(options: ParseResourcesOptions): PbType {
  const t = options.type ?? findType(getDefaultRoot(), 'mesos.Resource');
  if (t === undefined) throw mwError('MW_PROTO_UNKNOWN_TYPE', 'the schemas do not define mesos.Resource');
  return t;
}

function withRole(resource: ResourceMessage, role: string): ResourceMessage {
  if (role !== '*') resource.reservations = [{ type: RESERVATION_TYPE.STATIC, role }];
  return resource;
}

function parseSimple(text: string, defaultRole: string): { resource: ResourceMessage; offset: number }[] {
  const out: { resource: ResourceMessage; offset: number }[] = [];
  for (const token of tokenize(text, 0, text.length, ';')) {
    const pair = tokenize(text, token.offset, token.offset + token.text.length, ':');
    if (pair.length !== 2) throw fail(`Bad value for resources, missing or extra ':' in ${token.text}`, token.offset);
    const [key, value] = pair as [{ text: string; offset: number }, { text: string; offset: number }];
    let name: string;
    let role = defaultRole;
    const open = key.text.indexOf('(');
    if (open < 0) name = key.text.trim();
    else {
      const close = key.text.indexOf(')');
      if (close < 0 || close < open) {
        throw fail(`Bad value for resources, mismatched parentheses in ${token.text}`, key.offset + open);
      }
      name = key.text.slice(0, open).trim();
      role = key.text.slice(open + 1, close).trim();
    }
    if (name.length === 0) throw fail('Empty resource name', key.offset);
    const bad = roleError(role);
    if (bad !== undefined) throw fail(bad, key.offset + Math.max(open, 0));
    const parsed = parseValue(value.text, value.offset);
    out.push({ resource: withRole({ name, ...parsed }, role), offset: token.offset });
  }
  return out;
}

function parseJsonForm(node: JsonNode & { kind: 'array' }, options: ParseResourcesOptions, defaultRole: string) {
  const type = resourceType(options);
  const out: { resource: ResourceMessage; offset: number }[] = [];
  for (const item of node.items) {
    let message: ProtoMessage;
    try {
      message = jsonNodeToMessage(item, type);
    } catch (e) {
      const offset = e instanceof MesosWireError && e.offset !== undefined ? e.offset : item.offset;
      throw fail(`Some JSON resources were not formatted properly: ${(e as Error).message}`, offset, e);
    }
    const missing = missingRequiredFields(message, type);
    if (missing.length > 0) throw fail(`Missing required fields: ${missing.join(', ')}`, item.offset);
    const resource = message as ResourceMessage;
    if (resource.role === undefined && resource.reservations === undefined) withRole(resource, defaultRole);
    validate(resource, item.offset);
    out.push({ resource, offset: item.offset });
  }
  return out;
}

function validate(r: ResourceMessage, offset: number): void {
  if (r.name.length === 0) throw fail('Empty resource name', offset);
  if (r.type === VALUE_TYPE.SCALAR) {
    if (r.scalar === undefined || r.ranges !== undefined || r.set !== undefined)
      throw fail('Invalid scalar resource', offset);
    if (r.scalar.value < 0) throw fail('Invalid scalar resource: value < 0', offset);
  } else if (r.type === VALUE_TYPE.RANGES) {
    if (r.scalar !== undefined || r.ranges === undefined || r.set !== undefined)
      throw fail('Invalid ranges resource', offset);
    const ranges = r.ranges.range ?? [];
    for (let i = 0; i < ranges.length; i++) {
      if (ranges[i]!.begin > ranges[i]!.end) throw fail('Invalid ranges resource: begin > end', offset);
      for (let j = i + 1; j < ranges.length; j++) {
        if (ranges[i]!.begin <= ranges[j]!.begin && ranges[j]!.begin <= ranges[i]!.end) {
          throw fail('Invalid ranges resource: overlapping ranges', offset);
        }
      }
    }
  } else if (r.type === VALUE_TYPE.SET) {
    if (r.scalar !== undefined || r.ranges !== undefined || r.set === undefined)
      throw fail('Invalid set resource', offset);
    const items = r.set.item ?? [];
    if (new Set(items).size !== items.length) throw fail('Invalid set resource: duplicated elements', offset);
  } else throw fail('Unsupported resource type', offset);
  const role = r.reservations?.[r.reservations.length - 1]?.role ?? r.role ?? '*';
  const bad = roleError(role);
  if (bad !== undefined) throw fail(bad, offset);
}

/**
 * Parses agent resources text (the simple form or a JSON array of Resource) into one
 * Resource per token, in text order, validated as `Resources::parse` validates them.
 * Tokens are not combined: `cpus:1;cpus:2` gives two resources and `cpus:0` one (callers
 * can tell what the text named). `combineResources` gives the combined `Resources` value
 * that `Resources::parse` returns.
 * @throws MesosWireError MW_RESOURCES_PARSE with the offset of the token at fault.
 */
export function parseResources(text: string, options: ParseResourcesOptions = {}): ResourceMessage[] {
  const defaultRole = options.defaultRole ?? '*';
  let parsed: { resource: ResourceMessage; offset: number }[];
  let json: JsonNode | undefined;
  try {
    json = parseJson(text);
  } catch {
    json = undefined;
  }
  if (json?.kind === 'array') parsed = parseJsonForm(json, options, defaultRole);
  else parsed = parseSimple(text, defaultRole);
  const types = new Map<string, number>();
  for (const { resource, offset } of parsed) {
    const seen = types.get(resource.name);
    if (seen !== undefined && seen !== resource.type) {
      throw fail(`Resources with the same name ('${resource.name}') but different types are not allowed`, offset);
    }
    types.set(resource.name, resource.type);
  }
  return parsed.map((p) => p.resource);
}

/** Scalars are added in fixed point with three decimals, as Mesos's `Value::Scalar` arithmetic does. */
function addScalars(a: number, b: number): number {
  return (Math.round(a * 1000) + Math.round(b * 1000)) / 1000;
}

function isEmptyResource(r: ResourceMessage): boolean {
  if (r.type === VALUE_TYPE.SCALAR) return Math.round((r.scalar?.value ?? 0) * 1000) === 0;
  if (r.type === VALUE_TYPE.RANGES) return (r.ranges?.range ?? []).length === 0;
  if (r.type === VALUE_TYPE.SET) return (r.set?.item ?? []).length === 0;
  return false;
}

/** Everything but the value, for deciding whether two resources add up into one. */
function identityKey(r: ResourceMessage): string {
  const { scalar: _s, ranges: _r, set: _i, ...rest } = r;
  return JSON.stringify(rest, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

/**
 * Resources combined as Mesos's `Resources::add` combines them (what `Resources::parse`
 * returns): empty ones (scalar 0, no ranges, no set items) are dropped, and a resource
 * equal to an earlier one in everything but its value is added to it (scalars in
 * three-decimal fixed point, ranges coalesced, sets united). Shared resources and disks
 * with a persistence or source are kept apart (Mesos has further rules for those).
 */
export function combineResources(resources: readonly ResourceMessage[]): ResourceMessage[] {
  const out: ResourceMessage[] = [];
  const byKey = new Map<string, ResourceMessage>();
  for (const r of resources) {
    if (isEmptyResource(r)) continue;
    const disk = r.disk as { persistence?: unknown; source?: unknown } | undefined;
    const separate = r.shared != null || disk?.persistence != null || disk?.source != null;
    const key = separate ? undefined : identityKey(r);
    const into = key === undefined ? undefined : byKey.get(key);
    if (into === undefined) {
      const copy: ResourceMessage = { ...r };
      if (r.scalar !== undefined) copy.scalar = { ...r.scalar };
      if (r.ranges !== undefined) copy.ranges = { range: r.ranges.range.map((x) => ({ ...x })) };
      if (r.set !== undefined) copy.set = { item: [...r.set.item] };
      out.push(copy);
      if (key !== undefined) byKey.set(key, copy);
    } else if (r.type === VALUE_TYPE.SCALAR) {
      into.scalar = { value: addScalars(into.scalar?.value ?? 0, r.scalar?.value ?? 0) };
    } else if (r.type === VALUE_TYPE.RANGES) {
      into.ranges = { range: coalesceRanges([...(into.ranges?.range ?? []), ...(r.ranges?.range ?? [])]) };
    } else if (r.type === VALUE_TYPE.SET) {
      const items = into.set?.item ?? [];
      into.set = { item: [...items, ...(r.set?.item ?? []).filter((x) => !items.includes(x))] };
    }
  }
  return out;
}

/** A scalar as Mesos prints it (up to 15 significant digits, no trailing zeros). */
export function formatScalar(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  return String(Number(value.toPrecision(15)));
}

/** The role a resource is reserved to (the last, most refined reservation), or `*`. */
export function resourceRole(r: ResourceMessage): string {
  const reservations = r.reservations;
  if (reservations !== undefined && reservations.length > 0) return reservations[reservations.length - 1]!.role ?? '*';
  return r.role ?? '*';
}

function valueText(r: ResourceMessage): string {
  if (r.type === VALUE_TYPE.SCALAR) return formatScalar(r.scalar?.value ?? 0);
  if (r.type === VALUE_TYPE.RANGES) {
    return `[${(r.ranges?.range ?? []).map((x) => `${BigInt(x.begin as bigint)}-${BigInt(x.end as bigint)}`).join(',')}]`;
  }
  if (r.type === VALUE_TYPE.SET) return `{${(r.set?.item ?? []).join(',')}}`;
  return '?';
}

/**
 * Resources in the agent `--resources` notation: `cpus:4;mem:1024;ports:[31000-32000]`,
 * `cpus(role):2` for reserved resources. Range bounds may be bigint, number or Long-free
 * numeric values. Only name, role and value are expressible; see `summarizeResources`.
 */
export function formatResources(resources: readonly ResourceMessage[]): string {
  return resources
    .map((r) => {
      const role = resourceRole(r);
      return `${r.name}${role === '*' ? '' : `(${role})`}:${valueText(r)}`;
    })
    .join(';');
}

/**
 * A one-line summary for text output: the `--resources` notation plus markers for what
 * it cannot express: `{REV}` revocable, `<SHARED>` shared, `[id]` persistent volume,
 * `(allocated: role)`, `(dynamic)` for a dynamic reservation.
 */
export function summarizeResources(resources: readonly ResourceMessage[]): string {
  return resources
    .map((r) => {
      const role = resourceRole(r);
      let head = r.name;
      if (role !== '*') head += `(${role})`;
      const last = r.reservations?.[r.reservations.length - 1];
      if (last?.type === RESERVATION_TYPE.DYNAMIC || (r.reservation !== undefined && r.reservation !== null)) {
        head += '(dynamic)';
      }
      const allocation = r.allocation_info as { role?: string } | undefined;
      if (allocation?.role !== undefined) head += `(allocated: ${allocation.role})`;
      const persistence = (r.disk as { persistence?: { id?: string } } | undefined)?.persistence;
      if (persistence?.id !== undefined) head += `[${persistence.id}]`;
      if (r.revocable !== undefined && r.revocable !== null) head += '{REV}';
      if (r.shared !== undefined && r.shared !== null) head += '<SHARED>';
      return `${head}:${valueText(r)}`;
    })
    .join(';');
}
