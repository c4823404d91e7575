import { MESSAGE_CATALOG } from '../../proto/catalog.ts';
import { lookupWireName, RAW_WIRE_NAMES, V1_ENDPOINTS } from '../../proto/registry.ts';
import { findType, getDefaultRoot, type PbEnum, type PbField, type PbType, pb, typeName } from '../../proto/schema.ts';
import { type CliContext, writeText } from '../context.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { stringifyJson } from '../render/body.ts';

/** Options of `mesos-wire schema`. */
export interface SchemaOptions {
  format: 'text' | 'json';
}

/** One field of a message type as `schema NAME` shows it. */
export interface SchemaField {
  number: number;
  name: string;
  /** `optional`, `required`, `repeated` or `map`. */
  label: 'optional' | 'required' | 'repeated' | 'map';
  /** Scalar name or full type name (`map<string, mesos.Value>` for maps). */
  type: string;
  /** `[default = ...]` as declared, or null. */
  default: unknown;
  deprecated: boolean;
}

/** Runs the command; returns its exit code (2 for a name the schemas do not know). */
export async function runSchema(name: string | undefined, options: SchemaOptions, ctx: CliContext): Promise<ExitCode> {
  if (name === undefined) {
    await writeText(ctx.stdout, options.format === 'json' ? `${stringifyJson(listJson())}\n` : listText());
    return EXIT.OK;
  }
  const found = describe(name);
  if (found === undefined) {
    ctx.stderr.write(`mesos-wire: no wire name or protobuf type ${name} (mesos-wire schema lists the wire names)\n`);
    return EXIT.USAGE;
  }
  await writeText(ctx.stdout, options.format === 'json' ? `${stringifyJson(found)}\n` : describeText(found));
  return EXIT.OK;
}

function versions(since: string, until: string | undefined): string {
  return until === undefined ? `${since}+` : `${since}-${until}`;
}

function listJson(): Record<string, unknown> {
  return {
    wireNames: MESSAGE_CATALOG.map((e) => ({
      wireName: e.wireName,
      typeName: e.typeName ?? null,
      senders: e.senders,
      receivers: e.receivers,
      since: e.since,
      until: e.until ?? null,
      note: e.note,
    })),
    endpoints: Object.entries(V1_ENDPOINTS).map(([endpoint, t]) => ({
      endpoint,
      request: t.request,
      response: t.response ?? null,
      event: t.event ?? null,
    })),
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

function listText(): string {
  const rows = [['WIRE NAME', 'SENDERS -> RECEIVERS', 'VERSIONS']];
  for (const e of MESSAGE_CATALOG) {
    rows.push([e.wireName, `${e.senders.join(', ')} -> ${e.receivers.join(', ')}`, versions(e.since, e.until)]);
  }
  const endpoints = [['ENDPOINT', 'REQUEST', 'RESPONSE', 'STREAM RECORDS']];
  for (const [endpoint, t] of Object.entries(V1_ENDPOINTS)) {
    endpoints.push([endpoint.replace('#', ' on the '), t.request, t.response ?? '-', t.event ?? '-']);
  }
  return `${table(rows)}\n\n${MESSAGE_CATALOG.length} wire names.\n\nv1 HTTP API endpoints:\n${table(endpoints)}\n`;
}

interface Described {
  name: string;
  typeName: string;
  kind: 'message' | 'enum' | 'raw';
  wire?: Record<string, unknown>;
  fields?: SchemaField[];
  values?: { name: string; number: number }[];
}

function fieldTypeName(field: PbField): string {
  field.resolve();
  const resolved = field.resolvedType;
  const base = resolved === null ? field.type : typeName(resolved as PbType);
  if (field instanceof pb.MapField) return `map<${field.keyType}, ${base}>`;
  return base;
}

/** The fields of a message type, in declaration order. */
export function schemaFields(type: PbType): SchemaField[] {
  return type.fieldsArray.map((field) => {
    const options = (field.options ?? {}) as Record<string, unknown>;
    const label =
      field instanceof pb.MapField ? 'map' : field.repeated ? 'repeated' : field.required ? 'required' : 'optional';
    return {
      number: field.id,
      name: field.name,
      label,
      type: fieldTypeName(field),
      default: options.default ?? null,
      deprecated: options.deprecated === true,
    };
  });
}

function findEnum(name: string): PbEnum | undefined {
  try {
    const found = getDefaultRoot().lookup(name.startsWith('.') ? name : `.${name}`);
    return found instanceof pb.Enum ? found : undefined;
  } catch {
    return undefined;
  }
}

function describe(name: string): Described | undefined {
  const info = lookupWireName(name);
  const type = info?.type ?? findType(getDefaultRoot(), name);
  let wire: Record<string, unknown> | undefined;
  if (info?.catalog !== undefined) {
    const e = info.catalog;
    wire = {
      wireName: e.wireName,
      senders: e.senders,
      receivers: e.receivers,
      since: e.since,
      until: e.until ?? null,
      note: e.note,
    };
  }
  if (info?.kind === 'raw') {
    wire = { ...wire, wireName: name, raw: RAW_WIRE_NAMES[name]!.note };
    if (type === undefined) return { name, typeName: '', kind: 'raw', wire };
  }
  if (type !== undefined) {
    return { name, typeName: typeName(type), kind: 'message', ...(wire && { wire }), fields: schemaFields(type) };
  }
  const e = findEnum(name);
  if (e !== undefined) {
    const values = Object.entries(e.values).map(([n, v]) => ({ name: n, number: v }));
    return { name, typeName: typeName(e), kind: 'enum', values };
  }
  return undefined;
}

function defaultText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function describeText(d: Described): string {
  const lines: string[] = [];
  if (d.kind === 'enum') {
    lines.push(`enum ${d.typeName}`);
    for (const v of d.values!) lines.push(`  ${v.name} = ${v.number}`);
    return `${lines.join('\n')}\n`;
  }
  if (d.wire !== undefined) {
    const w = d.wire;
    lines.push(`wire name ${String(w.wireName)}${d.kind === 'raw' ? ' (not a protobuf message)' : ''}`);
    if (Array.isArray(w.senders)) {
      lines.push(`  sent by     ${(w.senders as string[]).join(', ')}`);
      lines.push(`  received by ${(w.receivers as string[]).join(', ')}`);
      lines.push(`  travels in  Mesos ${versions(String(w.since), (w.until as string | null) ?? undefined)}`);
    }
    if (typeof w.raw === 'string') lines.push(`  body        ${w.raw}`);
    if (typeof w.note === 'string' && w.note !== '') lines.push(`  note        ${w.note}`);
    lines.push('');
  }
  if (d.kind === 'message') {
    lines.push(`message ${d.typeName}`);
    const rows = [['#', 'NAME', 'LABEL', 'TYPE', 'DEFAULT', '']];
    for (const f of d.fields!) {
      rows.push([String(f.number), f.name, f.label, f.type, defaultText(f.default), f.deprecated ? 'deprecated' : '']);
    }
    if (d.fields!.length === 0) lines.push('  (no fields)');
    else for (const row of table(rows).split('\n')) lines.push(`  ${row.trimEnd()}`);
  }
  return `${lines.join('\n')}\n`;
}
