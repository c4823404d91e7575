import { v1Type } from '../../client/codec.ts';
import { OperatorClient, type V1Codec } from '../../client/index.ts';
import { type CliContext, writeText } from '../context.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { chalkFor } from '../render/color.ts';
import { mesosJsonLine, reportClientError, treeLines } from './api.ts';

/** Options of `mesos-wire watch`. */
export interface WatchOptions {
  master: string;
  contentType: V1Codec;
  format: 'text' | 'ndjson';
  heartbeats?: boolean;
}

/** Prints events until the stream ends or `signal` aborts; returns the exit code (0 when stopped by the signal). */
export async function runWatch(options: WatchOptions, ctx: CliContext, signal?: AbortSignal): Promise<ExitCode> {
  const eventType = v1Type('mesos.v1.master.Event');
  const client = new OperatorClient({ master: options.master, codec: options.contentType });
  const c = chalkFor(ctx.stdout, ctx.env);
  const stopped = (): void => void client.close();
  signal?.addEventListener('abort', stopped, { once: true });
  try {
    for await (const event of client.subscribe()) {
      if (event.type === 'HEARTBEAT' && options.heartbeats !== true) continue;
      if (options.format === 'ndjson') await writeText(ctx.stdout, mesosJsonLine(event, eventType));
      else {
        const { type, ...rest } = event;
        const lines = treeLines(rest);
        await writeText(ctx.stdout, `${c.bold.cyan(type)}${lines.length > 0 ? `\n${lines.join('\n')}` : ''}\n`);
      }
    }
    if (signal?.aborted === true) return EXIT.OK;
    ctx.stderr.write('mesos-wire watch: the master ended the event stream\n');
    return EXIT.IO;
  } catch (error) {
    if (signal?.aborted === true) return EXIT.OK;
    return reportClientError(ctx, 'watch', error);
  } finally {
    signal?.removeEventListener('abort', stopped);
    await client.close();
  }
}
