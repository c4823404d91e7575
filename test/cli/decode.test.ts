import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { encodeMessage } from '../../src/libprocess/index.ts';
import { matchSnapshot, ROOT, runBin, runCli, spawnCli } from './helpers.ts';

const SESSION = 'fixtures/raw/libprocess-session.bin';

/** Text-format snapshots of every raw fixture, and ndjson of a few. */
const SNAPSHOT_CASES: [string, string[]][] = [
  ['decode-session', ['decode', SESSION]],
  ['decode-session-ndjson', ['decode', SESSION, '--format', 'ndjson']],
  ['decode-styles', ['decode', 'fixtures/raw/libprocess-styles.bin', '--hex-limit', '32']],
  ['decode-corrupt', ['decode', 'fixtures/raw/libprocess-corrupt.bin']],
  ['decode-truncated-ndjson', ['decode', 'fixtures/raw/libprocess-truncated.bin', '--format', 'ndjson']],
  ['decode-events-recordio', ['decode', 'fixtures/raw/scheduler-events.recordio']],
  [
    'decode-events-protobuf-ndjson',
    ['decode', 'fixtures/raw/scheduler-events-protobuf.recordio', '--format', 'ndjson'],
  ],
  ['decode-http-as-recordio', ['decode', SESSION, '--input', 'recordio']],
  ['decode-missing-file', ['decode', 'fixtures/raw/no-such-file.bin']],
  ['decode-bad-format', ['decode', SESSION, '--format', 'yaml']],
];

describe('mesos-wire decode: snapshots', () => {
  for (const [name, args] of SNAPSHOT_CASES) {
    it(`${name}: ${args.join(' ')}`, async () => matchSnapshot(name, args, await runCli(args)));
  }
});

async function ndjson(args: string[]) {
  const result = await runCli([...args, '--format', 'ndjson']);
  const lines = result.stdout
    .toString('utf8')
    .trimEnd()
    .split('\n')
    .filter((l) => l !== '');
  return { run: result, events: lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('mesos-wire decode: ndjson contract', () => {
  it('messages carry the contract fields first, in order; responses, records and errors too', async () => {
    const { run, events } = await ndjson(['decode', SESSION]);
    assert.equal(run.status, 0);
    assert.equal(events.length, 12);
    const message = events[0]!;
    assert.deepEqual(Object.keys(message).slice(0, 9), [
      'type',
      'offset',
      'from',
      'to',
      'name',
      'framing',
      'chunks',
      'bodyLength',
      'body',
    ]);
    assert.equal(message.type, 'message');
    assert.equal(message.offset, 0);
    assert.equal(message.from, 'scheduler-5d1c0a3e-2b7f-4c9e-8a61-0f3b2c4d5e6f@10.0.0.5:40123');
    assert.equal(message.to, 'master');
    assert.equal(message.name, 'mesos.scheduler.Call');
    assert.equal(message.framing, 'chunked');
    assert.deepEqual(message.chunks, [79]);
    assert.equal(message.bodyLength, 79);
    const response = events[1]!;
    assert.deepEqual(Object.keys(response).slice(0, 3), ['type', 'offset', 'status']);
    assert.equal(response.status, 202);
    const pong = events.find((e) => e.name === 'mesos.internal.PongSlaveMessage')!;
    assert.equal(pong.framing, 'none');
    assert.deepEqual(pong.chunks, []);
    assert.equal(pong.bodyLength, 0);

    const records = (await ndjson(['decode', 'fixtures/raw/scheduler-events.recordio'])).events;
    assert.deepEqual(Object.keys(records[0]!).slice(0, 3), ['type', 'offset', 'length']);
    assert.deepEqual(
      records.map((r) => [r.type, r.offset, r.length]),
      [
        ['record', 0, 139],
        ['record', 143, 20],
        ['record', 166, 386],
        ['record', 556, 20],
      ],
    );

    const broken = await ndjson(['decode', 'fixtures/raw/libprocess-corrupt.bin']);
    assert.equal(broken.run.status, 1);
    const error = broken.events.find((e) => e.type === 'error')!;
    assert.deepEqual(Object.keys(error), ['type', 'code', 'offset', 'message']);
    assert.equal(error.code, 'MW_HTTP_BAD_CHUNK_SIZE');
    assert.equal(error.offset, 341);
    // Everything before the error and after the resync is still there.
    assert.deepEqual(
      broken.events.map((e) => e.type),
      ['message', 'error', 'message', 'response'],
    );
  });
  it('--format json is one array holding the ndjson objects', async () => {
    const json = await runCli(['decode', SESSION, '--format', 'json']);
    assert.equal(json.status, 0);
    const array = JSON.parse(json.stdout.toString('utf8')) as unknown[];
    assert.deepEqual(array, (await ndjson(['decode', SESSION])).events);
    const empty = await runCli(['decode', '-', '--format', 'json'], { input: new Uint8Array(0) });
    assert.deepEqual(JSON.parse(empty.stdout.toString('utf8')), []);
    assert.equal(empty.status, 0);
  });
  it('other requests and requests Mesos would reject are type "request"', async () => {
    const input = new TextEncoder().encode(
      'GET /master/state HTTP/1.1\r\nHost: m\r\n\r\n' +
        'POST /bad%zz/x HTTP/1.1\r\nLibprocess-From: a@1.2.3.4:5\r\nContent-Length: 0\r\n\r\n',
    );
    const r = await runCli(['decode', '-', '--format', 'ndjson'], { input });
    const got = r.stdout
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(got[0].type, 'request');
    assert.equal(got[0].method, 'GET');
    assert.equal(got[0].target, '/master/state');
    assert.equal(got[1].type, 'request');
    assert.deepEqual(got[1].rejected, {
      status: 500,
      code: 'MW_LIBPROCESS_BAD_PATH',
      message: got[1].rejected.message,
    });
    assert.equal(r.status, 0);
  });
});

describe('mesos-wire decode: input handling', () => {
  it('reads standard input with "-" (and by default)', async () => {
    const input = readFileSync(join(ROOT, SESSION));
    const fromFile = (await runCli(['decode', SESSION, '--format', 'ndjson'])).stdout.toString();
    assert.equal((await runCli(['decode', '-', '--format', 'ndjson'], { input })).stdout.toString(), fromFile);
    assert.equal((await runCli(['decode', '--format', 'ndjson'], { input })).stdout.toString(), fromFile);
  });
  it('auto-detection: a pcap on stdin is read as a capture (here truncated); unknown bytes exit 1', async () => {
    const pcap = new Uint8Array([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0]);
    const r = await runCli(['decode', '-', '--format', 'ndjson'], { input: pcap });
    assert.equal(r.status, 1);
    assert.equal(r.stdout.toString(), '');
    assert.equal(
      r.stderr,
      'mesos-wire: MW_PCAP_TRUNCATED at file offset 0: file ends after 12 of the 24 bytes of the pcap global header\n',
    );
    const junk = await runCli(['decode', '-', '--format', 'ndjson'], { input: new Uint8Array([0xff, 1, 2]) });
    assert.equal(junk.status, 1);
    assert.equal(JSON.parse(junk.stdout.toString()).code, 'MW_CAPTURE_UNKNOWN_FORMAT');
  });
  it('an unreadable path (a directory) exits 3 with a one-line message, no stack trace', async () => {
    const r = await runCli(['decode', 'fixtures']);
    assert.equal(r.status, 3);
    assert.match(r.stderr, /^mesos-wire: cannot read fixtures: EISDIR/);
    assert.ok(!r.stderr.includes('    at '));
  });
  it('--max-record-bytes applies to RecordIO', async () => {
    const r = await runCli([
      'decode',
      'fixtures/raw/scheduler-events.recordio',
      '--max-record-bytes',
      '100',
      '--format',
      'ndjson',
    ]);
    assert.equal(r.status, 1);
    const events = r.stdout
      .toString()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(events.length, 1);
    assert.deepEqual([events[0].code, events[0].offset], ['MW_RECORDIO_RECORD_TOO_LARGE', 0]);
  });
  it('decodes a large stream in pieces with every message accounted for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-cli-'));
    const one = encodeMessage({
      name: 'mesos.internal.PingSlaveMessage',
      from: 'slave(1)@10.0.0.2:5051',
      to: 'master@10.0.0.1:5050',
      // connected: true, then an unknown field 15 of 94 bytes (kept and shown, not an error).
      body: new Uint8Array([0x08, 0x01, 0x7a, 94, ...new Uint8Array(94).fill(0x41)]),
    });
    const count = 1500; // ~400 KB: several 64 KiB read pieces, messages straddling them
    const big = new Uint8Array(one.length * count);
    for (let i = 0; i < count; i++) big.set(one, i * one.length);
    writeFileSync(join(dir, 'big.bin'), big);
    const r = await runCli(['decode', join(dir, 'big.bin'), '--format', 'ndjson']);
    assert.equal(r.status, 0);
    const lines = r.stdout.toString().trimEnd().split('\n');
    assert.equal(lines.length, count);
    assert.equal(JSON.parse(lines[count - 1]!).offset, (count - 1) * one.length);
  });
  it('streams: a message is printed before standard input ends', async () => {
    const child = spawnCli(['decode', '-', '--format', 'ndjson']);
    const message = encodeMessage({
      name: 'mesos.internal.PingSlaveMessage',
      from: 'a@1.2.3.4:5',
      to: 'b@1.2.3.4:6',
      body: new Uint8Array([8, 1]),
    });
    child.stdin.write(message);
    const firstLine = await new Promise<string>((resolve, reject) => {
      let buffered = '';
      child.stdout.on('data', (d: Buffer) => {
        buffered += d.toString();
        if (buffered.includes('\n')) resolve(buffered);
      });
      child.on('exit', () => reject(new Error(`exited before printing; stderr: ${child.stderr.read()}`)));
    });
    assert.equal(JSON.parse(firstLine.split('\n')[0]!).name, 'mesos.internal.PingSlaveMessage');
    child.stdin.end();
    const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(status, 0);
  });
});

describe('mesos-wire decode: colour', () => {
  it('FORCE_COLOR=1 colours, FORCE_COLOR=0 and NO_COLOR do not, non-TTY output is plain by default', async () => {
    const text = async (args: string[], env: Record<string, string | undefined>) =>
      (await runCli(args, { env })).stdout.toString();
    assert.ok((await text(['decode', SESSION], { FORCE_COLOR: '1' })).includes('\x1b['));
    assert.ok(!(await text(['decode', SESSION], { FORCE_COLOR: '0' })).includes('\x1b['));
    assert.ok(!(await text(['decode', SESSION], { FORCE_COLOR: undefined, NO_COLOR: '1' })).includes('\x1b['));
    assert.ok(!(await text(['decode', SESSION], { FORCE_COLOR: undefined })).includes('\x1b['));
    // ndjson is never coloured.
    assert.ok(!(await text(['decode', SESSION, '--format', 'ndjson'], { FORCE_COLOR: '3' })).includes('\x1b['));
  });
});

describe('the real bin (node bin/mesos-wire.js)', { concurrency: true }, () => {
  it('prints the same as the in-process run, exit 0', async () => {
    const [bin, inProcess] = await Promise.all([runBin(['decode', SESSION]), runCli(['decode', SESSION])]);
    assert.equal(bin.status, 0);
    assert.equal(bin.stderr, '');
    assert.equal(bin.stdout.toString(), inProcess.stdout.toString());
  });
  it('exit 1 for input errors, with the decodable items printed', async () => {
    const r = await runBin(['decode', 'fixtures/raw/libprocess-truncated.bin', '--format', 'ndjson']);
    assert.equal(r.status, 1);
    assert.deepEqual(
      r.stdout
        .toString()
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).type),
      ['message', 'response', 'error'],
    );
  });
  it('exit 3 for a missing file, with a one-line message', async () => {
    const missing = await runBin(['decode', 'fixtures/raw/no-such-file.bin']);
    assert.equal(missing.status, 3);
    assert.match(missing.stderr, /^mesos-wire: cannot read fixtures\/raw\/no-such-file.bin: ENOENT/);
    assert.ok(!missing.stderr.includes('    at '));
  });
});
