import { mwError } from '../errors.ts';
import { percentDecode } from './classify.ts';

/**
 * The query of a request target decoded as libprocess does (`http::query::decode`, used by its request decoder):
 * the text between `?` and `#`, split at `&` and `;` (empty parts skipped), each part `key=value` or a bare `key`
 * (value ""), both percent-decoded (`+` is a space); a later key replaces an earlier one.
 *
 * A malformed escape throws `MW_LIBPROCESS_BAD_QUERY` with the offset of its `%` in `target`: a libprocess server
 * then fails its decoder and closes the connection without answering, for messages and endpoint requests alike
 * (wire-protocol.md §2.1, §2.6; decoder_tests.cpp InvalidQueryArgs). The path is not looked at (see classifyRequest).
 */
export function decodeQuery(target: string): Map<string, string> {
  const result = new Map<string, string>();
  const question = target.indexOf('?');
  if (question < 0) return result;
  const hash = target.indexOf('#', question);
  const end = hash < 0 ? target.length : hash;
  let at = question + 1;
  while (at <= end) {
    let stop = at;
    while (stop < end && target[stop] !== '&' && target[stop] !== ';') stop++;
    if (stop > at) {
      const eq = target.indexOf('=', at);
      const keyEnd = eq >= 0 && eq < stop ? eq : stop;
      const key = decodePart(target, at, keyEnd);
      result.set(key, keyEnd < stop ? decodePart(target, keyEnd + 1, stop) : '');
    }
    at = stop + 1;
  }
  return result;
}

function decodePart(target: string, start: number, end: number): string {
  try {
    return percentDecode(target.slice(start, end));
  } catch (error) {
    const offset = start + ((error as { offset?: number }).offset ?? 0);
    throw mwError('MW_LIBPROCESS_BAD_QUERY', `query: malformed percent-encoding at offset ${offset}`, { offset });
  }
}
