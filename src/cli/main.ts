import { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { EXIT } from './exit-codes.ts';

/** Builds the commander program. Each command lives in its own file under commands/. */
export function buildProgram(): Command {
  const program = new Command('mesos-wire')
    .description('See, test and replay the wire traffic of Apache Mesos (libprocess messages and the v1 HTTP APIs).')
    .version(pkg.version)
    .showHelpAfterError()
    .exitOverride();
  return program;
}

/** CLI entry: the only place that sets the process exit code. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const code = (error as { code?: string; exitCode?: number }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') {
      process.exitCode = EXIT.OK;
      return;
    }
    if (typeof code === 'string' && code.startsWith('commander.')) {
      process.exitCode = EXIT.USAGE;
      return;
    }
    process.stderr.write(`mesos-wire: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = EXIT.INTERNAL;
  }
}
