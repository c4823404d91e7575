import { mwError } from '../errors.ts';
import type { MessageStyle } from '../libprocess/index.ts';

/**
 * Whether a receiver answers libprocess messages with an HTTP response (wire-protocol.md §2.4):
 *
 * - `always`: Mesos >= 1.4.0 answers every message (202 Accepted / 404 Not Found / 400 / 500).
 * - `non-libprocess-only`: 0.19.0-1.3.x answer only requests whose User-Agent does not contain `libprocess/`
 *   (clients that send with `Libprocess-From` alone).
 * - `never`: <= 0.18.x never answer messages (their senders never read their sockets).
 *
 * Plain HTTP requests (endpoints) are answered in every era.
 */
export type ReplyPolicy = 'always' | 'non-libprocess-only' | 'never';

/** Every reply policy, newest behaviour first. */
export const REPLY_POLICIES: readonly ReplyPolicy[] = ['always', 'non-libprocess-only', 'never'];

/** How an endpoint of a given Mesos release speaks: the framing it writes and when it answers messages. */
export interface MesosEra {
  readonly style: MessageStyle;
  readonly replies: ReplyPolicy;
}

/**
 * The era of a Mesos release `major.minor[.patch]` (e.g. `1.11.0`, `0.18`). Senders up to 0.21 write HTTP/1.0
 * (`mesos-0.21`), 0.22-1.11 write an empty Host (`mesos-1.11`), 1.12-dev writes the recipient in Host.
 * Throws MW_INVALID_ARGUMENT for text that is not a version.
 */
export function mesosEra(version: string): MesosEra {
  const match = /^(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec(version.trim());
  if (match === null) {
    throw mwError('MW_INVALID_ARGUMENT', `not a Mesos version: "${version}"`);
  }
  const major = Number(match[1]);
  const minor = Number(match[2]);
  const at = (ma: number, mi: number): boolean => major > ma || (major === ma && minor >= mi);
  const style: MessageStyle = at(1, 12) ? 'mesos-1.12' : at(0, 22) ? 'mesos-1.11' : 'mesos-0.21';
  const replies: ReplyPolicy = at(1, 4) ? 'always' : at(0, 19) ? 'non-libprocess-only' : 'never';
  return { style, replies };
}

/** True when a receiver with `policy` answers a message whose User-Agent is `userAgent` (undefined: absent). */
export function repliesToMessage(policy: ReplyPolicy, userAgent: string | undefined): boolean {
  if (policy === 'always') return true;
  if (policy === 'never') return false;
  return userAgent === undefined || !userAgent.includes('libprocess/');
}
