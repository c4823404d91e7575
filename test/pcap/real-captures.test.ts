import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { latin1String } from '../../src/bytes/ascii.ts';
import { isMesosWireError } from '../../src/errors.ts';
import {
  AutoCaptureReader,
  type CapturedPacket,
  readCaptureFile,
  type TcpEvent,
  TcpReassembler,
} from '../../src/pcap/index.ts';
import { cat } from '../helpers/bytes.ts';
import { EXAMPLE_A, EXAMPLE_B, EXAMPLE_C } from '../helpers/pcap-fixtures.ts';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'pcap', 'real');

/**
 * tshark 4.0.17's reading of each real capture, recorded by scripts/make-pcap-fixtures.sh:
 * frame count, frame.time_epoch of the first and last frame, sums of frame.len and frame.cap_len.
 */
const TSHARK: Record<string, { frames: number; first: string; last: string; len: number; capLen: number }> = {
  'any-sll.pcap': { frames: 37, first: '1795814555.676549000', last: '1795814555.886577000', len: 4765, capLen: 4765 },
  'any-sll2.pcap': { frames: 37, first: '1795814552.417113000', last: '1795814552.582345000', len: 4913, capLen: 4913 },
  'lo-dumpcap.pcapng': {
    frames: 37,
    first: '1795814549.338430528',
    last: '1795814549.513501710',
    len: 4691,
    capLen: 4691,
  },
  'lo-ipv4-nanos.pcap': {
    frames: 37,
    first: '1795814546.353449480',
    last: '1795814546.526792688',
    len: 4691,
    capLen: 4691,
  },
  'lo-ipv4-tshark.pcapng': {
    frames: 37,
    first: '1795814540.207249000',
    last: '1795814540.381100000',
    len: 4691,
    capLen: 4691,
  },
  'lo-ipv4.pcap': { frames: 37, first: '1795814540.207249000', last: '1795814540.381100000', len: 4691, capLen: 4691 },
  'lo-ipv6.pcap': { frames: 37, first: '1795814543.167742000', last: '1795814543.336814000', len: 5427, capLen: 5427 },
  'lo-snaplen-128.pcap': {
    frames: 37,
    first: '1795814559.366796000',
    last: '1795814559.548209000',
    len: 4691,
    capLen: 3281,
  },
};

/** tshark -r lo-dumpcap.pcapng -T fields -e frame.time_epoch (dumpcap writes if_tsresol 9). */
const DUMPCAP_TIMES = `
  1795814549.338430528 1795814549.338450316 1795814549.338464903 1795814549.342244870 1795814549.342253837
  1795814549.343024432 1795814549.343030083 1795814549.354318927 1795814549.354575912 1795814549.365135480
  1795814549.365387165 1795814549.376221721 1795814549.376445324 1795814549.420017402 1795814549.420042389
  1795814549.420055925 1795814549.424472875 1795814549.424847572 1795814549.424860957 1795814549.425804208
  1795814549.425819397 1795814549.425826691 1795814549.426228309 1795814549.426232627 1795814549.426467630
  1795814549.426471558 1795814549.447407988 1795814549.447427264 1795814549.468446651 1795814549.468465457
  1795814549.492308264 1795814549.492327280 1795814549.512936913 1795814549.512997988 1795814549.513055477
  1795814549.513488875 1795814549.513501710`
  .trim()
  .split(/\s+/);

/** tshark's epoch text (always 9 digits) from our timestamp. */
function epochText(p: CapturedPacket): string {
  return `${p.timestamp.seconds}.${String(p.timestamp.nanos).padStart(9, '0')}`;
}

function readAll(name: string): CapturedPacket[] {
  const packets: CapturedPacket[] = [];
  const reader = new AutoCaptureReader();
  reader.write(new Uint8Array(readFileSync(join(DIR, name))), (p) => packets.push(p));
  reader.end();
  return packets;
}

const DATE = 'Date: Fri, 27 Nov 2026 21:00:00 GMT';
const ACCEPTED = `HTTP/1.1 202 Accepted\r\n${DATE}\r\nContent-Length: 0\r\n\r\n`;
const LIBPROCESS_STREAM = latin1String(cat(EXAMPLE_A, EXAMPLE_B, EXAMPLE_C, EXAMPLE_B, EXAMPLE_C));
const RECORDS = [
  '{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"20261127-0000"},"heartbeat_interval_seconds":15}}',
  '{"type":"HEARTBEAT"}',
  '{"type":"HEARTBEAT"}',
];
const SUBSCRIBE_BODY = '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"pcap-fixture"}}}';
const subscribeRequest = (host: string) =>
  `POST /api/v1/scheduler HTTP/1.1\r\nHost: ${host}:15051\r\nContent-Type: application/json\r\n` +
  `Accept: application/json\r\nConnection: close\r\nContent-Length: ${SUBSCRIBE_BODY.length}\r\n\r\n${SUBSCRIBE_BODY}`;
const SUBSCRIBE_RESPONSE =
  `HTTP/1.1 200 OK\r\n${DATE}\r\nContent-Type: application/json\r\n` +
  'Mesos-Stream-Id: 5f1c0f9e-2f53-4c1e-9d7a-000000000001\r\nTransfer-Encoding: chunked\r\n\r\n' +
  RECORDS.map((r) => {
    const framed = `${r.length}\n${r}`;
    return `${framed.length.toString(16)}\r\n${framed}\r\n`;
  }).join('') +
  '0\r\n\r\n';

interface StreamCheck {
  /** Data pieces by stream offset; must tile the stream together with the gaps. */
  pieces: { offset: number; text: string }[];
  gaps: { offset: number; length: number; reason: string }[];
}

function reassembleFile(name: string) {
  const streams = new Map<string, StreamCheck>();
  const others: TcpEvent[] = [];
  const reassembler = new TcpReassembler((e) => {
    if (e.kind === 'data' || e.kind === 'gap') {
      const key = `${e.connection}:${e.direction}`;
      const s = streams.get(key) ?? { pieces: [], gaps: [] };
      streams.set(key, s);
      if (e.kind === 'data') s.pieces.push({ offset: e.streamOffset, text: latin1String(e.bytes) });
      else s.gaps.push({ offset: e.streamOffset, length: e.length, reason: e.reason });
    } else others.push(e);
  });
  for (const p of readAll(name)) reassembler.push(p);
  reassembler.end();
  return { streams, others };
}

/** Every delivered piece equals the expected stream at its offset, and pieces + gaps tile the whole stream. */
function assertStream(check: StreamCheck | undefined, expected: string, label: string): void {
  assert.ok(check, label);
  const spans = [
    ...check.pieces.map((p) => [p.offset, p.text.length] as const),
    ...check.gaps.map((g) => [g.offset, g.length] as const),
  ].sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [offset, length] of spans) {
    assert.equal(offset, at, `${label}: spans tile the stream`);
    at += length;
  }
  assert.equal(at, expected.length, `${label}: stream length`);
  for (const p of check.pieces) assert.equal(p.text, expected.slice(p.offset, p.offset + p.text.length), label);
}

describe('real captures (tcpdump, dumpcap, tshark on lo)', () => {
  for (const [name, t] of Object.entries(TSHARK)) {
    it(`${name}: same frames, times and lengths as tshark; streams reassembled`, () => {
      const packets = readAll(name);
      assert.equal(packets.length, t.frames);
      assert.deepEqual(
        packets.map((p) => p.index),
        Array.from({ length: t.frames }, (_, i) => i + 1),
      );
      assert.equal(epochText(packets[0]!), t.first);
      assert.equal(epochText(packets.at(-1)!), t.last);
      assert.equal(
        packets.reduce((n, p) => n + p.originalLength, 0),
        t.len,
      );
      assert.equal(
        packets.reduce((n, p) => n + p.capturedLength, 0),
        t.capLen,
      );

      const { streams, others } = reassembleFile(name);
      const host = name.includes('ipv6') ? '[::1]' : '127.0.0.1';
      assertStream(streams.get('1:client-to-server'), LIBPROCESS_STREAM, 'libprocess messages');
      assertStream(streams.get('1:server-to-client'), ACCEPTED.repeat(5), '202 replies');
      assertStream(streams.get('2:client-to-server'), subscribeRequest(host), 'SUBSCRIBE');
      assertStream(streams.get('2:server-to-client'), SUBSCRIBE_RESPONSE, 'RecordIO stream');
      const closes = others.filter((e) => e.kind === 'close').map((e) => e.kind === 'close' && e.reason);
      assert.deepEqual(closes, ['fin', 'fin']);
      const diagnostics = others.filter((e) => e.kind === 'diagnostic');
      if (name.includes('snaplen')) {
        assert.ok(diagnostics.length > 0);
        for (const d of diagnostics) {
          assert.equal(d.kind === 'diagnostic' && d.diagnostic.kind, 'tcp-gap');
          assert.equal(d.kind === 'diagnostic' && d.diagnostic.kind === 'tcp-gap' && d.diagnostic.reason, 'snaplen');
        }
      } else {
        assert.deepEqual(diagnostics, []);
      }
    });
  }

  it('lo-dumpcap.pcapng: every nanosecond timestamp equals tshark', () => {
    const packets = readAll('lo-dumpcap.pcapng');
    assert.deepEqual(packets.map(epochText), DUMPCAP_TIMES);
    assert.equal(packets[0]!.timestamp.toISOString(), '2026-11-27T21:22:29.338430528Z');
  });

  it('link types as captured: lo is Ethernet, -i any is SLL2 (or SLL with -y LINUX_SLL)', () => {
    assert.equal(readAll('lo-ipv4.pcap')[0]!.linkType, 1);
    assert.equal(readAll('any-sll2.pcap')[0]!.linkType, 276);
    assert.equal(readAll('any-sll.pcap')[0]!.linkType, 113);
    assert.equal(readAll('lo-ipv4.pcap')[0]!.timestamp.toISOString(), '2026-11-27T21:22:20.207249Z');
  });

  it('readCaptureFile on a truncated file: every complete packet, then MW_PCAP_TRUNCATED', async () => {
    const bytes = readFileSync(join(DIR, 'lo-ipv4.pcap'));
    const dir = mkdtempSync(join(tmpdir(), 'mesos-wire-pcap-'));
    const path = join(dir, 'cut.pcap');
    writeFileSync(path, bytes.subarray(0, bytes.length - 10));
    try {
      let seen = 0;
      await assert.rejects(
        readCaptureFile(path, () => seen++, { chunkBytes: 1000 }),
        (e: unknown) => isMesosWireError(e) && e.code === 'MW_PCAP_TRUNCATED' && e.offset === 5307 - 66 - 16,
      );
      assert.equal(seen, 36);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('readCaptureFile streams a file in small chunks with the same result', async () => {
    const whole = readAll('lo-dumpcap.pcapng').map(epochText);
    const seen: string[] = [];
    const result = await readCaptureFile(join(DIR, 'lo-dumpcap.pcapng'), (p) => seen.push(epochText(p)), {
      chunkBytes: 7,
    });
    assert.deepEqual(seen, whole);
    assert.deepEqual(result, { format: 'pcapng', packets: 37, bytes: 6332 });
  });
});
