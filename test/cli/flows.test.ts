import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type FlowSummary, FlowTable } from '../../src/analysis/flows.ts';
import { timeText } from '../../src/cli/capture-output.ts';
import { flowsText, flowsTextLines } from '../../src/cli/commands/flows.ts';
import { CaptureTimestamp } from '../../src/pcap/timestamp.ts';
import { decodeCaptureSessions } from '../../src/pipeline/decode-sessions.ts';
import type { DecodedEvent } from '../../src/pipeline/events.ts';
import { runCli, writeManyConnectionsCapture } from './helpers.ts';

describe('mesos-wire flows', () => {
  it('text: one row per connection with times, bytes, items, end and anomalies', async () => {
    const run = await runCli(['flows', 'fixtures/pcap/sessions/scheduler-api.pcap']);
    assert.equal(run.status, 0);
    assert.equal(run.stderr, '');
    assert.equal(
      run.stdout.toString(),
      [
        '#  CLIENT > SERVER                 FIRST                            LAST                             CLIENT->SERVER  SERVER->CLIENT      END  ANOMALIES',
        '1  10.0.0.3:47000 > 10.0.0.1:5050  2026-11-27T21:00:00.000000Z #1   2026-11-27T21:00:50.040001Z #51  228 B 1 req     705 B 1 resp 6 rec  fin  heartbeat-missed',
        '2  10.0.0.3:47001 > 10.0.0.1:5050  2026-11-27T21:00:00.290000Z #9   2026-11-27T21:00:01.400001Z #18  718 B 2 req     162 B 2 resp        fin  -',
        '3  10.0.0.6:47002 > 10.0.0.1:5050  2026-11-27T21:00:02.000000Z #20  2026-11-27T21:00:02.020001Z #26  243 B 1 req     151 B 1 resp        fin  scheduler-not-subscribed',
        '4  10.0.0.7:47003 > 10.0.0.1:5050  2026-11-27T21:00:03.000000Z #28  2026-11-27T21:00:03.030001Z #37  175 B 1 req     224 B 1 resp 2 rec  fin  -',
        '5  10.0.0.8:47004 > 10.0.0.1:5050  2026-11-27T21:00:04.000000Z #39  2026-11-27T21:00:04.020001Z #45  44 B 1 req      128 B 1 resp        fin  -',
        '',
        '5 connections',
        '',
      ].join('\n'),
    );
  });

  it('json: the flow summaries, gaps and anomalies by kind', async () => {
    const run = await runCli(['flows', 'fixtures/pcap/generated/gap.pcap', '--format', 'json']);
    assert.equal(run.status, 0);
    const { flows, other } = JSON.parse(run.stdout.toString());
    assert.deepEqual(other, {});
    assert.deepEqual(flows, [
      {
        connection: 1,
        flow: '10.0.0.1:40000>10.0.0.2:5051',
        client: '10.0.0.1:40000',
        server: '10.0.0.2:5051',
        midstream: false,
        encrypted: false,
        firstFrame: 1,
        firstTime: '2026-11-27T21:00:00.000000Z',
        lastFrame: 8,
        lastTime: '2026-11-27T21:00:00.007000Z',
        closeReason: 'fin',
        clientToServer: {
          bytes: 351,
          messages: 1,
          requests: 0,
          responses: 0,
          records: 0,
          gapBytes: 100,
          retransmissions: 0,
        },
        serverToClient: {
          bytes: 162,
          messages: 0,
          requests: 0,
          responses: 2,
          records: 0,
          gapBytes: 0,
          retransmissions: 0,
        },
        anomalies: { 'http-incomplete-message': 1, 'tcp-gap': 1, 'http-resync': 1, 'upid-address-mismatch': 1 },
        errors: 0,
      },
    ]);
  });

  it('a raw stream is not a capture (exit 1); a missing file is an I/O error (exit 3)', async () => {
    const raw = await runCli(['flows', 'fixtures/raw/libprocess-session.bin']);
    assert.equal(raw.status, 1);
    assert.match(raw.stderr, /not a pcap or pcapng capture \(MW_CAPTURE_UNKNOWN_FORMAT\)/);
    const missing = await runCli(['flows', 'fixtures/pcap/nope.pcap']);
    assert.equal(missing.status, 3);
    assert.match(missing.stderr, /cannot read fixtures\/pcap\/nope\.pcap: ENOENT/);
  });
});

describe('mesos-wire decode / stats on a capture file (detected by content)', () => {
  it('decode --flow: the calls of one connection with flow, time and frame, and its diagnostic', async () => {
    const run = await runCli([
      'decode',
      'fixtures/pcap/sessions/scheduler-api.pcap',
      '--format',
      'ndjson',
      '--flow',
      '10.0.0.6:47002',
    ]);
    assert.equal(run.status, 0);
    const lines = run.stdout
      .toString()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => [l.type, l.frame, l.time, l.flow, l.status ?? l.target ?? l.kind]),
      [
        ['request', 23, '2026-11-27T21:00:02.010000Z', '10.0.0.6:47002>10.0.0.1:5050', '/api/v1/scheduler'],
        ['response', 24, '2026-11-27T21:00:02.011000Z', '10.0.0.1:5050>10.0.0.6:47002', 403],
        ['diagnostic', 24, '2026-11-27T21:00:02.011000Z', '10.0.0.1:5050>10.0.0.6:47002', 'scheduler-not-subscribed'],
      ],
    );
    assert.deepEqual(lines[0].body, { framework_id: { value: 'fw-9999' }, type: 'DECLINE', decline: {} });
    assert.equal(lines[1].body, 'Framework is not subscribed');
  });

  it('stats on a capture adds flows, frameworks, agents, latencies and diagnostics', async () => {
    const run = await runCli(['stats', 'fixtures/pcap/sessions/scheduler-api.pcap']);
    assert.equal(run.status, 0);
    const text = run.stdout.toString();
    assert.ok(
      text.includes(
        [
          'latencies between related messages',
          '  LATENCY (ms)            COUNT  P50  P90  P99  MAX  UNMATCHED',
          '  offer -> accept             1  200  200  200  200          0',
          '  launch -> TASK_RUNNING      1  900  900  900  900          0',
          '  status update -> ack        1  100  100  100  100          0',
        ].join('\n'),
      ),
    );
    assert.ok(text.includes('\n  fw-0002        4         983\n'));
    assert.ok(text.includes('\n  heartbeat-missed              1\n'));
    assert.match(text, /\n5 connections\n$/);
  });
});

describe('mesos-wire flows on many connections (written row by row)', () => {
  /** The text as it was made before rows were streamed: every row's cells, then one string. */
  function oneStringText(flows: FlowSummary[], other: Record<string, number | undefined>): string {
    const direction = (d: FlowSummary['clientToServer']) => {
      const items = [
        d.messages > 0 ? `${d.messages} msg` : '',
        d.requests > 0 ? `${d.requests} req` : '',
        d.responses > 0 ? `${d.responses} resp` : '',
        d.records > 0 ? `${d.records} rec` : '',
      ].filter((s) => s !== '');
      const gap = d.gapBytes > 0 ? `, ${d.gapBytes} B missing` : '';
      return `${d.bytes} B${items.length > 0 ? ` ${items.join(' ')}` : ''}${gap}`;
    };
    const anomalies = (a: Record<string, number | undefined>) =>
      Object.entries(a)
        .map(([kind, n]) => (n === 1 ? kind : `${kind} x${n}`))
        .join(', ');
    const rows = [['#', 'CLIENT > SERVER', 'FIRST', 'LAST', 'CLIENT->SERVER', 'SERVER->CLIENT', 'END', 'ANOMALIES']];
    for (const f of flows) {
      const labels = [f.midstream ? 'midstream' : '', f.encrypted ? 'TLS' : ''].filter((s) => s !== '');
      rows.push([
        String(f.connection),
        `${f.client} > ${f.server}${labels.length > 0 ? ` (${labels.join(', ')})` : ''}`,
        `${timeText(f.firstTime)} #${f.firstFrame}`,
        `${timeText(f.lastTime)} #${f.lastFrame}`,
        direction(f.clientToServer),
        direction(f.serverToClient),
        f.closeReason ?? 'open',
        anomalies(f.anomalies) || '-',
      ]);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    const lines = rows.map((r) =>
      r
        .map((cell, i) => (i === 0 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    );
    const otherText = anomalies(other);
    if (otherText !== '') lines.push('', `not tied to a connection: ${otherText}`);
    lines.push('', `${flows.length} connection${flows.length === 1 ? '' : 's'}`);
    return `${lines.join('\n')}\n`;
  }

  it('text and json of a generated capture are what one string of every row gave', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesos-wire-flows-'));
    try {
      const file = join(dir, 'many.pcap');
      writeManyConnectionsCapture(file);
      const table = new FlowTable();
      await decodeCaptureSessions(file, (event) => table.add(event));
      assert.ok(table.size > 50, `${table.size} connections`);
      const text = await runCli(['flows', file]);
      assert.equal(text.status, 0);
      assert.equal(text.stdout.toString(), oneStringText(table.flows(), table.other));
      const json = await runCli(['flows', file, '--format', 'json']);
      assert.equal(json.stdout.toString(), `${JSON.stringify({ flows: table.flows(), other: table.other })}\n`);
      assert.equal(flowsText(table.flows(), table.other), oneStringText(table.flows(), table.other));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the lines of 700 connections, with anomalies not tied to one, are the one string', () => {
    const table = new FlowTable();
    for (let c = 1; c <= 700; c++) {
      const client = `10.0.${c >> 8}.${c & 255}:${20000 + c}`;
      table.add({
        type: 'open',
        connection: c,
        flow: `${client}>10.0.0.1:5050`,
        client,
        server: '10.0.0.1:5050',
        midstream: c % 9 === 0,
        frame: c,
        time: new CaptureTimestamp(1795813200 + c, c * 1000, 6),
      });
      if (c % 10 === 0)
        table.add({ type: 'diagnostic', diagnostic: { kind: 'tls-encrypted', connection: c } } as DecodedEvent);
    }
    table.add({ type: 'diagnostic', diagnostic: { kind: 'packet-undecodable' } } as DecodedEvent);
    const flows = table.flows();
    assert.equal([...flowsTextLines(() => table.summaries(), table.other)].join(''), oneStringText(flows, table.other));
    assert.equal(flowsText([], {}), oneStringText([], {}));
  });
});
