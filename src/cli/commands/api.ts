import { InvalidArgumentError } from 'commander';
import { v1Type } from '../../client/codec.ts';
import { OperatorClient, type PlainMessage, toPlain, type V1Codec } from '../../client/index.ts';
import { fromPlain } from '../../client/plain.ts';
import { isMesosWireError, type MesosWireError } from '../../errors.ts';
import { encodeBase64 } from '../../proto/base64.ts';
import { mesosJsonToMessage } from '../../proto/json-read.ts';
import { toMesosJson } from '../../proto/json-write.ts';
import type { PbType } from '../../proto/schema.ts';
import { type CliContext, writeText } from '../context.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { chalkFor } from '../render/color.ts';

/** Options of `mesos-wire api`. */
export interface ApiOptions {
  master: string;
  json?: string;
  contentType: V1Codec;
  format: 'text' | 'ndjson';
}

/**
 * A plain v1 message as an indented tree: `key: value` per scalar, nested messages indented under their key,
 * repeated fields as `key[i]`. 64-bit integers print exactly; bytes print as base64 with their length.
 */
export function treeLines(message: PlainMessage, indent = '  '): string[] {
  const lines: string[] = [];
  const scalar = (value: unknown): string => {
    if (value instanceof Uint8Array) return `${encodeBase64(value)} (${value.length} bytes, base64)`;
    if (typeof value === 'string') return JSON.stringify(value);
    return String(value);
  };
  const walk = (key: string, value: unknown, depth: number): void => {
    const pad = indent.repeat(depth);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) walk(`${key}[${i}]`, value[i], depth);
    } else if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
      lines.push(`${pad}${key}`);
      for (const [k, v] of Object.entries(value)) walk(k, v, depth + 1);
    } else lines.push(`${pad}${key}: ${scalar(value)}`);
  };
  for (const [key, value] of Object.entries(message)) walk(key, value, 0);
  return lines;
}

/** One message as a line of Mesos JSON (exact 64-bit integers, declaration order). */
export function mesosJsonLine(message: PlainMessage, type: PbType): string {
  return `${toMesosJson(fromPlain(message, type), type, { unknownFields: false })}\n`;
}

/** How a client failure ends a command: message on stderr, exit code 1 for refused calls, 3 for I/O. */
export function reportClientError(ctx: CliContext, command: string, error: unknown): ExitCode {
  if (!isMesosWireError(error)) throw error;
  const e = error as MesosWireError;
  ctx.stderr.write(`mesos-wire ${command}: ${e.message}\n`);
  if (e.code === 'MW_INVALID_ARGUMENT' || e.code.startsWith('MW_JSON') || e.code === 'MW_PROTO_MISSING_REQUIRED') {
    return EXIT.USAGE;
  }
  return e.code === 'MW_CLIENT_HTTP_STATUS' || e.code === 'MW_CLIENT_PROTOCOL' ? EXIT.INPUT_ERRORS : EXIT.IO;
}

/** The CALL argument of `api`: a mesos.v1.master.Call type name, upper-cased. */
export function callName(value: string): string {
  const name = value.toUpperCase();
  const type = v1Type('mesos.v1.master.Call').lookupEnum('Type');
  if (!Object.hasOwn(type.values, name)) {
    throw new InvalidArgumentError(`not a mesos.v1.master.Call type (e.g. GET_STATE, GET_HEALTH, GET_FRAMEWORKS)`);
  }
  return name;
}

/** Runs one call; returns the exit code (0 answered 2xx, 1 refused, 2 bad arguments, 3 unreachable). */
export async function runApi(call: string, options: ApiOptions, ctx: CliContext): Promise<ExitCode> {
  const callType = v1Type('mesos.v1.master.Call');
  const responseType = v1Type('mesos.v1.master.Response');
  let plain: PlainMessage = {};
  const client = new OperatorClient({ master: options.master, codec: options.contentType });
  try {
    if (options.json !== undefined) {
      plain = toPlain(mesosJsonToMessage(options.json, callType, { allowMissingRequired: true }), callType);
    }
    const response = await client.call({ ...plain, type: call });
    if (response === undefined) {
      if (options.format === 'ndjson') await writeText(ctx.stdout, '{}\n');
      else await writeText(ctx.stdout, `${call}: accepted (no response body)\n`);
      return EXIT.OK;
    }
    if (options.format === 'ndjson') await writeText(ctx.stdout, mesosJsonLine(response, responseType));
    else {
      const c = chalkFor(ctx.stdout, ctx.env);
      const { type, ...rest } = response;
      await writeText(ctx.stdout, `${c.bold(String(type ?? call))}\n${treeLines(rest).join('\n')}\n`);
    }
    return EXIT.OK;
  } catch (error) {
    return reportClientError(ctx, 'api', error);
  } finally {
    await client.close();
  }
}
