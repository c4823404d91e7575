import { toHex } from '../../bytes/ascii.ts';
import { decodeSchemaless, printableText, type SchemalessField, WIRE_TYPE_NAMES } from '../../proto/schemaless.ts';
import type { DecodeEvent } from '../events.ts';

/**
 * The one place that decides how a body appears in json/ndjson output (`body` field).
 * Today: libprocess message bodies (protobuf by protocol) as a schema-less field list
 * `{"fields":[...]}`; other bodies as a string when they are printable UTF-8 text
 * (JSON API bodies, `404 Not Found.`), else as the schema-less field list; empty
 * non-message bodies as null. Typed decoding (Mesos JSON by wire name) is meant to
 * replace this function's message branch.
 */
export function bodyJson(event: Exclude<DecodeEvent, { type: 'error' }>): unknown {
  const bytes = event.body;
  if (event.type !== 'message') {
    if (bytes.length === 0) return null;
    const text = printableText(bytes);
    if (text !== undefined) return text;
  }
  return schemalessJson(bytes);
}

/** `{"fields":[...]}` plus `"error"` when the bytes are not a complete protobuf encoding. */
export function schemalessJson(bytes: Uint8Array): { fields: unknown[]; error?: unknown } {
  const result = decodeSchemaless(bytes);
  const out: { fields: unknown[]; error?: unknown } = { fields: result.fields.map(fieldJson) };
  if (result.error !== undefined) {
    out.error = { code: result.error.code, offset: result.error.offset, message: result.error.message };
  }
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
