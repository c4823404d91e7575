/**
 * Parsers and defaults of command-line arguments that commander calls while parsing. They live apart from the
 * command implementations, which are loaded only when their command runs: this module must stay light (no
 * protobuf schemas, no pipeline, no HTTP client).
 */
import { InvalidArgumentError } from 'commander';
import { isMesosWireError } from '../../errors.ts';
import { parseUpid, type Upid } from '../../libprocess/upid.ts';

/** Default master address of the v1 commands. */
export const DEFAULT_MASTER = 'http://127.0.0.1:5050';

/** Commander parser for counts and milliseconds. */
export function parseNonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`not a non-negative number: ${value}`);
  return n;
}

/** Commander parser for byte counts and limits: a non-negative safe integer. */
export function parseNonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

/** Commander parser for a factor (e.g. replay --speed). */
export function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`not a positive number: ${value}`);
  return n;
}

/** Commander parser for a rate: `100` or `100/s`. */
export function parseRate(value: string): number {
  return parsePositive(value.replace(/\/s$/, ''));
}

/** Commander parser for a UPID (`id@host:port`). */
export function upidArgument(value: string): Upid {
  try {
    return parseUpid(value);
  } catch (error) {
    if (isMesosWireError(error)) {
      throw new InvalidArgumentError(`${error.message} (${error.code} at character ${error.offset}).`);
    }
    throw error;
  }
}

/** Commander parser for body bytes given as hex digits in pairs (spaces and colons ignored). */
export function hexArgument(value: string): Uint8Array {
  const clean = value.replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new InvalidArgumentError('expected hex digits in pairs (spaces and colons are ignored).');
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}
