import { Chalk, type ChalkInstance } from 'chalk';

/**
 * The colour level for an output stream: `FORCE_COLOR` wins (`0`/`false` off, a number is the level,
 * empty/`true` is level 1), then `NO_COLOR` (any non-empty value turns colour off, https://no-color.org),
 * then only a TTY (and not `TERM=dumb`) gets colour.
 */
export function colorLevel(env: NodeJS.ProcessEnv, isTTY: boolean): 0 | 1 | 2 | 3 {
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    if (/^\d+$/.test(force)) return Math.min(Number(force), 3) as 0 | 1 | 2 | 3;
    return 1;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (!isTTY || env.TERM === 'dumb') return 0;
  return 1;
}

/** A chalk instance for a stream, with the level from `colorLevel`. */
export function chalkFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): ChalkInstance {
  return new Chalk({ level: colorLevel(env, stream.isTTY === true) });
}
