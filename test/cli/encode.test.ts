import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ascii, cat, hex, toHexString } from '../helpers/bytes.ts';
import { matchSnapshot, runBin, runCli } from './helpers.ts';

const ACK = 'mesos.internal.StatusUpdateAcknowledgementMessage';
const BODY_HEX =
  '0a0d0a0b32303234303130312d5330120f0a0d32303234303130312d303030301a100a0e7461736b2d30303030303030303122108f5b1e2a447c4d6e9a3b0c1122334455';
const BASE = ['encode', '--name', ACK, '--from', 'master@10.0.0.1:5050', '--to', 'slave(1)@10.0.0.2:5051'];

describe('mesos-wire encode', () => {
  it('Example A, --style mesos-1.12, to stdout: the 313 reference bytes', async () => {
    const r = await runCli([...BASE, '--body-hex', BODY_HEX, '--style', 'mesos-1.12']);
    assert.equal(r.status, 0);
    assert.equal(r.stdout.length, 313);
    const expected = cat(
      `POST /slave(1)/${ACK} HTTP/1.1\r\nUser-Agent: libprocess/master@10.0.0.1:5050\r\n`,
      'Libprocess-From: master@10.0.0.1:5050\r\nConnection: Keep-Alive\r\nHost: 10.0.0.2:5051\r\n',
      'Transfer-Encoding: chunked\r\n\r\n44\r\n',
      hex(BODY_HEX),
      '\r\n0\r\n\r\n',
    );
    assert.equal(toHexString(r.stdout), toHexString(expected));
  });
  it('default style (1.11) with --body-file and -o; decode reads it back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-enc-'));
    writeFileSync(join(dir, 'body.bin'), hex(BODY_HEX));
    const out = join(dir, 'msg.bin');
    const r = await runCli([...BASE, '--body-file', join(dir, 'body.bin'), '-o', out]);
    assert.equal(r.status, 0);
    assert.equal(r.stdout.length, 0);
    const bytes = readFileSync(out);
    assert.equal(bytes.length, 300);
    const decoded = await runCli(['decode', out, '--format', 'ndjson']);
    const event = JSON.parse(decoded.stdout.toString());
    assert.equal(event.name, ACK);
    assert.equal(event.from, 'master@10.0.0.1:5050');
    assert.equal(event.to, 'slave(1)');
    assert.equal(event.bodyHex, BODY_HEX);
    assert.equal(event.style, 'mesos-1.11');
  });
  it('empty body, 0.21 style: no Transfer-Encoding', async () => {
    const r = await runCli([
      'encode',
      '--name',
      'n',
      '--from',
      '@0.0.0.0:0',
      '--to',
      '@10.0.0.9:7000',
      '--style',
      'mesos-0.21',
    ]);
    assert.equal(r.status, 0);
    assert.equal(
      r.stdout.toString('latin1'),
      'POST /n HTTP/1.0\r\nUser-Agent: libprocess/@0.0.0.0:0\r\nConnection: Keep-Alive\r\n\r\n',
    );
  });
  it('content-length style', async () => {
    const r = await runCli([...BASE, '--body-hex', '08 01', '--style', 'content-length']);
    assert.equal(r.status, 0);
    assert.ok(
      r.stdout
        .toString('latin1')
        .endsWith(
          `Content-Length: 2\r\nConnection: Keep-Alive\r\nContent-Type: application/x-protobuf\r\nLibprocess-From: master@10.0.0.1:5050\r\nAccept-Encoding: gzip\r\n\r\n\x08\x01`,
        ),
    );
    assert.equal(toHexString(r.stdout.subarray(0, 4)), toHexString(ascii('POST')));
  });
});

describe('mesos-wire encode: usage and I/O errors', () => {
  const cases: [string, string[]][] = [
    ['encode-bad-upid', ['encode', '--name', 'n', '--from', 'master', '--to', 'a@1.2.3.4:5']],
    ['encode-bad-hex', ['encode', '--name', 'n', '--from', 'a@1.2.3.4:5', '--to', 'b@1.2.3.4:5', '--body-hex', 'abc']],
    ['encode-bad-name', ['encode', '--name', 'a b', '--from', 'a@1.2.3.4:5', '--to', 'b@1.2.3.4:5']],
    ['encode-bad-style', ['encode', '--name', 'n', '--from', 'a@1.2.3.4:5', '--to', 'b@1.2.3.4:5', '--style', 'x']],
    ['encode-missing-to', ['encode', '--name', 'n', '--from', 'a@1.2.3.4:5']],
    [
      'encode-two-bodies',
      ['encode', '--name', 'n', '--from', 'a@1.2.3.4:5', '--to', 'b@1.2.3.4:5', '--body-hex', '00', '--body-file', 'x'],
    ],
    [
      'encode-missing-body-file',
      ['encode', '--name', 'n', '--from', 'a@1.2.3.4:5', '--to', 'b@1.2.3.4:5', '--body-file', 'fixtures/raw/nope.bin'],
    ],
  ];
  for (const [name, args] of cases) {
    it(name, async () => {
      const r = await runCli(args);
      matchSnapshot(name, args, r);
      assert.ok(!r.stderr.includes('    at '), 'no stack trace');
      assert.equal(r.status, name === 'encode-missing-body-file' ? 3 : 2);
    });
  }
});

describe('mesos-wire encode through the real bin', () => {
  it('writes the binary message to stdout unchanged', async () => {
    const r = await runBin([...BASE, '--body-hex', BODY_HEX, '--style', 'mesos-1.12']);
    assert.equal(r.status, 0);
    assert.equal(r.stdout.length, 313);
  });
});

describe('mesos-wire encode --json (Mesos JSON -> protobuf -> framed message)', () => {
  const ACK_JSON =
    '{"slave_id":{"value":"20240101-S0"},"framework_id":{"value":"20240101-0000"},' +
    '"task_id":{"value":"task-000000001"},"uuid":"j1seKkR8TW6aOwwRIjNEVQ=="}';
  const EXAMPLE_A = cat(
    `POST /slave(1)/${ACK} HTTP/1.1\r\nUser-Agent: libprocess/master@10.0.0.1:5050\r\n`,
    'Libprocess-From: master@10.0.0.1:5050\r\nConnection: Keep-Alive\r\nHost: 10.0.0.2:5051\r\n',
    'Transfer-Encoding: chunked\r\n\r\n44\r\n',
    hex(BODY_HEX),
    '\r\n0\r\n\r\n',
  );
  it('Example A from its Mesos JSON (file and stdin): the 313 reference bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-enc-json-'));
    writeFileSync(join(dir, 'ack.json'), ACK_JSON);
    const fromFile = await runCli([...BASE, '--style', 'mesos-1.12', '--json', join(dir, 'ack.json')]);
    assert.equal(fromFile.status, 0, fromFile.stderr);
    assert.equal(toHexString(fromFile.stdout), toHexString(EXAMPLE_A));
    const fromStdin = await runCli([...BASE, '--style', 'mesos-1.12', '--json', '-'], { input: ascii(ACK_JSON) });
    assert.equal(toHexString(fromStdin.stdout), toHexString(EXAMPLE_A));
  });
  it('round trip: decode prints the same Mesos JSON back', async () => {
    const encoded = await runCli([...BASE, '--json', '-'], { input: ascii(ACK_JSON) });
    const decoded = await runCli(['decode', '-', '--format', 'ndjson'], { input: encoded.stdout });
    const line = decoded.stdout.toString();
    assert.ok(line.includes(`"body":${ACK_JSON},"typeName":"${ACK}"`), line);
  });
  it('a Mesos leniency: a single value for a repeated field', async () => {
    const r = await runCli(
      [
        'encode',
        '--name',
        'mesos.internal.ResourceOffersMessage',
        '--from',
        'master@10.0.0.1:5050',
        '--to',
        'scheduler-1@10.0.0.5:4000',
        '--json',
        '-',
      ],
      { input: ascii('{"pids":"slave(1)@10.0.0.2:5051"}') },
    );
    assert.equal(r.status, 0, r.stderr);
    // One chunk of 0x18 bytes: field 2 (pids, tag 0x12), 22 bytes of text.
    const tail = `0d0a31380d0a1216${toHexString(ascii('slave(1)@10.0.0.2:5051'))}0d0a300d0a0d0a`;
    assert.ok(toHexString(r.stdout).endsWith(tail));
  });
  it('bad JSON: exit 1 with the code and the offset of the offending value; nothing written', async () => {
    const wrongType = await runCli([...BASE, '--json', '-'], { input: ascii('{"slave_id":{"value":1}}') });
    assert.equal(wrongType.status, 1);
    assert.equal(wrongType.stdout.length, 0);
    assert.equal(
      wrongType.stderr,
      "mesos-wire: standard input: MW_JSON_TYPE at offset 21: Not expecting a JSON number for field 'slave_id.value'\n",
    );
    const syntax = await runCli([...BASE, '--json', '-'], { input: ascii('{"slave_id":') });
    assert.equal(syntax.status, 1);
    assert.match(syntax.stderr, /^mesos-wire: standard input: MW_JSON_PARSE at offset 12: /);
    const missing = await runCli([...BASE, '--json', '-'], { input: ascii('{}') });
    assert.equal(missing.status, 1);
    assert.match(
      missing.stderr,
      /MW_PROTO_MISSING_REQUIRED: Missing required fields: slave_id, framework_id, task_id, uuid/,
    );
  });
  it('usage errors (exit 2): a name without a type, --json with --body-hex; a missing file exits 3', async () => {
    const raw = await runCli(
      ['encode', '--name', 'PONG', '--from', 'a@1.2.3.4:5', '--to', 'b@1.2.3.4:6', '--json', '-'],
      {
        input: ascii('{}'),
      },
    );
    assert.equal(raw.status, 2);
    assert.match(raw.stderr, /carries no protobuf body/);
    const both = await runCli([...BASE, '--json', '-', '--body-hex', '00']);
    assert.equal(both.status, 2);
    const missing = await runCli([...BASE, '--json', 'no-such.json']);
    assert.equal(missing.status, 3);
    assert.match(missing.stderr, /^mesos-wire: cannot read no-such.json: ENOENT/);
  });
});
