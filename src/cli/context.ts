import type { Readable, Writable } from 'node:stream';
import type { ExitCode } from './exit-codes.ts';

/** What a command needs from the process: streams, environment, and a way to report its exit code. */
export interface CliContext {
  stdin: Readable;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Records the command's exit code; main() turns the highest one into the process exit code. */
  setExit(code: ExitCode): void;
}

/** Writes text and waits for 'drain' when the stream buffers too much (keeps memory flat on big inputs). */
export async function writeText(stream: Writable, text: string): Promise<void> {
  if (text.length === 0) return;
  if (!stream.write(text)) await drainOf(stream);
}

/** Resolves once `stream` has no more buffered than its high-water mark (at once when it has not). */
export async function drained(stream: Writable): Promise<void> {
  if (stream.writableNeedDrain === true) await drainOf(stream);
}

/** The stream's next 'drain' (rejected by an 'error' first). */
function drainOf(stream: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = () => {
      stream.off('error', fail);
      resolve();
    };
    const fail = (error: Error) => {
      stream.off('drain', done);
      reject(error);
    };
    stream.once('drain', done);
    stream.once('error', fail);
  });
}

/** A one-line message for an I/O failure (`ENOENT: no such file or directory, open 'x'`). */
export function ioMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
