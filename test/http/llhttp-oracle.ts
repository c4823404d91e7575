/**
 * The two decoders under comparison, reduced to one shape: llhttp (the llhttp-wasm build, strict, no leniency flags)
 * and mesos-wire's HttpDecoder. Both get the whole input at once, then end of stream.
 */

import { createRequire } from 'node:module';
import { isMesosWireError } from '../../src/errors.ts';
import { HttpDecoder } from '../../src/http/decoder.ts';
import { toHexString } from '../helpers/bytes.ts';

const require = createRequire(import.meta.url);
const llhttp = require('llhttp-wasm') as typeof import('llhttp-wasm');

/** One decoded message, comparable between the two decoders. */
export interface Decoded {
  kind: 'request' | 'response';
  method?: string;
  target?: string;
  status?: number;
  version: string;
  /** `name: value` with the value trimmed of SP/HTAB, headers then trailers. */
  fields: string[];
  body: string;
}

export interface Outcome {
  ok: boolean;
  messages: Decoded[];
  /** Error name (llhttp `HPE_*`, mesos-wire `MW_*`). */
  error?: string;
  /** mesos-wire only: offset of the error, and where each message ended. */
  errorOffset?: number;
  ends: number[];
}

const METHOD_NAMES = new Map(Object.entries(llhttp.METHODS).map(([name, n]) => [n, name]));

function trimOws(value: string): string {
  return value.replace(/^[ \t]+|[ \t]+$/g, '');
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** llhttp in "both" mode (a message is a response iff it starts like one), as HttpDecoder's `expect: 'any'`. */
export function runLlhttp(input: Uint8Array): Outcome {
  // llhttp-wasm looks the type up by name; an unknown type allocates llhttp's default, HTTP_BOTH.
  const parser = llhttp.createParser(-1);
  const messages: Decoded[] = [];
  let current: Decoded | undefined;
  let body: Uint8Array[] = [];
  parser.onHeadersComplete = (m) => {
    const fields: string[] = [];
    for (let i = 0; i < m.rawHeaders.length; i += 2)
      fields.push(`${m.rawHeaders[i]}: ${trimOws(m.rawHeaders[i + 1]!)}`);
    current =
      m.statusCode !== undefined
        ? { kind: 'response', status: m.statusCode, version: `${m.versionMajor}.${m.versionMinor}`, fields, body: '' }
        : {
            kind: 'request',
            method: METHOD_NAMES.get(m.method!),
            target: m.url,
            version: `${m.versionMajor}.${m.versionMinor}`,
            fields,
            body: '',
          };
    body = [];
    return 0;
  };
  parser.onBody = (piece) => {
    body.push(piece);
    return 0;
  };
  parser.onMessageComplete = () => {
    // Trailers arrive through the same field callbacks after the head; llhttp-wasm keeps them in headerFields.
    const all = parser.headerFields.map((name, i) => `${name}: ${trimOws(parser.headerValues[i] ?? '')}`);
    current!.fields = all;
    current!.body = toHexString(Buffer.concat(body));
    messages.push(current!);
    current = undefined;
    return 0;
  };
  try {
    let ret = parser.execute(input);
    if (ret === 0) ret = parser.finish();
    if (ret !== 0) return { ok: false, messages, error: parser.getErrorName(ret), ends: [] };
    return { ok: true, messages, ends: [] };
  } finally {
    parser.destroy();
  }
}

export function runMesosWire(input: Uint8Array): Outcome {
  const messages: Decoded[] = [];
  const ends: number[] = [];
  const decoder = new HttpDecoder({
    onMessage(m) {
      ends.push(m.end);
      const fields = [...m.headers, ...m.trailers].map((h) => `${h.name}: ${h.value}`);
      messages.push(
        m.kind === 'request'
          ? {
              kind: 'request',
              method: m.method,
              target: m.target,
              version: m.version,
              fields,
              body: toHexString(m.body),
            }
          : { kind: 'response', status: m.status, version: m.version, fields, body: toHexString(m.body) },
      );
    },
  });
  try {
    decoder.write(input);
    decoder.end();
    return { ok: true, messages, ends };
  } catch (e) {
    if (!isMesosWireError(e)) throw e;
    return { ok: false, messages, error: e.code, errorOffset: e.offset, ends };
  }
}

export { latin1 };
