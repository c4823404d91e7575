import type { ChalkInstance } from 'chalk';

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

/** chalk's style names (modifiers, foreground, background and underline colours); test/cli/color.test.ts checks them. */
export const STYLE_NAMES: readonly string[] = [
  ...['reset', 'bold', 'dim', 'italic', 'underline', 'underlineDouble', 'underlineCurly', 'underlineDotted'],
  ...['underlineDashed', 'overline', 'inverse', 'hidden', 'strikethrough'],
  ...['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white', 'blackBright', 'gray', 'grey'],
  ...['redBright', 'greenBright', 'yellowBright', 'blueBright', 'magentaBright', 'cyanBright', 'whiteBright'],
  ...['bgBlack', 'bgRed', 'bgGreen', 'bgYellow', 'bgBlue', 'bgMagenta', 'bgCyan', 'bgWhite', 'bgBlackBright'],
  ...['bgGray', 'bgGrey', 'bgRedBright', 'bgGreenBright', 'bgYellowBright', 'bgBlueBright', 'bgMagentaBright'],
  ...['bgCyanBright', 'bgWhiteBright', 'underlineBlack', 'underlineRed', 'underlineGreen', 'underlineYellow'],
  ...['underlineBlue', 'underlineMagenta', 'underlineCyan', 'underlineWhite', 'underlineBlackBright'],
  ...['underlineGray', 'underlineGrey', 'underlineRedBright', 'underlineGreenBright', 'underlineYellowBright'],
  ...['underlineBlueBright', 'underlineMagentaBright', 'underlineCyanBright', 'underlineWhiteBright'],
];

/** chalk's colour-model methods (`c.rgb(1, 2, 3)`, `c.bgHex('#fff')`, ...), which return a style. */
export const MODEL_NAMES: readonly string[] = [
  ...['rgb', 'hex', 'ansi256', 'bgRgb', 'bgHex', 'bgAnsi256', 'underlineRgb', 'underlineHex', 'underlineAnsi256'],
];

/** A style's text at level 0, with chalk's coercion of its arguments. */
function plainText(...texts: unknown[]): string {
  // biome-ignore lint/style/useTemplate: chalk coerces one argument with `'' + value` (valueOf before toString).
  if (texts.length === 1) return '' + texts[0];
  if (texts.length === 2) return `${texts[0] ?? ''} ${texts[1] ?? ''}`;
  return texts.join(' ');
}

/**
 * What `new Chalk({ level: 0 })` gives, without chalk: every style, chained or not, returns its text unstyled
 * (`visible` returns nothing). Loading chalk detects the terminal (node:tty, which loads net, and node:os): about
 * 1 MiB that a streaming command would hold to its end for output that has no colour anyway.
 */
function plainChalk(): ChalkInstance {
  const root = (...texts: unknown[]): string => texts.join(' ');
  const style = (...texts: unknown[]): string => plainText(...texts);
  const invisible = (): string => '';
  for (const [on, next, hidden] of [
    [root, style, invisible],
    [style, style, invisible],
    [invisible, invisible, invisible],
  ] as const) {
    for (const name of STYLE_NAMES) Object.defineProperty(on, name, { value: next });
    for (const name of MODEL_NAMES) Object.defineProperty(on, name, { value: () => next });
    Object.defineProperty(on, 'visible', { value: hidden });
    Object.defineProperty(on, 'level', { value: 0, enumerable: true });
  }
  return root as unknown as ChalkInstance;
}

const PLAIN = plainChalk();

/** A chalk instance for a stream, with the level from `colorLevel` (level 0: a stand-in that loads no chalk). */
export function chalkFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): ChalkInstance {
  const level = colorLevel(env, stream.isTTY === true);
  if (level === 0) return PLAIN;
  const { Chalk } = process.getBuiltinModule('node:module').createRequire(import.meta.url)(
    'chalk',
  ) as typeof import('chalk');
  return new Chalk({ level });
}
