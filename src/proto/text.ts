/**
 * Readable text trees of decoded messages, for the CLI's text output (pure: no colour,
 * no I/O). One field per line, indented two spaces per level; only fields that are set.
 *
 * - enums by name (an unknown number as `99 (unknown)`);
 * - `Resource` lists summarised in the agent `--resources` notation;
 * - ids (`FrameworkID`, `SlaveID`, `TaskID`, ... any `*ID` message with a `value`) inline;
 * - timestamps readable: double seconds in fields named `timestamp`/`*_time` and
 *   `TimeInfo` (nanoseconds) as ISO 8601 with the raw value after it;
 * - bytes: 16 bytes as a UUID, printable UTF-8 as a quoted string, else hex;
 * - unknown fields as `#<number> <wire type>: value`.
 */
import type { ProtoMessage } from './decode.ts';
import { formatDouble, quoteString } from './json-write.ts';
import { type ResourceMessage, summarizeResources } from './resources.ts';
import { type PbField, type PbType, pb } from './schema.ts';
import { decodeSchemaless, printableText, type SchemalessField, WIRE_TYPE_NAMES } from './schemaless.ts';

/** Options of the text renderers. */
export interface TextTreeOptions {
  /** Bytes values longer than this are cut (default 64). */
  maxBytes?: number;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Two lowercase hex digits per byte value. */
const HEX_PAIRS = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` for 16 bytes. */
export function formatUuid(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) text += '-';
    text += HEX_PAIRS[bytes[i]!];
  }
  return text;
}

function formatBytes(bytes: Uint8Array, options: TextTreeOptions): string {
  if (bytes.length === 16 && printableText(bytes) === undefined) return formatUuid(bytes);
  const text = printableText(bytes);
  if (text !== undefined) return quoteString(text);
  const max = options.maxBytes ?? 64;
  const shown = bytes.subarray(0, max);
  const h = Array.from(shown, (b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > max ? `${h} ... (${bytes.length} bytes)` : `${h} (${bytes.length} bytes)`;
}

/** ISO 8601 for seconds since the epoch, or undefined when out of Date's range. */
function isoFromSeconds(seconds: number): string | undefined {
  const ms = seconds * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return undefined;
  return new Date(ms).toISOString();
}

/** Whether each type seen is a Resource (protobufjs builds `fullName` anew on every read, walking the parents). */
const resourceTypes = new WeakMap<PbType, boolean>();

function isResourceType(type: PbType | null): boolean {
  if (type === null) return false;
  let known = resourceTypes.get(type);
  if (known === undefined) {
    known = type.fullName === '.mesos.Resource' || type.fullName === '.mesos.v1.Resource';
    resourceTypes.set(type, known);
  }
  return known;
}

function isIdType(type: PbType): boolean {
  return type.name.endsWith('ID') && type.fields.value !== undefined;
}

function isTimeInfo(type: PbType): boolean {
  return type.name === 'TimeInfo' && type.fields.nanoseconds !== undefined;
}

function isTimestampField(field: PbField): boolean {
  return (field.type === 'double' || field.type === 'float') && /(^|_)timestamp$|_time$/.test(field.name);
}

function inlineId(m: ProtoMessage): string {
  let text = String(m.value ?? '');
  const parent = m.parent as ProtoMessage | null | undefined;
  if (parent !== undefined && parent !== null && typeof parent === 'object') text = `${inlineId(parent)}.${text}`;
  return text;
}

function scalarText(field: PbField, v: unknown, options: TextTreeOptions): string {
  const resolved = field.resolvedType;
  if (resolved instanceof pb.Enum) {
    const name = (resolved.valuesById as Record<number, string>)[v as number];
    return name ?? `${String(v)} (unknown)`;
  }
  switch (field.type) {
    case 'double':
    case 'float': {
      const n = v as number;
      if (isTimestampField(field)) {
        const iso = isoFromSeconds(n);
        if (iso !== undefined) return `${iso} (${formatDouble(n)})`;
      }
      return Number.isFinite(n) ? formatDouble(n) : String(n);
    }
    case 'string':
      return quoteString(v as string);
    case 'bytes':
      return formatBytes(v as Uint8Array, options);
    default:
      return String(v);
  }
}

function messageInline(type: PbType, m: ProtoMessage): string | undefined {
  if (isIdType(type)) return inlineId(m);
  if (isTimeInfo(type)) {
    const ns = m.nanoseconds;
    if (typeof ns === 'bigint') {
      const iso = isoFromSeconds(Number(ns / 1000n) / 1e6);
      return iso === undefined ? `${ns}ns` : `${iso} (${ns}ns)`;
    }
  }
  return undefined;
}

function walk(m: ProtoMessage, type: PbType, indent: string, out: string[], options: TextTreeOptions): void {
  for (const field of type.fieldsArray) {
    field.resolve();
    if (!hasOwn.call(m, field.name)) continue;
    const v = m[field.name];
    if (v === undefined || v === null) continue;
    const resolved = field.resolvedType;
    const nested = resolved instanceof pb.Type ? resolved : null;
    if (field instanceof pb.MapField) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length === 0) continue;
      out.push(`${indent}${field.name}:`);
      for (const [k, item] of entries) {
        if (nested !== null) {
          const inline = messageInline(nested, item as ProtoMessage);
          if (inline !== undefined) out.push(`${indent}  ${k}: ${inline}`);
          else {
            out.push(`${indent}  ${k}:`);
            walk(item as ProtoMessage, nested, `${indent}    `, out, options);
          }
        } else out.push(`${indent}  ${k}: ${scalarText(field, item, options)}`);
      }
      continue;
    }
    if (field.repeated) {
      const list = v as unknown[];
      if (list.length === 0) continue;
      if (isResourceType(nested)) {
        out.push(`${indent}${field.name}: ${summarizeResources(list as ResourceMessage[])}`);
      } else if (nested === null) {
        out.push(`${indent}${field.name}: [${list.map((x) => scalarText(field, x, options)).join(', ')}]`);
      } else {
        list.forEach((item, i) => {
          const inline = messageInline(nested, item as ProtoMessage);
          if (inline !== undefined) out.push(`${indent}${field.name}[${i}]: ${inline}`);
          else {
            out.push(`${indent}${field.name}[${i}]:`);
            walk(item as ProtoMessage, nested, `${indent}  `, out, options);
          }
        });
      }
      continue;
    }
    if (nested !== null) {
      if (isResourceType(nested)) {
        out.push(`${indent}${field.name}: ${summarizeResources([v as ResourceMessage])}`);
        continue;
      }
      const inline = messageInline(nested, v as ProtoMessage);
      if (inline !== undefined) out.push(`${indent}${field.name}: ${inline}`);
      else {
        out.push(`${indent}${field.name}:`);
        walk(v as ProtoMessage, nested, `${indent}  `, out, options);
      }
      continue;
    }
    out.push(`${indent}${field.name}: ${scalarText(field, v, options)}`);
  }
  const unknowns = (m as { $unknowns?: Uint8Array[] }).$unknowns;
  if (unknowns !== undefined) {
    for (const raw of unknowns) {
      const known = (n: number) => type.fieldsById[n]?.name;
      for (const f of decodeSchemaless(raw).fields) {
        const name = known(f.number);
        const label = name === undefined ? '' : ` (${name})`;
        out.push(...schemalessLines(f, indent, options, `#${f.number}${label} unknown `));
      }
    }
  }
}

/** A decoded message as indented text lines. */
export function formatMessageTree(message: ProtoMessage, type: PbType, options: TextTreeOptions = {}): string[] {
  const out: string[] = [];
  walk(message, type, '', out, options);
  return out;
}

function schemalessLines(f: SchemalessField, indent: string, options: TextTreeOptions, prefix?: string): string[] {
  const head = `${indent}${prefix ?? `#${f.number} `}${WIRE_TYPE_NAMES[f.wireType]}`;
  switch (f.wireType) {
    case 0:
      return [`${head}: ${f.value}`];
    case 1:
      return [`${head}: ${f.value} (double ${formatDouble(f.double)})`];
    case 5:
      return [`${head}: ${f.value} (float ${formatDouble(f.float)})`];
    case 3: {
      const lines = [`${head}:`];
      for (const g of f.fields) lines.push(...schemalessLines(g, `${indent}  `, options));
      return lines;
    }
    case 2: {
      if (f.text !== undefined && (f.message === undefined || f.text.length > 0)) {
        return [`${head}: ${quoteString(f.text)}`];
      }
      if (f.message !== undefined) {
        const lines = [`${head}:`];
        for (const g of f.message) lines.push(...schemalessLines(g, `${indent}  `, options));
        return lines;
      }
      return [`${head}: ${formatBytes(f.value, options)}`];
    }
  }
}

/**
 * Schema-less fields as indented text lines: `#<number> <wire type>: value`, nested
 * guesses expanded (printable text preferred over a message guess).
 */
export function formatSchemalessTree(fields: readonly SchemalessField[], options: TextTreeOptions = {}): string[] {
  const out: string[] = [];
  for (const f of fields) out.push(...schemalessLines(f, '', options));
  return out;
}

/** One field of a message type, as `mesos-wire schema NAME` shows it. */
export interface FieldDescription {
  name: string;
  number: number;
  label: 'required' | 'optional' | 'repeated' | 'map';
  /** Scalar type name, or the full name of the message or enum type (no leading dot). */
  type: string;
  /** The explicit `[default = ...]` as written in the schema, if any. */
  defaultValue: string | undefined;
  deprecated: boolean;
}

/** The fields of a type in declaration order. */
export function describeType(type: PbType): FieldDescription[] {
  return type.fieldsArray.map((field) => {
    field.resolve();
    const resolved = field.resolvedType;
    const typeText = resolved === null ? field.type : resolved.fullName.replace(/^\./, '');
    const options = (field.options ?? {}) as Record<string, unknown>;
    const map = field instanceof pb.MapField;
    return {
      name: field.name,
      number: field.id,
      label: map ? 'map' : field.repeated ? 'repeated' : field.required ? 'required' : 'optional',
      type: map ? `map<${(field as unknown as { keyType: string }).keyType}, ${typeText}>` : typeText,
      defaultValue: options.default === undefined ? undefined : String(options.default),
      deprecated: options.deprecated === true,
    };
  });
}

/** A type's fields as text lines: `required .mesos.FrameworkID framework_id = 1 [default = x, deprecated]`. */
export function formatTypeSchema(type: PbType): string[] {
  const lines = [`message ${type.fullName.replace(/^\./, '')} {`];
  for (const f of describeType(type)) {
    const opts: string[] = [];
    if (f.defaultValue !== undefined) opts.push(`default = ${f.defaultValue}`);
    if (f.deprecated) opts.push('deprecated = true');
    const label = f.label === 'map' ? '' : `${f.label} `;
    lines.push(`  ${label}${f.type} ${f.name} = ${f.number}${opts.length > 0 ? ` [${opts.join(', ')}]` : ''};`);
  }
  lines.push('}');
  return lines;
}
