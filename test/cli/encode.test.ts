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
