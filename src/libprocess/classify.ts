import { type MesosWireError, mwError } from '../errors.ts';
import { getHeader } from '../http/types.ts';
import { parseUpidLikeMesosDetailed, type Upid } from './upid.ts';

/**
 * The parts of a decoded request head that classification reads. Structurally
 * a subset of `HttpRequestHead` (src/http/types.ts), so a decoded head can be
 * passed as is.
 */
export interface RequestHeadLike {
  readonly method: string;
  readonly target: string;
  readonly headers: readonly { readonly name: string; readonly value: string }[];
}

/** Which header the sender UPID was read from. */
export type SenderSource = 'Libprocess-From' | 'User-Agent';

/** A request that Mesos treats as a libprocess message. */
export interface ClassifiedMessage {
  kind: 'message';
  /** Sender as Mesos parses it (the empty UPID when it does not parse, §2.3 rule 3). */
  from: Upid;
  /** The raw sender text (after `libprocess/` for User-Agent; trimmed Libprocess-From value). */
  fromText: string;
  /** False when Mesos could not parse `fromText` and fell back to the empty UPID. */
  fromValid: boolean;
  fromSource: SenderSource;
  /** Receiver id: the first path segment, percent-decoded (`+` is a space), one char per byte. */
  to: string;
  /** Message name: everything after the second `/`, not decoded. */
  name: string;
  /** The path the id and name were taken from (no query, no fragment). */
  path: string;
}

/** A request Mesos routes as an ordinary HTTP request (endpoint). */
export interface ClassifiedRequest {
  kind: 'request';
  /** The path (no query, no fragment), or the raw target when it has no path. */
  path: string;
}

/** A libprocess request Mesos answers with an error status before delivering anything. */
export interface ClassifiedRejection {
  kind: 'rejected';
  /** 400 (path does not start with `/`) or 500 (receiver id percent-decoding failed). */
  status: 400 | 500;
  error: MesosWireError;
  path: string;
}

export type Classification = ClassifiedMessage | ClassifiedRequest | ClassifiedRejection;

/**
 * Last value of a header, case-insensitive (Mesos: the last occurrence wins,
 * no comma-joining).
 */
export function lastHeader(head: RequestHeadLike, name: string): string | undefined {
  // getHeader scans a decoded head's bytes without materialising every header string.
  return getHeader(head, name);
}

/**
 * True when Mesos treats the request as a message (wire-protocol.md §2.2):
 * method `POST` and either a `User-Agent` that starts with `libprocess/`
 * (case-sensitive) or a `Libprocess-From` header (any value).
 */
export function isLibprocessMessage(head: RequestHeadLike): boolean {
  if (head.method !== 'POST') return false;
  if (lastHeader(head, 'Libprocess-From') !== undefined) return true;
  return lastHeader(head, 'User-Agent')?.startsWith('libprocess/') === true;
}

/**
 * The path of a request target as Mesos sees it: absolute-form
 * (`http://host/x/y?q`) reduced to its path, query and fragment removed.
 * Returns '' when there is no path (Mesos then answers 400).
 */
export function targetPath(target: string): string {
  // Common case (origin-form without query or fragment): the target is the path.
  if (target.charCodeAt(0) === 0x2f && target.indexOf('?') < 0 && target.indexOf('#') < 0) return target;
  let path = target;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(path);
  if (scheme !== null) {
    const afterAuthority = path.slice(scheme[0].length).search(/[/?#]/);
    path = afterAuthority < 0 ? '' : path.slice(scheme[0].length + afterAuthority);
  }
  const cut = path.search(/[?#]/);
  return cut < 0 ? path : path.slice(0, cut);
}

/**
 * Percent-decodes as libprocess `http::decode` does: `%HH` is a byte, `+` a
 * space; a `%` not followed by two hex digits is an error (offset inside
 * `text`). The result has one char per byte (latin1), so it compares
 * bytewise like Mesos's std::string.
 */
export function percentDecode(text: string): string {
  if (text.indexOf('%') < 0 && text.indexOf('+') < 0) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '+') out += ' ';
    else if (c === '%') {
      const hi = hexValue(text.charCodeAt(i + 1));
      const lo = hexValue(text.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) {
        throw mwError('MW_LIBPROCESS_BAD_PATH', `malformed percent-encoding at "${text.slice(i, i + 3)}"`, {
          offset: i,
        });
      }
      out += String.fromCharCode(hi * 16 + lo);
      i += 2;
    } else out += c;
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Classifies a request head exactly as a Mesos receiver does (§2.2-2.4):
 * a path not starting with `/` is rejected with 400 first; a non-message
 * is an ordinary request; a message gets its sender from `Libprocess-From`
 * (trimmed) or else from the `User-Agent` text after the first `libprocess/`,
 * both parsed leniently as Mesos does; receiver id = first path segment
 * percent-decoded (failure: 500), name = rest after the second `/`.
 *
 * Every call returns new objects. The result depends only on the method, the
 * target and those two header values, so recent results are kept (bounded)
 * and copied: a stream repeats a few targets and senders.
 */
export function classifyRequest(head: RequestHeadLike): Classification {
  const method = head.method;
  const target = head.target;
  // One lookup serves both the message test (§2.2) and the sender (§2.3).
  const fromHeader = method === 'POST' ? lastHeader(head, 'Libprocess-From') : undefined;
  const agent = method === 'POST' && fromHeader === undefined ? lastHeader(head, 'User-Agent') : undefined;
  const cached = classified.get(target);
  if (cached !== undefined && cached.method === method && cached.from === fromHeader && cached.agent === agent) {
    return copyClassification(cached.result);
  }
  const result = classifyParts(method, target, fromHeader, agent);
  if (result.kind !== 'rejected') {
    if (classified.size >= CLASSIFIED_MAX) classified.clear();
    classified.set(target, { method, from: fromHeader, agent, result: copyClassification(result) });
  }
  return result;
}

/** Recent classifications by target, with the other inputs they came from. Rejections are not kept (rare). */
const CLASSIFIED_MAX = 512;
const classified = new Map<
  string,
  { method: string; from: string | undefined; agent: string | undefined; result: ClassifiedMessage | ClassifiedRequest }
>();

/** A copy the caller owns (the sender UPID included; the invalid sender is the shared frozen EMPTY_UPID). */
function copyClassification(c: ClassifiedMessage | ClassifiedRequest): ClassifiedMessage | ClassifiedRequest {
  if (c.kind === 'request') return { kind: 'request', path: c.path };
  const from = c.fromValid
    ? { id: c.from.id, host: c.from.host, port: c.from.port, hostKind: c.from.hostKind }
    : c.from;
  return {
    kind: 'message',
    from,
    fromText: c.fromText,
    fromValid: c.fromValid,
    fromSource: c.fromSource,
    to: c.to,
    name: c.name,
    path: c.path,
  };
}

/** classifyRequest's rules, given the method, target, Libprocess-From and (when that is absent) User-Agent. */
function classifyParts(
  method: string,
  target: string,
  fromHeader: string | undefined,
  agent: string | undefined,
): Classification {
  const path = targetPath(target);
  if (!path.startsWith('/')) {
    return {
      kind: 'rejected',
      status: 400,
      path,
      error: mwError('MW_LIBPROCESS_BAD_PATH', `request path "${path}" does not start with "/"`, { offset: 0 }),
    };
  }
  if (method !== 'POST') return { kind: 'request', path };
  if (fromHeader === undefined && agent?.startsWith('libprocess/') !== true) return { kind: 'request', path };
  const slash = path.indexOf('/', 1);
  const rawId = slash < 0 ? path.slice(1) : path.slice(1, slash);
  const name = slash < 0 ? '' : path.slice(slash + 1);
  let to: string;
  try {
    to = percentDecode(rawId);
  } catch (error) {
    const e = error as MesosWireError;
    // Offset within the path: the id starts at index 1.
    return {
      kind: 'rejected',
      status: 500,
      path,
      error: mwError('MW_LIBPROCESS_BAD_PATH', `receiver id: ${e.message}`, { offset: (e.offset ?? 0) + 1 }),
    };
  }
  let fromText: string;
  let fromSource: SenderSource;
  if (fromHeader !== undefined) {
    fromText = fromHeader.trim();
    fromSource = 'Libprocess-From';
  } else {
    const userAgent = agent ?? '';
    fromText = userAgent.slice(userAgent.indexOf('libprocess/') + 'libprocess/'.length);
    fromSource = 'User-Agent';
  }
  // parseUpidLikeMesosDetailed returns a fresh UPID (recent texts are parsed once).
  const { upid: from, valid: fromValid } = parseUpidLikeMesosDetailed(fromText);
  return { kind: 'message', from, fromText, fromValid, fromSource, to, name, path };
}

const LIBPROCESS_HEADERS_0_21 = 'User-Agent,Connection';
const LIBPROCESS_HEADERS_0_22 = 'User-Agent,Libprocess-From,Connection,Host';
const GO_CLIENT_HEADERS = 'Host,User-Agent,Content-Length,Connection,Content-Type,Libprocess-From,Accept-Encoding';

/**
 * Which sender framing (see `MessageStyle`) a message head matches exactly:
 * same version, same header names in the same order and case, the values
 * libprocess writes (`Connection: Keep-Alive`, empty `Host` for 1.11).
 * `other` for anything else (hand-written clients, proxies, ...).
 */
export function guessMessageStyle(
  head: RequestHeadLike & { readonly version: string },
): 'mesos-0.21' | 'mesos-1.11' | 'mesos-1.12' | 'content-length' | 'other' {
  const headers = head.headers;
  let names = headers.map((h) => h.name).join(',');
  const last = headers[headers.length - 1];
  if (last !== undefined && last.name === 'Transfer-Encoding' && last.value === 'chunked') {
    names = names.slice(0, -',Transfer-Encoding'.length);
  }
  const value = (name: string) => headers.find((h) => h.name === name)?.value;
  const agent = value('User-Agent') ?? '';
  if (names === LIBPROCESS_HEADERS_0_21 && head.version === '1.0') {
    return agent.startsWith('libprocess/') && value('Connection') === 'Keep-Alive' ? 'mesos-0.21' : 'other';
  }
  if (names === LIBPROCESS_HEADERS_0_22 && head.version === '1.1') {
    const ok = agent === `libprocess/${value('Libprocess-From')}` && value('Connection') === 'Keep-Alive';
    if (!ok) return 'other';
    return value('Host') === '' ? 'mesos-1.11' : 'mesos-1.12';
  }
  if (names === GO_CLIENT_HEADERS && head.version === '1.1') return 'content-length';
  return 'other';
}
