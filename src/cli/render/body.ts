import {
  type BodyOffsetMap,
  decodeMessageBody,
  endpointTypes,
  linearOffsets,
  type TypedBody,
} from '../../analysis/body-decode.ts';
import { toHex } from '../../bytes/ascii.ts';
import { getHeader } from '../../http/types.ts';
import { typeHttpBody } from '../../pipeline/session.ts';
import { toMesosJson } from '../../proto/json-write.ts';
import { decodeSchemaless, type SchemalessField, WIRE_TYPE_NAMES } from '../../proto/schemaless.ts';
import type { DecodeEvent } from '../events.ts';

type BodyEvent = Exclude<DecodeEvent, { type: 'error' } | { type: 'stream-end' }>;

/**
 * The typed body of an event: the one set by the session layer, else decoded now (and remembered) from what the
 * event itself says: a libprocess message by its name, a request by its v1 API endpoint (`listen`, the mock master).
 */
export function typedBodyOf(event: BodyEvent): TypedBody {
  if (event.typed !== undefined) return event.typed;
  const bytes = event.body;
  const offsets: BodyOffsetMap =
    event.type === 'record'
      ? linearOffsets(event.dataOffset)
      : (event.bodyOffsets ?? linearOffsets(event.end - bytes.length));
  let typed: TypedBody;
  if (event.type === 'message') typed = decodeMessageBody(event.name, bytes, offsets);
  else {
    const type = event.type === 'request' ? endpointTypes(event.target)?.request : undefined;
    const contentType = event.type === 'record' ? undefined : getHeader(event, 'Content-Type');
    typed = typeHttpBody(bytes, type, contentType, offsets);
  }
  event.typed = typed;
  return typed;
}

/**
 * The one place that decides how a body appears in json/ndjson output (`body` field): a typed message as its Mesos
 * JSON (exact 64-bit integers as bare numbers, as Mesos prints them); other printable bodies as a string; empty
 * bodies and raw PING/PONG as null; anything else as the schema-less field list `{"fields":[...]}` (plus `"error"`
 * when the bytes are not a complete protobuf encoding).
 */
export function bodyJson(event: BodyEvent): unknown {
  return typedJson(typedBodyOf(event));
}

/** The JSON value of a typed body (see bodyJson). */
export function typedJson(typed: TypedBody): unknown {
  switch (typed.kind) {
    case 'empty':
    case 'raw':
      return null;
    case 'text':
      return typed.text;
    case 'message':
      return mesosJsonValue(toMesosJson(typed.message, typed.type));
    case 'schemaless':
      return schemalessFieldsJson(typed.fields, typed.schemalessError);
  }
}

/**
 * JSON text to be embedded as is by `stringifyJson` (so 64-bit integers stay exact). Plain `JSON.stringify` sees the
 * parsed value instead (exact only up to 2^53).
 */
export class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toJSON(): unknown {
    if (nativeStringify) {
      // stringifyEventJson let JSON.stringify walk an object holding a RawJson it did not know of: it starts over.
      rawJsonMissed = true;
      return null;
    }
    return JSON.parse(this.text);
  }
}

/** Set while stringifyEventJson runs JSON.stringify; RawJson.toJSON then notes that it was reached. */
let nativeStringify = false;
let rawJsonMissed = false;

/** What stands in for a RawJson `body` during JSON.stringify, and its JSON text to find afterwards. */
const BODY_STAND_IN = '\u0000mesos-wire body\u0000';
const BODY_MEMBER = `"body":${JSON.stringify(BODY_STAND_IN)}`;

/**
 * stringifyJson for an event object (one ndjson line): the same text, written by JSON.stringify itself (several
 * times faster than the walk) with the RawJson `body` spliced in. The first `"body":` member outside any string is
 * the object's own (inside strings every quote is escaped), and the body comes before any nested object. A RawJson
 * anywhere else is noticed by its toJSON, and the walk does the whole object instead.
 */
export function stringifyEventJson(value: Record<string, unknown>): string {
  const pieces: string[] = [];
  writeEventJson(value, { add: (piece) => pieces.push(piece) });
  return pieces.join('');
}

/** Where text goes piece by piece (the CLI's OutputBuffer). */
export interface TextSink {
  add(text: string): void;
}

/**
 * stringifyEventJson's text handed to `sink` in up to three pieces (before the body, the body, after it): slices of
 * the stringified object and the body's own text, so that no joined copy of a long line is ever made.
 */
export function writeEventJson(value: Record<string, unknown>, sink: TextSink): void {
  const body = value.body;
  const raw = body instanceof RawJson;
  let text: string;
  nativeStringify = true;
  rawJsonMissed = false;
  try {
    if (raw) value.body = BODY_STAND_IN;
    text = JSON.stringify(value);
  } finally {
    nativeStringify = false;
    if (raw) value.body = body;
  }
  if (rawJsonMissed) {
    sink.add(stringifyJson(value));
    return;
  }
  if (!raw) {
    sink.add(text);
    return;
  }
  const at = text.indexOf(BODY_MEMBER);
  sink.add(text.slice(0, at + 7));
  sink.add(body.text);
  sink.add(text.slice(at + BODY_MEMBER.length));
}

/** Mesos writes NaN as a bare token, which is not JSON: mesos-wire writes the string "NaN", as for "Infinity". */
function mesosJsonValue(text: string): RawJson {
  return new RawJson(text.includes('NaN') ? quoteBareNaN(text) : text);
}

/** Replaces bare `NaN` tokens (outside strings) with `"NaN"`. */
export function quoteBareNaN(text: string): string {
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x4e && text.startsWith('NaN', i)) {
      out += `${text.slice(from, i)}"NaN"`;
      from = i + 3;
      i += 2;
    }
  }
  return out + text.slice(from);
}

/**
 * JSON.stringify that writes `RawJson` values as their text (exact 64-bit integers in bodies). Arrays and objects
 * are walked here, everything else is JSON.stringify's; the output is JSON.stringify's with each RawJson spliced in
 * (same key order, `toJSON` honoured, undefined/functions/symbols dropped from objects and null in arrays), without
 * a replacer (which slows the whole stringify down) and without parsing each RawJson text back (its `toJSON`).
 */
export function stringifyJson(value: unknown): string {
  // undefined for undefined (and functions, symbols), as JSON.stringify; the type says string, as it always did.
  return jsonText(value, '') as string;
}

/** The JSON text of `value` at `key` (undefined where JSON.stringify would leave the member out). */
function jsonText(value: unknown, key: string): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // What JSON.stringify writes for a number: its shortest text, or null when it is not finite.
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return JSON.stringify(value);
  }
  if (value instanceof RawJson) return value.text;
  if (value === null) return 'null';
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return jsonText((value as { toJSON(key: string): unknown }).toJSON(key), key);
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += jsonText(value[i], String(i)) ?? 'null';
    }
    return `${out}]`;
  }
  // Boxed primitives, typed arrays, Maps and the like: as JSON.stringify writes them (they hold no RawJson).
  if (!isPlainObject(value)) return JSON.stringify(value);
  let out = '{';
  let first = true;
  for (const name of Object.keys(value)) {
    const text = jsonText((value as Record<string, unknown>)[name], name);
    if (text === undefined) continue;
    out += `${first ? '' : ','}${quotedKey(name)}:${text}`;
    first = false;
  }
  return `${out}}`;
}

const quotedKeys = new Map<string, string>();

/** A member name as JSON (event field names repeat on every line: quoted once). */
function quotedKey(name: string): string {
  let quoted = quotedKeys.get(name);
  if (quoted === undefined) {
    quoted = JSON.stringify(name);
    if (quotedKeys.size < 1024) quotedKeys.set(name, quoted);
  }
  return quoted;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The type name shown for a body (`typeName` in ndjson), or null. */
export function typedName(typed: TypedBody): string | null {
  switch (typed.kind) {
    case 'message':
      return typed.typeName;
    case 'schemaless':
      return typed.typeName ?? null;
    case 'text':
      return typed.typeName ?? null;
    default:
      return null;
  }
}

/** `{"fields":[...]}` plus `"error"` when the bytes are not a complete protobuf encoding. */
export function schemalessJson(bytes: Uint8Array): { fields: unknown[]; error?: unknown } {
  const result = decodeSchemaless(bytes);
  return schemalessFieldsJson(result.fields, result.error);
}

function schemalessFieldsJson(
  fields: readonly SchemalessField[],
  error: { code: string; offset: number | undefined; message: string } | undefined,
): { fields: unknown[]; error?: unknown } {
  const out: { fields: unknown[]; error?: unknown } = { fields: fields.map(fieldJson) };
  if (error !== undefined) out.error = { code: error.code, offset: error.offset, message: error.message };
  return out;
}

/** A bigint as a JSON number when exact, else as a decimal string. */
function bigJson(value: bigint): number | string {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

function fieldJson(field: SchemalessField): Record<string, unknown> {
  const base = { field: field.number, wire: WIRE_TYPE_NAMES[field.wireType] };
  switch (field.wireType) {
    case 0:
      return { ...base, value: bigJson(field.value) };
    case 1:
      return { ...base, value: bigJson(field.value), double: jsonNumber(field.double) };
    case 5:
      return { ...base, value: field.value, float: jsonNumber(field.float) };
    case 3:
      return { ...base, fields: field.fields.map(fieldJson) };
    case 2: {
      const out: Record<string, unknown> = { ...base, length: field.value.length };
      if (preferMessage(field)) out.message = field.message!.map(fieldJson);
      else if (field.text !== undefined) out.text = field.text;
      else out.hex = toHex(field.value);
      return out;
    }
  }
}

/** JSON has no NaN/Infinity: write them as strings, as Mesos does for infinities. */
function jsonNumber(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}

/**
 * A length-delimited value that parses both as a message and as text: text wins
 * unless it starts with a control byte (a nested message's first tag is usually < 0x20).
 */
function preferMessage(field: SchemalessField & { wireType: 2 }): boolean {
  if (field.message === undefined) return false;
  if (field.text === undefined) return true;
  return field.value.length > 0 && field.value[0]! < 0x20;
}

/** Lines of a schema-less dump for the text format (no colour; the caller indents). */
export function schemalessLines(bytes: Uint8Array): string[] {
  const result = decodeSchemaless(bytes);
  const lines: string[] = [];
  const walk = (fields: SchemalessField[], indent: string) => {
    for (const f of fields) {
      const head = `${indent}${f.number}:`;
      switch (f.wireType) {
        case 0:
          lines.push(`${head} ${f.value}`);
          break;
        case 1:
          lines.push(`${head} ${f.double} (fixed64 0x${f.value.toString(16).padStart(16, '0')})`);
          break;
        case 5:
          lines.push(`${head} ${f.float} (fixed32 0x${f.value.toString(16).padStart(8, '0')})`);
          break;
        case 3:
          lines.push(`${head} group {`);
          walk(f.fields, `${indent}  `);
          lines.push(`${indent}}`);
          break;
        case 2:
          if (preferMessage(f)) {
            lines.push(`${head} {`);
            walk(f.message!, `${indent}  `);
            lines.push(`${indent}}`);
          } else if (f.text !== undefined) {
            lines.push(`${head} ${JSON.stringify(f.text)}`);
          } else {
            lines.push(`${head} ${toHex(f.value)} (${f.value.length} bytes)`);
          }
          break;
      }
    }
  };
  walk(result.fields, '');
  if (result.error !== undefined)
    lines.push(`(not protobuf from offset ${result.error.offset}: ${result.error.message})`);
  return lines;
}

/** Classic hex dump lines (`0000  0a 0d ...  |..|`), at most `limit` bytes. */
export function hexDumpLines(bytes: Uint8Array, limit: number): string[] {
  const lines: string[] = [];
  const shown = Math.min(bytes.length, limit);
  for (let at = 0; at < shown; at += 16) {
    const row = bytes.subarray(at, Math.min(at + 16, shown));
    let hexPart = '';
    let ascii = '';
    for (let i = 0; i < 16; i++) {
      if (i === 8) hexPart += ' ';
      if (i < row.length) {
        hexPart += `${row[i]!.toString(16).padStart(2, '0')} `;
        ascii += row[i]! >= 0x20 && row[i]! < 0x7f ? String.fromCharCode(row[i]!) : '.';
      } else hexPart += '   ';
    }
    lines.push(`${at.toString(16).padStart(4, '0')}  ${hexPart} |${ascii}|`);
  }
  if (shown < bytes.length) lines.push(`... ${bytes.length - shown} more bytes`);
  return lines;
}
