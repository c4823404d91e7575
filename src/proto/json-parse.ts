/**
 * A small lossless JSON parser for Mesos JSON input. Numbers keep their source text (so
 * 64-bit integers stay exact), every value carries the offset where it starts, errors
 * carry the offset of the offending character. Duplicate object keys: the last wins
 * (as in Mesos). Nesting deeper than `maxDepth` (default 200, as in Mesos) fails.
 *
 * Leniency beyond JSON, so that mesos-wire's own output reads back: the bare token `NaN`
 * (which Mesos writes for NaN doubles) is accepted as a number.
 *
 * Offsets are UTF-16 code unit indexes into the text; `parseJsonBytes` reports byte
 * offsets for UTF-8 input.
 */
import { MesosWireError, mwError } from '../errors.ts';

/** A parsed JSON value with the offset of its first character. */
export type JsonNode =
  | { kind: 'object'; offset: number; entries: Map<string, JsonNode> }
  | { kind: 'array'; offset: number; items: JsonNode[] }
  | { kind: 'string'; offset: number; value: string }
  | { kind: 'number'; offset: number; text: string }
  | { kind: 'bool'; offset: number; value: boolean }
  | { kind: 'null'; offset: number };

/** Default JSON nesting limit (Mesos: 200). */
export const JSON_MAX_DEPTH_DEFAULT = 200;

/** Options of the JSON parser. */
export interface JsonParseOptions {
  maxDepth?: number;
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

class Parser {
  readonly text: string;
  pos = 0;
  readonly maxDepth: number;

  constructor(text: string, maxDepth: number) {
    this.text = text;
    this.maxDepth = maxDepth;
  }

  fail(message: string, at = this.pos): MesosWireError {
    return mwError('MW_JSON_PARSE', message, { offset: at });
  }

  skipWs(): void {
    const t = this.text;
    let p = this.pos;
    while (p < t.length) {
      const c = t.charCodeAt(p);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      p++;
    }
    this.pos = p;
  }

  value(depth: number): JsonNode {
    this.skipWs();
    const t = this.text;
    const at = this.pos;
    if (at >= t.length) throw this.fail('unexpected end of JSON text');
    const c = t.charCodeAt(at);
    switch (c) {
      case 0x7b: // {
        return this.object(depth + 1);
      case 0x5b: // [
        return this.array(depth + 1);
      case 0x22: // "
        return { kind: 'string', offset: at, value: this.string() };
      case 0x74: // t
        this.word('true');
        return { kind: 'bool', offset: at, value: true };
      case 0x66: // f
        this.word('false');
        return { kind: 'bool', offset: at, value: false };
      case 0x6e: // n
        this.word('null');
        return { kind: 'null', offset: at };
      case 0x4e: // N
        this.word('NaN');
        return { kind: 'number', offset: at, text: 'NaN' };
      default: {
        NUMBER.lastIndex = at;
        const m = NUMBER.exec(t);
        if (m === null) throw this.fail(`unexpected character ${JSON.stringify(t[at])}`);
        this.pos = at + m[0].length;
        return { kind: 'number', offset: at, text: m[0] };
      }
    }
  }

  word(w: string): void {
    if (!this.text.startsWith(w, this.pos)) throw this.fail(`expected ${w}`);
    this.pos += w.length;
  }

  checkDepth(depth: number): void {
    if (depth > this.maxDepth) {
      throw mwError('MW_JSON_TOO_DEEP', `JSON nests deeper than ${this.maxDepth}`, { offset: this.pos });
    }
  }

  object(depth: number): JsonNode {
    this.checkDepth(depth);
    const at = this.pos;
    this.pos++;
    const entries = new Map<string, JsonNode>();
    this.skipWs();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return { kind: 'object', offset: at, entries };
    }
    for (;;) {
      this.skipWs();
      if (this.text.charCodeAt(this.pos) !== 0x22) throw this.fail('expected a string key');
      const key = this.string();
      this.skipWs();
      if (this.text.charCodeAt(this.pos) !== 0x3a) throw this.fail("expected ':'");
      this.pos++;
      const v = this.value(depth);
      entries.delete(key); // the last duplicate wins, in its own position
      entries.set(key, v);
      this.skipWs();
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x2c) {
        this.pos++;
        continue;
      }
      if (c === 0x7d) {
        this.pos++;
        return { kind: 'object', offset: at, entries };
      }
      throw this.fail("expected ',' or '}'");
    }
  }

  array(depth: number): JsonNode {
    this.checkDepth(depth);
    const at = this.pos;
    this.pos++;
    const items: JsonNode[] = [];
    this.skipWs();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return { kind: 'array', offset: at, items };
    }
    for (;;) {
      items.push(this.value(depth));
      this.skipWs();
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x2c) {
        this.pos++;
        continue;
      }
      if (c === 0x5d) {
        this.pos++;
        return { kind: 'array', offset: at, items };
      }
      throw this.fail("expected ',' or ']'");
    }
  }

  string(): string {
    const t = this.text;
    let p = this.pos + 1;
    let out = '';
    let from = p;
    for (;;) {
      if (p >= t.length) throw this.fail('unterminated string', this.pos);
      const c = t.charCodeAt(p);
      if (c === 0x22) {
        out += t.slice(from, p);
        this.pos = p + 1;
        return out;
      }
      if (c < 0x20) throw this.fail('control character in string', p);
      if (c !== 0x5c) {
        p++;
        continue;
      }
      out += t.slice(from, p);
      const e = t.charCodeAt(p + 1);
      switch (e) {
        case 0x22:
          out += '"';
          break;
        case 0x5c:
          out += '\\';
          break;
        case 0x2f:
          out += '/';
          break;
        case 0x62:
          out += '\b';
          break;
        case 0x66:
          out += '\f';
          break;
        case 0x6e:
          out += '\n';
          break;
        case 0x72:
          out += '\r';
          break;
        case 0x74:
          out += '\t';
          break;
        case 0x75: {
          const hex = t.slice(p + 2, p + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.fail('bad \\u escape', p);
          out += String.fromCharCode(Number.parseInt(hex, 16));
          p += 4;
          break;
        }
        default:
          throw this.fail('bad escape', p);
      }
      p += 2;
      from = p;
    }
  }
}

/**
 * Parses JSON text into nodes.
 * @throws MesosWireError MW_JSON_PARSE (bad syntax or trailing garbage), MW_JSON_TOO_DEEP.
 */
export function parseJson(text: string, options: JsonParseOptions = {}): JsonNode {
  const p = new Parser(text, options.maxDepth ?? JSON_MAX_DEPTH_DEFAULT);
  const node = p.value(0);
  p.skipWs();
  if (p.pos !== text.length) throw p.fail('trailing characters after the JSON value');
  return node;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 length of the first `chars` UTF-16 code units of `text`. */
export function utf8Offset(text: string, chars: number): number {
  let n = 0;
  for (let i = 0; i < chars && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * Parses UTF-8 JSON bytes; error offsets are byte offsets.
 * @throws MesosWireError MW_JSON_PARSE (also for invalid UTF-8), MW_JSON_TOO_DEEP.
 */
export function parseJsonBytes(bytes: Uint8Array, options: JsonParseOptions = {}): { text: string; node: JsonNode } {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (e) {
    throw mwError('MW_JSON_PARSE', 'JSON text is not valid UTF-8', { cause: e });
  }
  try {
    return { text, node: parseJson(text, options) };
  } catch (e) {
    if (e instanceof MesosWireError && e.offset !== undefined) {
      throw mwError(e.code, e.message, { offset: utf8Offset(text, e.offset), cause: e });
    }
    throw e;
  }
}
