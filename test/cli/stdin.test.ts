import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { sniffCaptureStream } from '../../src/cli/capture-input.ts';
import { everySplit, toHexString } from '../helpers/bytes.ts';
import { type CliRun, runBin, runCli } from './helpers.ts';

const PCAP = 'fixtures/pcap/sessions/libprocess-session.pcap';
const PCAPNG = 'fixtures/pcap/real/lo-dumpcap.pcapng';
const RAW = 'fixtures/raw/libprocess-session.bin';

/** Runs a command line in-process with standard input delivered as exactly these pieces. */
function runWithStdin(args: string[], pieces: Uint8Array[], failAfter?: Error): Promise<CliRun> {
  async function* stdin(): AsyncGenerator<Uint8Array> {
    for (const piece of pieces) yield piece;
    if (failAfter !== undefined) throw failAfter;
  }
  return runCli(args, { stdin: Readable.from(stdin()) });
}

/** The input cut into pieces at the given offsets (pieces may be empty). */
function cut(bytes: Uint8Array, ...at: number[]): Uint8Array[] {
  const bounds = [0, ...at, bytes.length];
  return bounds.slice(1).map((end, i) => bytes.subarray(bounds[i], end));
}

async function same(args: string[], file: string, pieces: Uint8Array[]): Promise<void> {
  const fromFile = await runCli([...args, file]);
  const fromStdin = await runWithStdin([...args, '-'], pieces);
  assert.equal(fromStdin.status, fromFile.status);
  assert.equal(fromStdin.stderr, fromFile.stderr);
  assert.equal(fromStdin.stdout.toString('utf8'), fromFile.stdout.toString('utf8'));
}

describe('standard input is detected by content, like a file', () => {
  it('decode -: a pcap capture, its first 8 bytes fed at every split (the magic in 1 to 4 pieces)', async () => {
    const bytes = new Uint8Array(readFileSync(PCAP));
    const expected = await runCli(['decode', '--format', 'ndjson', PCAP]);
    assert.equal(expected.status, 0);
    const lines = expected.stdout.toString('utf8').trimEnd().split('\n');
    assert.ok(lines.length > 20);
    // Messages and responses carry capture fields (flow, frame, time): the capture path ran, not the raw one.
    for (const item of lines
      .map((line) => JSON.parse(line))
      .filter((i) => i.type === 'message' || i.type === 'response')) {
      assert.deepEqual([typeof item.flow, typeof item.time, typeof item.frame], ['string', 'string', 'number']);
    }
    for (const { label, pieces } of everySplit(bytes.subarray(0, 8))) {
      const r = await runWithStdin(['decode', '--format', 'ndjson', '-'], [...pieces, bytes.subarray(8)]);
      assert.equal(r.status, 0, label);
      assert.equal(r.stderr, '', label);
      assert.equal(r.stdout.toString('utf8'), expected.stdout.toString('utf8'), label);
    }
  });

  it('decode -: pcapng and a raw libprocess stream give what the files give', async () => {
    for (const file of [PCAPNG, RAW]) {
      const bytes = new Uint8Array(readFileSync(file));
      await same(['decode', '--format', 'ndjson'], file, [bytes]);
      await same(['decode', '--format', 'ndjson'], file, cut(bytes, 1, 3, 5));
      await same(['decode'], file, cut(bytes, 2));
    }
  });

  it('stats - and flows - read a capture from stdin', async () => {
    const bytes = new Uint8Array(readFileSync(PCAP));
    await same(['stats', '--format', 'json'], PCAP, cut(bytes, 3));
    await same(['flows', '--format', 'json'], PCAP, cut(bytes, 1, 2));
    const raw = await runWithStdin(['flows', '-'], [new Uint8Array(readFileSync(RAW))]);
    assert.equal(raw.status, 1);
    assert.equal(
      raw.stderr,
      'mesos-wire: standard input is not a pcap or pcapng capture (MW_CAPTURE_UNKNOWN_FORMAT)\n',
    );
  });

  it('inputs shorter than a magic are raw streams: empty decodes to nothing, 3 bytes are an error item', async () => {
    const empty = await runWithStdin(['decode', '--format', 'ndjson', '-'], []);
    assert.deepEqual([empty.status, empty.stdout.toString(), empty.stderr], [0, '', '']);
    const short = await runWithStdin(['decode', '--format', 'ndjson', '-'], cut(new Uint8Array([0xd4, 0xc3, 0xb2]), 1));
    assert.equal(short.status, 1);
    const item = JSON.parse(short.stdout.toString());
    assert.deepEqual([item.type, item.code, item.offset], ['error', 'MW_CAPTURE_UNKNOWN_FORMAT', 0]);
  });

  it('a read error while looking at the first bytes is reported like any read error (exit 3)', async () => {
    const failure = Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    const r = await runWithStdin(['decode', '--format', 'ndjson', '-'], [new Uint8Array([0xd4, 0xc3])], failure);
    assert.equal(r.status, 3);
    assert.equal(r.stderr, 'mesos-wire: cannot read standard input: EIO: i/o error, read\n');
  });

  it('sniffCaptureStream: format by the first 4 bytes, every chunk replayed in order', async () => {
    const bytes = new Uint8Array(readFileSync(PCAPNG)).subarray(0, 64);
    for (const { label, pieces } of everySplit(bytes.subarray(0, 6))) {
      const { format, stream } = await sniffCaptureStream(Readable.from([...pieces, bytes.subarray(6)]));
      assert.equal(format, 'pcapng', label);
      const replayed: Uint8Array[] = [];
      for await (const chunk of stream) replayed.push(chunk as Uint8Array);
      const all = Buffer.concat(replayed);
      // Literal bytes: Section Header Block type, block length 164, byte-order magic; then the rest unchanged.
      assert.equal(toHexString(all.subarray(0, 12)), '0a0d0d0aa40000004d3c2b1a', label);
      assert.equal(toHexString(all), toHexString(bytes), label);
    }
    const pcap = await sniffCaptureStream(Readable.from([Buffer.from('d4c3b2a1', 'hex')]));
    assert.equal(pcap.format, 'pcap');
    const raw = await sniffCaptureStream(Readable.from([Buffer.from('POST /', 'latin1')]));
    assert.equal(raw.format, 'raw');
  });

  it('through the bin: `decode -` on a piped pcap prints what `decode FILE` prints', async () => {
    const bytes = new Uint8Array(readFileSync(PCAP));
    const fromFile = await runBin(['decode', '--format', 'ndjson', PCAP]);
    const piped = await runBin(['decode', '--format', 'ndjson', '-'], { input: bytes });
    assert.equal(piped.status, 0);
    assert.equal(piped.stderr, '');
    assert.equal(piped.stdout.toString('utf8'), fromFile.stdout.toString('utf8'));
    const first = JSON.parse(piped.stdout.toString('utf8').split('\n')[0]!);
    assert.deepEqual([first.type, first.flow, first.frame], ['message', '10.0.0.2:41000>10.0.0.1:5050', 4]);
  });
});
