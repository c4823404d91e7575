import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KeptHead } from '../../src/http/message.ts';
import { AutoCaptureReader } from '../../src/pcap/index.ts';
import {
  type CaptureDecodeEvent,
  CaptureDecoder,
  type CaptureDecoderOptions,
  decodeCaptureFile,
} from '../../src/pipeline/decode-capture.ts';
import { ascii } from '../helpers/bytes.ts';
import { ACCEPTED, AGENT, CLIENT, EXAMPLE_B, EXAMPLE_C, FIXTURE_EPOCH } from '../helpers/pcap-fixtures.ts';
import { ethernetFrame, pcapFile, recordsAt, TcpConversation } from '../helpers/pcap-writer.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'pcap');

/** One line per event: messages with frames and offsets, diagnostics by kind and key fields. */
function describeEvent(e: CaptureDecodeEvent): string | undefined {
  switch (e.kind) {
    case 'http-message': {
      const m = e.message;
      const what = m.kind === 'request' ? `${m.method} ${m.target}` : `${m.status}`;
      return `#${e.connection} ${e.direction} frames ${e.packet.index}-${e.endPacket.index} ${what} [${m.offset},${m.end}) body ${m.body.length}`;
    }
    case 'diagnostic': {
      const d = e.diagnostic;
      const fields = Object.entries(d)
        .filter(([k]) => !['kind', 'flow', 'message'].includes(k))
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      return `${d.kind} ${fields}`;
    }
    case 'open':
      return `open #${e.connection}${e.midstream ? ' midstream' : ''}`;
    case 'close':
      return `close #${e.connection} ${e.reason}`;
    default:
      return undefined;
  }
}

function decodeBytes(bytes: Uint8Array, options?: CaptureDecoderOptions): string[] {
  const lines: string[] = [];
  const decoder = new CaptureDecoder((e) => {
    const line = describeEvent(e);
    if (line !== undefined) lines.push(line);
  }, options);
  const reader = new AutoCaptureReader();
  reader.write(bytes, (p) => decoder.push(p));
  reader.end();
  decoder.end();
  return lines;
}

const read = (path: string) => new Uint8Array(readFileSync(join(FIXTURES, path)));

describe('decodeCaptureFile / CaptureDecoder', () => {
  it('real capture: every libprocess message, 202 and the SUBSCRIBE exchange, with frames', async () => {
    const lines: string[] = [];
    const result = await decodeCaptureFile(join(FIXTURES, 'real', 'lo-ipv4.pcap'), (e) => {
      const line = describeEvent(e);
      if (line !== undefined) lines.push(line);
    });
    assert.equal(result.packets, 37);
    assert.deepEqual(lines, [
      'open #1',
      '#1 client-to-server frames 4-4 POST /slave(1)/mesos.internal.StatusUpdateAcknowledgementMessage [0,313) body 68',
      '#1 server-to-client frames 6-6 202 [0,81) body 0',
      '#1 client-to-server frames 8-8 POST /slave(1)/mesos.internal.PingSlaveMessage [313,563) body 2',
      '#1 server-to-client frames 9-9 202 [81,162) body 0',
      '#1 client-to-server frames 10-10 POST /slave-observer(1)/mesos.internal.PongSlaveMessage [563,764) body 0',
      '#1 server-to-client frames 11-11 202 [162,243) body 0',
      '#1 client-to-server frames 12-12 POST /slave(1)/mesos.internal.PingSlaveMessage [764,1014) body 2',
      '#1 client-to-server frames 12-12 POST /slave-observer(1)/mesos.internal.PongSlaveMessage [1014,1215) body 0',
      '#1 server-to-client frames 13-13 202 [243,324) body 0',
      '#1 server-to-client frames 15-15 202 [324,405) body 0',
      'close #1 fin',
      'open #2',
      '#2 client-to-server frames 23-23 POST /api/v1/scheduler [0,244) body 89',
      '#2 server-to-client frames 25-33 200 [0,353) body 159',
      'close #2 fin',
    ]);
  });

  it("heads repeated across connections are reused from the decoders' shared cache: the same events as parsed afresh", () => {
    // Four connections send the same messages, their segments interleaved; one cuts every head in two.
    const conversations = [0, 1, 2, 3].map((i) => new TcpConversation({ ...CLIENT, port: 40000 + i }, AGENT, 1000 * i));
    const frames: Uint8Array[][] = conversations.map((c) => c.handshake());
    conversations.forEach((c, i) => {
      for (let round = 0; round < 3; round++) {
        for (const message of [EXAMPLE_B, EXAMPLE_C]) {
          const pieces = i === 3 ? [message.subarray(0, 60), message.subarray(60)] : [message];
          frames[i]!.push(...c.send('client', ...pieces), ...c.send('server', ACCEPTED));
        }
      }
      frames[i]!.push(...c.close());
    });
    const interleaved: Uint8Array[] = [];
    for (let k = 0; frames.some((f) => k < f.length); k++)
      for (const f of frames) if (k < f.length) interleaved.push(f[k]!);
    const bytes = pcapFile({
      linkType: 1,
      records: recordsAt(
        FIXTURE_EPOCH,
        interleaved.map((ip) => ethernetFrame(0x0800, ip)),
      ),
    });
    const fresh = decodeBytes(bytes, { http: { headCache: false } });
    assert.equal(fresh.filter((line) => line.includes(' POST ')).length, 24);
    let reused = 0;
    const same = KeptHead.prototype.sameBytes;
    KeptHead.prototype.sameBytes = function (...args: Parameters<typeof same>) {
      const found = same.apply(this, args);
      if (found) reused++;
      return found;
    };
    try {
      assert.deepEqual(decodeBytes(bytes), fresh);
    } finally {
      KeptHead.prototype.sameBytes = same;
    }
    // Each head (B, C, the 202) is parsed twice, then found on every connection but in the cut heads of #4.
    assert.ok(reused >= 30, `${reused} reused`);
  });

  it('a gap: the cut message is reported, decoding resyncs at the next request', () => {
    assert.deepEqual(decodeBytes(read('generated/gap.pcap')), [
      'open #1',
      '#1 server-to-client frames 7-7 202 [0,81) body 0',
      '#1 server-to-client frames 8-8 202 [81,162) body 0',
      'http-incomplete-message connection=1 direction=client-to-server streamOffset=100 cause=gap frame=4',
      'tcp-gap connection=1 direction=client-to-server seq=1101 streamOffset=100 bytes=100 reason=missing frame=5',
      'http-resync connection=1 direction=client-to-server streamOffset=201 reason=gap code=MW_HTTP_BAD_METHOD frame=5',
      '#1 client-to-server frames 6-6 POST /slave-observer(1)/mesos.internal.PongSlaveMessage [250,451) body 0',
      'close #1 fin',
    ]);
  });

  it('a capture that starts mid-connection resyncs to the next message start', () => {
    assert.deepEqual(decodeBytes(read('generated/midstream.pcap')), [
      'open #1 midstream',
      'tcp-midstream-start connection=1 direction=client-to-server seq=1101 streamOffset=0 frame=1',
      'http-resync connection=1 direction=client-to-server streamOffset=6 reason=midstream code=MW_HTTP_BAD_METHOD frame=1',
      '#1 client-to-server frames 3-3 POST /slave-observer(1)/mesos.internal.PongSlaveMessage [150,351) body 0',
      'tcp-midstream-start connection=1 direction=server-to-client seq=5001 streamOffset=0 frame=4',
      '#1 server-to-client frames 4-4 202 [0,81) body 0',
      '#1 server-to-client frames 5-5 202 [81,162) body 0',
      'close #1 fin',
    ]);
  });

  it('junk between messages is a framing error; the next message still decodes', () => {
    const c = new TcpConversation(CLIENT, AGENT);
    const frames = [
      ...c.handshake(),
      ...c.send('client', EXAMPLE_C, ascii('\x00\x01junk\r\n'), EXAMPLE_B),
      ...c.close(),
    ];
    const bytes = pcapFile({
      linkType: 1,
      records: recordsAt(
        FIXTURE_EPOCH,
        frames.map((f) => ethernetFrame(0x0800, f)),
      ),
    });
    assert.deepEqual(decodeBytes(bytes), [
      'open #1',
      '#1 client-to-server frames 4-4 POST /slave-observer(1)/mesos.internal.PongSlaveMessage [0,201) body 0',
      'http-framing-error connection=1 direction=client-to-server streamOffset=201 code=MW_HTTP_BAD_METHOD frame=5',
      '#1 client-to-server frames 6-6 POST /slave(1)/mesos.internal.PingSlaveMessage [209,459) body 2',
      'close #1 fin',
    ]);
  });

  it('a body that runs until close: complete at FIN, flagged when the capture ends first', () => {
    const capture = (withFin: boolean) => {
      const c = new TcpConversation(CLIENT, AGENT);
      const frames = [
        ...c.handshake(),
        ...c.send('client', ascii('GET /state HTTP/1.0\r\n\r\n')),
        ...c.send('server', ascii('HTTP/1.0 200 OK\r\n\r\n{"a":'), ascii('1}')),
      ];
      if (withFin) frames.push(...c.close());
      return pcapFile({
        linkType: 1,
        records: recordsAt(
          FIXTURE_EPOCH,
          frames.map((f) => ethernetFrame(0x0800, f)),
        ),
      });
    };
    assert.deepEqual(decodeBytes(capture(true)), [
      'open #1',
      '#1 client-to-server frames 4-4 GET /state [0,23) body 0',
      '#1 server-to-client frames 5-6 200 [0,26) body 7',
      'close #1 fin',
    ]);
    assert.deepEqual(decodeBytes(capture(false)), [
      'open #1',
      '#1 client-to-server frames 4-4 GET /state [0,23) body 0',
      '#1 server-to-client frames 5-6 200 [0,26) body 7',
      'http-incomplete-message connection=1 direction=server-to-client streamOffset=26 cause=close frame=6',
      'close #1 end-of-capture',
    ]);
  });

  it('a connection that ends inside a message reports it incomplete', () => {
    const c = new TcpConversation(CLIENT, AGENT);
    const frames = [...c.handshake(), ...c.send('client', EXAMPLE_B.subarray(0, 120)), ...c.send('server', ACCEPTED)];
    frames.push(c.rst('client'));
    const bytes = pcapFile({
      linkType: 1,
      records: recordsAt(
        FIXTURE_EPOCH,
        frames.map((f) => ethernetFrame(0x0800, f)),
      ),
    });
    assert.deepEqual(decodeBytes(bytes), [
      'open #1',
      '#1 server-to-client frames 5-5 202 [0,81) body 0',
      'http-incomplete-message connection=1 direction=client-to-server streamOffset=120 cause=close frame=4',
      'close #1 rst',
    ]);
  });
});
