/**
 * `send` and `replay` against peers that misbehave (real sockets on 127.0.0.1:0): a peer that answers with bytes
 * that are not HTTP, and one that reads every message but never answers.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runReplay } from '../../src/cli/commands/replay.ts';
import { runSend, type SendCommandOptions } from '../../src/cli/commands/send.ts';
import { LibprocessEndpoint } from '../../src/transport/endpoint.ts';
import { messagesFromCaptureFile, messagesFromRawStream, replayMessages } from '../../src/transport/replay.ts';

import { cliContext } from './cli-context.ts';

const SESSION = fileURLToPath(new URL('../../fixtures/raw/libprocess-session.bin', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/mesos-wire.js', import.meta.url));

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A peer on 127.0.0.1:0 that reads everything and runs `onData` for each read. */
async function peer(onData: (socket: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('data', () => onData(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

function send(options: Partial<SendCommandOptions> & { to: string }) {
  const ctx = cliContext();
  return runSend({ format: 'text', timeout: 300, retries: 0, ...options }, ctx).then((code) => ({ code, ctx }));
}

describe('mesos-wire send against misbehaving peers', () => {
  it('a peer answering with bytes that are not HTTP: each message reported failed, exit 3 with the reason', {
    timeout: 10_000,
  }, async () => {
    const port = await peer((socket) => socket.write('garbage garbage\r\n\r\n'));
    const { code, ctx } = await send({ to: `master@127.0.0.1:${port}`, name: 'mesos.internal.A', bodyHex: '' });
    assert.match(
      ctx.out(),
      /^failed: peer 127\.0\.0\.1:\d+ answered with bytes that are not HTTP {2}mesos\.internal\.A/,
    );
    assert.equal(code, 3);
    assert.match(ctx.err(), /answered with bytes that are not HTTP/);
  });

  it('a peer that never answers: every message still gets its line (failed: no answer), exit 3', {
    timeout: 10_000,
  }, async () => {
    const port = await peer(() => {});
    const ctx = cliContext();
    const { code } = await runSend(
      {
        format: 'ndjson',
        timeout: 300,
        retries: 0,
        to: `master@127.0.0.1:${port}`,
        messages: '-',
      },
      { ...ctx, stdin: Readable.from([Buffer.from('{"name":"a"}\n{"name":"b"}\n')]) },
    ).then((c) => ({ code: c }));
    assert.equal(code, 3);
    const lines = ctx
      .out()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { name: string; error?: { code: string } });
    assert.deepEqual(
      lines.map((line) => [line.name, line.error?.code]),
      [
        ['a', 'MW_TRANSPORT_TIMEOUT'],
        ['b', 'MW_TRANSPORT_TIMEOUT'],
      ],
    );
    assert.match(ctx.err(), /no answer within 300 ms/);
  });
});

describe('replay against a peer that never answers', () => {
  it('replayMessages stops waiting after answerTimeoutMs and reports each unanswered message failed', {
    timeout: 10_000,
  }, async () => {
    const port = await peer(() => {});
    const endpoint = await LibprocessEndpoint.listen({ acceptAnyId: true });
    cleanups.push(() => endpoint.close(100));
    const { messages } = messagesFromRawStream(new Uint8Array(readFileSync(SESSION)));
    const failed: string[] = [];
    const report = await replayMessages(endpoint, messages, {
      target: { host: '127.0.0.1', port },
      settleMs: 0,
      answerTimeoutMs: 200,
      onProgress: (event) => {
        if (event.kind === 'failed') failed.push(`${event.index}:${event.error.code}`);
      },
    });
    assert.equal(report.sent, messages.length);
    assert.equal(report.failed, messages.length);
    assert.deepEqual(
      failed,
      messages.map((_, index) => `${index}:MW_TRANSPORT_TIMEOUT`),
    );
  });

  it('the replay command ends with exit 3 and a summary instead of waiting forever', { timeout: 10_000 }, async () => {
    const port = await peer(() => {});
    const ctx = cliContext();
    const code = await runReplay(SESSION, { to: `127.0.0.1:${port}`, wait: 0, timeout: 200, format: 'text' }, ctx);
    assert.equal(code, 3);
    assert.match(ctx.out(), /summary: selected \d+, sent (\d+), accepted 0, refused 0, failed \1, came back 0/);
  });

  it('the binary takes --timeout <ms> for those answers', { timeout: 20_000 }, async () => {
    const port = await peer(() => {});
    const args = [BIN, 'replay', SESSION, '--to', `127.0.0.1:${port}`, '--wait', '0', '--timeout', '200'];
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile(process.execPath, args, { timeout: 15_000 }, (error, out) =>
        resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? null), stdout: out }),
      );
    });
    assert.equal(code, 3);
    assert.match(stdout, /summary: selected \d+, sent (\d+), accepted 0, refused 0, failed \1, came back 0/);
  });
});

describe('replay of a capture cut off inside its last record', () => {
  const PCAP = fileURLToPath(new URL('../../fixtures/pcap/real/lo-ipv4.pcap', import.meta.url));

  /** lo-ipv4.pcap without its last 10 bytes (as when tcpdump is killed mid-write), in a temporary file. */
  function truncatedCapture(): string {
    const dir = mkdtempSync(join(tmpdir(), 'mw-replay-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'cut.pcap');
    const bytes = readFileSync(PCAP);
    writeFileSync(path, bytes.subarray(0, bytes.length - 10));
    return path;
  }

  it('messagesFromCaptureFile keeps the messages before the cut and reports it as a diagnostic', async () => {
    const whole = await messagesFromCaptureFile(PCAP);
    const cut = await messagesFromCaptureFile(truncatedCapture());
    assert.deepEqual(
      cut.messages.map((m) => [m.name, m.offset]),
      whole.messages.map((m) => [m.name, m.offset]),
    );
    assert.match(cut.diagnostics.at(-1)!, /^MW_PCAP_TRUNCATED at file offset 5225: /);
  });

  it('the replay command sends them and notes the cut on stderr', { timeout: 10_000 }, async () => {
    const receiver = await LibprocessEndpoint.listen({ acceptAnyId: true });
    cleanups.push(() => receiver.close(100));
    const got: string[] = [];
    receiver.on('message', (m) => got.push(m.name));
    const ctx = cliContext();
    const code = await runReplay(
      truncatedCapture(),
      { to: `127.0.0.1:${receiver.address.port}`, wait: 0, timeout: 2000, format: 'text' },
      ctx,
    );
    assert.equal(code, 0);
    assert.match(ctx.err(), /MW_PCAP_TRUNCATED at file offset 5225/);
    assert.equal(got.length, 5);
    assert.match(ctx.out(), /summary: selected 5, sent 5, accepted 5, refused 0, failed 0/);
  });
});

describe('replay usage errors', () => {
  it('a pcap capture piped on stdin is a usage error (exit 2), a missing file an I/O error (exit 3)', async () => {
    const PCAP = fileURLToPath(new URL('../../fixtures/pcap/real/lo-ipv4.pcap', import.meta.url));
    const piped = { ...cliContext(), stdin: Readable.from([readFileSync(PCAP)]) };
    assert.equal(await runReplay('-', { to: '127.0.0.1:1', dryRun: true, format: 'text' }, piped), 2);
    assert.match(piped.err(), /pcap\/pcapng captures are read from a file, not stdin/);
    const missing = cliContext();
    assert.equal(await runReplay('/nonexistent/capture.pcap', { to: '127.0.0.1:1', format: 'text' }, missing), 3);
  });
});
