/** A CliContext over in-memory streams, for the transport command tests. */
import { PassThrough, Readable } from 'node:stream';
import type { CliContext } from '../../src/cli/context.ts';
import type { ExitCode } from '../../src/cli/exit-codes.ts';

/** stdin holds `stdinText`; what the command writes is in `out()` and `err()`, its exit codes in `codes`. */
export function cliContext(stdinText = ''): CliContext & { out: () => string; err: () => string; codes: ExitCode[] } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const codes: ExitCode[] = [];
  return {
    stdin: Readable.from([Buffer.from(stdinText)]),
    stdout,
    stderr,
    env: { FORCE_COLOR: '0' },
    setExit: (code) => codes.push(code),
    out: () => out,
    err: () => err,
    codes,
  };
}
