import { mwError } from '../errors.ts';

/**
 * How the host part of a UPID is written: a dotted IPv4 literal, an IPv6
 * literal (written in brackets, `id@[::1]:5050`; Mesos itself cannot parse
 * this form, see `parseUpidLikeMesos`) or a hostname (kept as text: mesos-wire
 * never resolves names).
 */
export type UpidHostKind = 'ipv4' | 'ipv6' | 'hostname';

/**
 * A libprocess process id: `<id>@<host>:<port>` (wire-protocol.md §1.7, §2.8).
 * `host` holds an IPv6 literal without its brackets.
 */
export interface Upid {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly hostKind: UpidHostKind;
}

/** The empty UPID `@0.0.0.0:0`: what Mesos yields for any text it cannot parse, and the anonymous sender. */
export const EMPTY_UPID: Upid = Object.freeze({ id: '', host: '0.0.0.0', port: 0, hostKind: 'ipv4' });

const MAX_PORT = 65535;
const MAX_HOSTNAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;

/**
 * Parses `id@host:port` strictly and throws a MesosWireError (`MW_UPID_INVALID`,
 * `MW_UPID_BAD_HOST`, `MW_UPID_BAD_PORT`) whose `offset` is the index of the
 * offending character inside `text`.
 *
 * Accepted: any id of printable ASCII without space, `@` or `/` (empty is legal:
 * `@0.0.0.0:0`); a host that is a dotted IPv4 literal (no leading zeros), an
 * IPv6 literal in brackets, or an RFC 1123 hostname (underscores tolerated);
 * a decimal port 0-65535 without sign or leading zeros. Nothing may follow the
 * port. `formatUpid(parseUpid(t)) === t` for every accepted `t`.
 */
export function parseUpid(text: string): Upid {
  const at = text.indexOf('@');
  if (at < 0) throw upidError('MW_UPID_INVALID', `UPID "${text}" has no "@"`, text.length);
  for (let i = 0; i < at; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x2f) {
      throw upidError('MW_UPID_INVALID', `UPID id has a forbidden character ${describeChar(c)}`, i);
    }
  }
  const id = text.slice(0, at);
  let host: string;
  let hostKind: UpidHostKind;
  let colon: number;
  if (text.charCodeAt(at + 1) === 0x5b /* [ */) {
    const close = text.indexOf(']', at + 2);
    if (close < 0) throw upidError('MW_UPID_BAD_HOST', 'IPv6 host has no closing "]"', text.length);
    host = text.slice(at + 2, close);
    const bad = ipv6Problem(host);
    if (bad >= 0) throw upidError('MW_UPID_BAD_HOST', `"${host}" is not an IPv6 address`, at + 2 + bad);
    hostKind = 'ipv6';
    colon = close + 1;
    if (text.charCodeAt(colon) !== 0x3a) throw upidError('MW_UPID_INVALID', 'expected ":" after "]"', colon);
  } else {
    colon = text.indexOf(':', at + 1);
    if (colon < 0) throw upidError('MW_UPID_INVALID', `UPID "${text}" has no ":" before the port`, text.length);
    host = text.slice(at + 1, colon);
    if (text.indexOf(':', colon + 1) >= 0) {
      throw upidError('MW_UPID_BAD_HOST', 'an IPv6 host must be written in brackets (id@[::1]:5050)', at + 1);
    }
    if (host.length === 0) throw upidError('MW_UPID_BAD_HOST', 'UPID host is empty', at + 1);
    if (isIpv4(host)) {
      hostKind = 'ipv4';
    } else {
      const bad = hostnameProblem(host);
      if (bad >= 0)
        throw upidError('MW_UPID_BAD_HOST', `"${host}" is neither an IPv4 address nor a hostname`, at + 1 + bad);
      hostKind = 'hostname';
    }
  }
  const portStart = colon + 1;
  const portText = text.slice(portStart);
  if (portText.length === 0) throw upidError('MW_UPID_BAD_PORT', 'UPID port is empty', portStart);
  for (let i = 0; i < portText.length; i++) {
    const c = portText.charCodeAt(i);
    if (c < 0x30 || c > 0x39) {
      throw upidError('MW_UPID_BAD_PORT', `UPID port has a non-digit ${describeChar(c)}`, portStart + i);
    }
  }
  if (portText.length > 1 && portText.charCodeAt(0) === 0x30) {
    throw upidError('MW_UPID_BAD_PORT', `UPID port "${portText}" has a leading zero`, portStart);
  }
  const port = portText.length > 5 ? MAX_PORT + 1 : Number(portText);
  if (port > MAX_PORT) throw upidError('MW_UPID_BAD_PORT', `UPID port ${portText} is above 65535`, portStart);
  return { id, host, port, hostKind };
}

/** `parseUpid` that returns undefined instead of throwing. */
export function tryParseUpid(text: string): Upid | undefined {
  try {
    return parseUpid(text);
  } catch {
    return undefined;
  }
}

/** Writes `id@host:port`, with brackets around an IPv6 host. */
export function formatUpid(upid: Upid): string {
  return `${upid.id}@${formatUpidAddress(upid)}`;
}

/** The `host:port` part (`[v6]:port` for IPv6), as written in a 1.12-dev `Host` header. */
export function formatUpidAddress(upid: Pick<Upid, 'host' | 'port' | 'hostKind'>): string {
  return upid.hostKind === 'ipv6' ? `[${upid.host}]:${upid.port}` : `${upid.host}:${upid.port}`;
}

/**
 * Builds a UPID from its parts, validating them as `parseUpid` does. `host`
 * may be an IPv6 literal with or without brackets.
 */
export function makeUpid(id: string, host: string, port: number): Upid {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const written = bare.includes(':') ? `[${bare}]` : bare;
  return parseUpid(`${id}@${written}:${port}`);
}

/** True for the empty UPID (`@0.0.0.0:0`). */
export function isEmptyUpid(upid: Upid): boolean {
  return upid.id === '' && upid.port === 0 && upid.hostKind === 'ipv4' && upid.host === '0.0.0.0';
}

/**
 * UPID equality as Mesos defines it (id + address + port). Hosts compare as
 * addresses: IPv6 literals after normalisation, hostnames case-insensitively
 * (Mesos would compare the resolved IPs; mesos-wire does no DNS).
 */
export function upidEquals(a: Upid, b: Upid): boolean {
  if (a.id !== b.id || a.port !== b.port || a.hostKind !== b.hostKind) return false;
  switch (a.hostKind) {
    case 'ipv6':
      return normalizeIpv6(a.host) === normalizeIpv6(b.host);
    case 'hostname':
      return a.host.toLowerCase() === b.host.toLowerCase();
    default:
      return a.host === b.host;
  }
}

/**
 * What a Mesos receiver (`pid.cpp`, wire-protocol.md §2.8) makes of `text`,
 * reproduced step by step: the first whitespace-delimited token; id = text
 * before the first `@`; host = text up to the next `:`, a dotted IPv4 literal
 * or else a hostname; port = C `sscanf("%hu")` of the rest (optional sign,
 * leading digits, trailing junk ignored, wraps modulo 65536). Any failure
 * yields the empty UPID, exactly as Mesos does.
 *
 * Mesos resolves a hostname with DNS and fails when it cannot; mesos-wire
 * keeps it as text (`hostKind: 'hostname'`), so such a result means "Mesos
 * would accept this if the name resolves". An empty host, or any bracketed
 * IPv6 form (`[` is not a resolvable name), yields the empty UPID.
 */
export function parseUpidLikeMesos(text: string): Upid {
  return parseUpidLikeMesosDetailed(text).upid;
}

/** Texts recently parsed by parseUpidLikeMesosDetailed: a stream repeats a handful of senders. Bounded. */
const LIKE_MESOS_CACHE_MAX = 512;
const likeMesosCache = new Map<string, { upid: Upid; valid: boolean }>();

/**
 * `parseUpidLikeMesos` plus whether the text parsed (`valid: false` means Mesos fell back to the empty UPID). Every
 * call returns new objects (a valid UPID is a fresh copy; an invalid text gives the shared frozen EMPTY_UPID), though
 * recent texts are parsed only once.
 */
export function parseUpidLikeMesosDetailed(text: string): { upid: Upid; valid: boolean } {
  let parsed = likeMesosCache.get(text);
  if (parsed === undefined) {
    parsed = parseLikeMesos(text);
    if (likeMesosCache.size >= LIKE_MESOS_CACHE_MAX) likeMesosCache.clear();
    likeMesosCache.set(text, parsed);
  }
  const upid = parsed.upid;
  return parsed.valid
    ? { upid: { id: upid.id, host: upid.host, port: upid.port, hostKind: upid.hostKind }, valid: true }
    : { upid: EMPTY_UPID, valid: false };
}

function parseLikeMesos(text: string): { upid: Upid; valid: boolean } {
  const invalid = { upid: EMPTY_UPID, valid: false };
  let start = 0;
  while (start < text.length && isCSpace(text.charCodeAt(start))) start++;
  let end = start;
  while (end < text.length && !isCSpace(text.charCodeAt(end))) end++;
  const token = text.slice(start, end);
  if (token.length === 0) return invalid;
  const at = token.indexOf('@');
  if (at < 0) return invalid;
  const id = token.slice(0, at);
  const rest = token.slice(at + 1);
  const colon = rest.indexOf(':');
  if (colon < 0) return invalid;
  const host = rest.slice(0, colon);
  let hostKind: UpidHostKind;
  if (isIpv4(host)) hostKind = 'ipv4';
  else if (hostnameProblem(host, true) < 0) hostKind = 'hostname';
  else return invalid; // not a name DNS could resolve
  const port = scanUnsignedShort(rest.slice(colon + 1));
  if (port === undefined) return invalid;
  return { upid: { id, host, port, hostKind }, valid: true };
}

/** C `sscanf(s, "%hu")`: strtoul semantics truncated to 16 bits; undefined when no digits. */
function scanUnsignedShort(s: string): number | undefined {
  let i = 0;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') {
    negative = s[i] === '-';
    i++;
  }
  const digitsStart = i;
  while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
  if (i === digitsStart) return undefined;
  if (i - digitsStart <= 15) {
    // Below 2^53, so exact as a double; 2^64 is a multiple of 2^16, so negating modulo 2^64 then keeping 16 bits is
    // negating modulo 2^16 (the BigInt path below gives the same).
    const low = Number(s.slice(digitsStart, i)) % 0x10000;
    return negative ? (0x10000 - low) % 0x10000 : low;
  }
  const ULONG_MAX = (1n << 64n) - 1n;
  const magnitude = BigInt(s.slice(digitsStart, i));
  // strtoul saturates at ULONG_MAX on overflow (sign ignored); otherwise a '-' negates modulo 2^64.
  const value = magnitude > ULONG_MAX ? ULONG_MAX : negative ? ((1n << 64n) - magnitude) & ULONG_MAX : magnitude;
  return Number(value & 0xffffn);
}

/** C isspace in the "C" locale. */
function isCSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** Dotted-quad IPv4 as inet_pton accepts it: four decimal parts 0-255, no leading zeros. */
function isIpv4(host: string): boolean {
  let parts = 0;
  let i = 0;
  for (;;) {
    const start = i;
    let value = 0;
    while (i < host.length && i - start < 4) {
      const c = host.charCodeAt(i);
      if (c === 0x2e) break;
      if (c < 0x30 || c > 0x39) return false;
      value = value * 10 + (c - 0x30);
      i++;
    }
    const len = i - start;
    if (len === 0 || len > 3 || value > 255) return false;
    if (len > 1 && host.charCodeAt(start) === 0x30) return false;
    parts++;
    if (i === host.length) return parts === 4;
    // host[i] is a dot here (a fourth digit returned above).
    if (parts === 4) return false;
    i++;
  }
}

/** Index of the first offending character of a hostname, or -1 when it is a valid name. */
function hostnameProblem(host: string, allowNumeric = false): number {
  if (host.length === 0) return 0;
  if (host.length > MAX_HOSTNAME_LENGTH) return MAX_HOSTNAME_LENGTH;
  let labelStart = 0;
  let allNumeric = true;
  for (let i = 0; i <= host.length; i++) {
    const c = i < host.length ? host.charCodeAt(i) : 0x2e;
    if (c === 0x2e /* . */) {
      const len = i - labelStart;
      // A trailing dot (fully qualified name) is fine; empty inner labels are not.
      if (len === 0 && !(i === host.length && i > 0)) return i;
      if (len > MAX_LABEL_LENGTH) return labelStart + MAX_LABEL_LENGTH;
      if (len > 0 && (host[labelStart] === '-' || host[i - 1] === '-')) {
        return host[labelStart] === '-' ? labelStart : i - 1;
      }
      labelStart = i + 1;
      continue;
    }
    const isDigit = c >= 0x30 && c <= 0x39;
    const isAlpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    if (!isDigit && !isAlpha && c !== 0x2d && c !== 0x5f) return i;
    if (!isDigit) allNumeric = false;
  }
  // All-digit names such as 1.2.3.04 or 300.1.1.1 are broken IPv4 literals, not hostnames
  // (glibc's resolver would still read some of them, inet_aton style: hence allowNumeric).
  return allNumeric && !allowNumeric ? 0 : -1;
}

/** Index of the first offending character of an IPv6 literal, or -1 when valid. */
function ipv6Problem(text: string): number {
  if (text.length === 0) return 0;
  const doubleColon = text.indexOf('::');
  if (doubleColon >= 0 && text.indexOf('::', doubleColon + 1) >= 0) return text.indexOf('::', doubleColon + 1);
  let groups = 0;
  let i = 0;
  if (doubleColon === 0) i = 2;
  while (i < text.length) {
    let j = i;
    while (j < text.length && text[j] !== ':') j++;
    const group = text.slice(i, j);
    if (group.includes('.')) {
      // Embedded IPv4 (::ffff:1.2.3.4) must be the last group.
      if (j !== text.length || !isIpv4(group)) return i;
      groups += 2;
    } else {
      if (group.length === 0 || group.length > 4) return i;
      for (let k = 0; k < group.length; k++) {
        const c = group.charCodeAt(k);
        const hex = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
        if (!hex) return i + k;
      }
      groups++;
    }
    if (j === text.length) break;
    // j is a ':'; '::' marks the elided run.
    if (j === doubleColon) {
      i = j + 2;
      if (i === text.length) break;
    } else {
      i = j + 1;
      if (i === text.length) return j;
    }
  }
  if (doubleColon >= 0 ? groups > 7 : groups !== 8) return text.length - 1;
  return -1;
}

/** IPv6 literal as eight lowercase 4-digit groups, for comparison. */
function normalizeIpv6(text: string): string {
  let head = text;
  let tail = '';
  const dc = text.indexOf('::');
  if (dc >= 0) {
    head = text.slice(0, dc);
    tail = text.slice(dc + 2);
  }
  const expand = (part: string): string[] => {
    if (part === '') return [];
    const out: string[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const [a, b, c, d] = g.split('.').map(Number) as [number, number, number, number];
        out.push(((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
      } else out.push(g);
    }
    return out;
  };
  const h = expand(head);
  const t = expand(tail);
  const all = dc >= 0 ? [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return all.map((g) => g.toLowerCase().padStart(4, '0')).join(':');
}

function describeChar(c: number): string {
  return c > 0x20 && c < 0x7f ? `"${String.fromCharCode(c)}"` : `0x${c.toString(16).padStart(2, '0')}`;
}

function upidError(code: 'MW_UPID_INVALID' | 'MW_UPID_BAD_HOST' | 'MW_UPID_BAD_PORT', message: string, offset: number) {
  return mwError(code, message, { offset });
}
