import { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { COMMANDS } from './commands/definitions.ts';
import type { CliContext } from './context.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';

/**
 * Builds the commander program: every command's definition (commands/definitions.ts); a command's implementation
 * (commands/<name>.ts) is loaded when it runs.
 */
export function buildProgram(ctx?: CliContext): Command {
  const program = new Command('mesos-wire')
    .description('See, test and replay the wire traffic of Apache Mesos (libprocess messages and the v1 HTTP APIs).')
    .version(pkg.version)
    .showHelpAfterError()
    .exitOverride();
  if (ctx !== undefined) {
    program.configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      writeErr: (text) => ctx.stderr.write(text),
    });
    for (const make of COMMANDS) {
      const command = make(ctx);
      // addCommand() does not pass on exitOverride/showHelpAfterError/output; copy them so usage errors reach run().
      command.copyInheritedSettings(program);
      program.addCommand(command);
    }
  }
  return program;
}

/**
 * Runs one command line against the given streams and returns the exit code (tests call this
 * in-process; main() wires it to the real process).
 */
export async function run(argv: string[], ctx: Omit<CliContext, 'setExit'>): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT.OK;
  const program = buildProgram({
    ...ctx,
    setExit(code) {
      if (code > exitCode) exitCode = code;
    },
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') {
      return EXIT.OK;
    }
    if (typeof code === 'string' && code.startsWith('commander.')) return EXIT.USAGE;
    ctx.stderr.write(`mesos-wire: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    return EXIT.INTERNAL;
  }
}

/** CLI entry: the only place that sets the process exit code. */
export async function main(argv: string[]): Promise<void> {
  // A closed pipe (`mesos-wire decode x | head`) is not an error of ours: stop quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.OK);
    process.stderr.write(`mesos-wire: cannot write output: ${error.message}\n`);
    process.exit(EXIT.IO);
  });
  process.exitCode = await run(argv, {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  });
}
