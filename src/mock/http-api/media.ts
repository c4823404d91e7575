/**
 * Media types of the v1 HTTP APIs and `Accept` negotiation as libprocess does it (`Request::acceptsMediaType`,
 * wire-protocol.md §4.2).
 */

/** `application/json`: Mesos JSON bodies (and the Content-Type of JSON event streams). */
export const APPLICATION_JSON = 'application/json';
/** `application/x-protobuf`: protobuf bodies (and the Content-Type of protobuf event streams). */
export const APPLICATION_PROTOBUF = 'application/x-protobuf';

/** The two encodings of v1 API bodies. */
export type V1ContentType = typeof APPLICATION_JSON | typeof APPLICATION_PROTOBUF;

/**
 * True when an `Accept` header value allows `mediaType` (`type/subtype`). Absent header: everything is acceptable.
 * Otherwise spaces, tabs and newlines are removed, the header is split at commas, and for the candidates
 * `type/subtype`, `type/*`, `*` + `/*` in that order the first entry equal to a candidate (case-insensitive)
 * decides: without a `q` parameter (or with a malformed one) it is acceptable, else iff `q > 0`.
 */
export function acceptsMediaType(accept: string | undefined, mediaType: string): boolean {
  if (accept === undefined) return true;
  const slash = mediaType.indexOf('/');
  const candidates = [mediaType.toLowerCase(), `${mediaType.slice(0, slash).toLowerCase()}/*`, '*/*'];
  const entries = accept
    .replace(/[ \t\n]/g, '')
    .split(',')
    .map((entry) => entry.split(';'));
  for (const candidate of candidates) {
    for (const [range, ...params] of entries) {
      if (range === undefined || range.toLowerCase() !== candidate) continue;
      for (const param of params) {
        const eq = param.indexOf('=');
        if (eq < 0 || param.slice(0, eq).toLowerCase() !== 'q') continue;
        const text = param.slice(eq + 1);
        const q = Number(text);
        // A malformed q counts as absent (the entry is acceptable), as a failed numify<double> does.
        if (text === '' || Number.isNaN(q)) return true;
        return q > 0;
      }
      return true;
    }
  }
  return false;
}

/**
 * The response encoding of a call: JSON when acceptable (so no `Accept` means JSON), else protobuf, else undefined
 * (the master answers 406).
 */
export function negotiateContentType(accept: string | undefined): V1ContentType | undefined {
  if (acceptsMediaType(accept, APPLICATION_JSON)) return APPLICATION_JSON;
  if (acceptsMediaType(accept, APPLICATION_PROTOBUF)) return APPLICATION_PROTOBUF;
  return undefined;
}
