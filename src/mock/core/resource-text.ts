/**
 * The one seam between the simulation and the resources text notation (`--resources` of a Mesos agent):
 * `cpus:4;mem:8192;disk:10000;ports:[31000-32000]`, `cpus(role):2`, or a JSON array of `Resource`.
 *
 * This is a minimal internal parser written to the rules of `Resources::fromString`/`fromSimpleString` and
 * `values::parse` (src/common/resources.cpp, src/common/values.cpp) until the shared parser in
 * src/proto/resources.ts lands; switching means replacing the body of `parseResourcesText` only.
 */
import { mwError } from '../../errors.ts';
import type { Resource, ValueRange } from './types.ts';

/** One parsed `name(role):value` token, with the offset of the token in the text. */
export interface ResourceToken {
  resource: Resource;
  offset: number;
}

/**
 * Parses agent resources text into one `Resource` per token (post-refinement form: a static reservation for
 * `name(role)`), empty ones included, as `Resources::fromString` returns them. Throws `MW_RESOURCES_PARSE` with the
 * offset of the offending token.
 */
export function parseResourcesText(text: string, defaultRole = '*'): ResourceToken[] {
  const json = tryJsonArray(text);
  if (json !== undefined)
    return json.map((resource) => ({ resource: withDefaultRole(resource, defaultRole), offset: 0 }));

  const out: ResourceToken[] = [];
  let offset = 0;
  for (const token of text.split(';')) {
    const at = offset;
    offset += token.length + 1;
    if (token.length === 0) continue;
    // `strings::tokenize` drops empty pieces, so `a::b` has two pieces, and `a:` has one.
    const pair = token.split(':').filter((p) => p.length > 0);
    if (pair.length !== 2) fail(`Bad value for resources, missing or extra ':' in ${token}`, at);
    const [head, valueText] = pair as [string, string];
    let name: string;
    let role: string;
    const open = head.indexOf('(');
    if (open === -1) {
      name = head.trim();
      role = defaultRole;
    } else {
      const close = head.indexOf(')');
      if (close === -1 || close < open) fail(`Bad value for resources, mismatched parentheses in ${token}`, at);
      name = head.slice(0, open).trim();
      role = head.slice(open + 1, close).trim();
    }
    if (name.length === 0) fail(`Empty resource name in ${token}`, at);
    const resource = parseValue(name, valueText, at);
    if (role !== '*') resource.reservations = [{ type: 'STATIC', role }];
    out.push({ resource, offset: at });
  }
  return out;
}

function fail(message: string, offset: number): never {
  throw mwError('MW_RESOURCES_PARSE', message, { offset });
}

function tryJsonArray(text: string): Resource[] | undefined {
  if (!text.trimStart().startsWith('[{') && text.trim() !== '[]') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? (parsed as Resource[]) : undefined;
  } catch {
    return undefined;
  }
}

function withDefaultRole(resource: Resource, defaultRole: string): Resource {
  if (resource.role !== undefined || (resource.reservations ?? []).length > 0 || defaultRole === '*') return resource;
  return { ...resource, reservations: [{ type: 'STATIC', role: defaultRole }] };
}

function parseValue(name: string, raw: string, at: number): Resource {
  const text = raw.replaceAll(' ', '');
  if (text.length === 0) fail(`Failed to parse resource ${name} value ${raw} error Expecting non-empty string`, at);
  if (!balanced(text, '[', ']') || !balanced(text, '{', '}') || !balanced(text, '(', ')')) {
    fail(`Failed to parse resource ${name} value ${raw} error Mismatched brackets`, at);
  }
  if (text.startsWith('[')) {
    const pieces = text.split(/[[\]\-,\n]/).filter((p) => p.length > 0);
    if (pieces.length % 2 !== 0)
      fail(`Failed to parse resource ${name} value ${raw} error Expecting one or more "ranges"`, at);
    const range: ValueRange[] = [];
    for (let i = 0; i < pieces.length; i += 2) {
      const begin = pieces[i]!;
      const end = pieces[i + 1]!;
      if (!/^\d+$/.test(begin) || !/^\d+$/.test(end)) {
        fail(`Failed to parse resource ${name} value ${raw} error Expecting non-negative integers in '${begin}'`, at);
      }
      range.push({ begin: Number(begin), end: Number(end) });
    }
    return { name, type: 'RANGES', ranges: { range } };
  }
  if (text.includes('[')) fail(`Failed to parse resource ${name} value ${raw} error Unexpected '[' found`, at);
  if (text.startsWith('{')) {
    return { name, type: 'SET', set: { item: text.split(/[{},\n]/).filter((p) => p.length > 0) } };
  }
  if (text.includes('{')) fail(`Failed to parse resource ${name} value ${raw} error Unexpected '{' found`, at);
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    // values::parse would make this a TEXT value, which Resources::parse rejects.
    fail(`Bad type for resource ${name} value ${raw} type TEXT`, at);
  }
  return { name, type: 'SCALAR', scalar: { value } };
}

function balanced(text: string, open: string, close: string): boolean {
  let depth = 0;
  for (const c of text) {
    if (c === open) depth++;
    else if (c === close && --depth < 0) return false;
  }
  return depth === 0;
}
