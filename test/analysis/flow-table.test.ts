import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type FlowDirectionSummary, type FlowSummary, FlowTable } from '../../src/analysis/flows.ts';
import type { DiagnosticKind } from '../../src/diagnostics.ts';
import { AutoCaptureReader } from '../../src/pcap/detect.ts';
import { CaptureTimestamp, UNKNOWN_TIME } from '../../src/pcap/timestamp.ts';
import { CaptureSessionDecoder } from '../../src/pipeline/decode-sessions.ts';
import type { DecodedEvent } from '../../src/pipeline/events.ts';
import { readNamedCaptureFixtures } from '../pcap/harness.ts';

function emptyDirection(): FlowDirectionSummary {
  return { bytes: 0, messages: 0, requests: 0, responses: 0, records: 0, gapBytes: 0, retransmissions: 0 };
}

/**
 * The table as it was written before its columns: one FlowSummary object per connection, updated in place. Kept
 * here as the specification the column store must match event for event.
 */
class ObjectFlowTable {
  readonly byConnection = new Map<number, FlowSummary>();
  readonly other: Partial<Record<DiagnosticKind, number>> = {};

  add(event: DecodedEvent): void {
    switch (event.type) {
      case 'open':
        this.byConnection.set(event.connection, {
          connection: event.connection,
          flow: event.flow,
          client: event.client,
          server: event.server,
          midstream: event.midstream,
          encrypted: false,
          firstFrame: event.frame,
          firstTime: event.time,
          lastFrame: event.frame,
          lastTime: event.time,
          closeReason: null,
          clientToServer: emptyDirection(),
          serverToClient: emptyDirection(),
          anomalies: {},
          errors: 0,
        });
        return;
      case 'close': {
        const flow = this.byConnection.get(event.connection);
        if (flow === undefined) return;
        flow.closeReason = event.reason;
        this.touch(flow, event.frame, event.time);
        for (const [summary, stats] of [
          [flow.clientToServer, event.clientToServer],
          [flow.serverToClient, event.serverToClient],
        ] as const) {
          summary.bytes = stats.bytes;
          summary.gapBytes = stats.gapBytes;
          summary.retransmissions = stats.retransmissions;
        }
        return;
      }
      case 'diagnostic': {
        const d = event.diagnostic;
        const connection = (d as { connection?: number }).connection;
        const flow = connection === undefined ? undefined : this.byConnection.get(connection);
        const counts = flow === undefined ? this.other : flow.anomalies;
        counts[d.kind] = (counts[d.kind] ?? 0) + 1;
        if (flow !== undefined && d.kind === 'tls-encrypted') flow.encrypted = true;
        return;
      }
      default: {
        if (event.connection === undefined) return;
        const flow = this.byConnection.get(event.connection);
        if (flow === undefined) return;
        this.touch(flow, event.frame, event.time);
        const direction = event.direction === 'server-to-client' ? flow.serverToClient : flow.clientToServer;
        if (event.type === 'message') direction.messages++;
        else if (event.type === 'request') direction.requests++;
        else if (event.type === 'response') direction.responses++;
        else if (event.type === 'record') direction.records++;
        else if (event.type === 'error') flow.errors++;
      }
    }
  }

  private touch(flow: FlowSummary, frame: number | undefined, time: CaptureTimestamp | undefined): void {
    if (frame !== undefined && frame > flow.lastFrame) {
      flow.lastFrame = frame;
      if (time !== undefined) flow.lastTime = time;
    }
  }
}

/** A summary with its times as what output shows of them (ISO text, JSON value, known). */
function comparable(flow: FlowSummary): unknown {
  const time = (t: CaptureTimestamp) => ({ iso: t.toISOString(), json: t.toJSON(), known: t.known });
  return { ...flow, firstTime: time(flow.firstTime), lastTime: time(flow.lastTime) };
}

function assertSameTables(table: FlowTable, reference: ObjectFlowTable): void {
  const expected = [...reference.byConnection.values()];
  assert.deepEqual(table.flows().map(comparable), expected.map(comparable));
  assert.deepEqual([...table.summaries()].map(comparable), expected.map(comparable));
  assert.equal(
    JSON.stringify({ flows: table.flows(), other: table.other }),
    JSON.stringify({ flows: expected, other: reference.other }),
  );
  assert.equal(table.size, expected.length);
  assert.deepEqual(table.other, reference.other);
}

const time = (seconds: number | bigint, nanos = 0, digits = 6, fine?: string) =>
  new CaptureTimestamp(seconds, nanos, digits, fine);
const stats = (bytes: number, gapBytes = 0, retransmissions = 0) => ({
  bytes,
  segments: 1,
  retransmissions,
  retransmittedBytes: 0,
  conflicts: 0,
  gapBytes,
  gaps: 0,
});

function open(
  connection: number,
  frame: number,
  at: CaptureTimestamp,
  flow?: string,
  client = `10.0.1.${connection % 250}:${10000 + connection}`,
  server = '10.0.0.2:5050',
): DecodedEvent {
  return {
    type: 'open',
    connection,
    flow: flow ?? `${client}>${server}`,
    client,
    server,
    midstream: connection % 3 === 0,
    frame,
    time: at,
  };
}

function item(
  type: 'message' | 'request' | 'response' | 'record' | 'error',
  connection: number,
  frame: number | undefined,
  at: CaptureTimestamp | undefined,
  direction: 'client-to-server' | 'server-to-client',
): DecodedEvent {
  return { type, connection, frame, time: at, direction, flow: 'x' } as unknown as DecodedEvent;
}

describe('FlowTable (columns)', () => {
  it('matches one object per connection on every pcap and pcapng fixture', () => {
    for (const { name, bytes } of readNamedCaptureFixtures('generated', 'real', 'sessions')) {
      const table = new FlowTable();
      const reference = new ObjectFlowTable();
      const decoder = new CaptureSessionDecoder((event) => {
        table.add(event);
        reference.add(event);
      });
      const reader = new AutoCaptureReader();
      try {
        reader.write(bytes, (packet) => decoder.push(packet));
        reader.end();
      } catch {
        // A fixture that is corrupt on purpose: what was decoded before still counts.
      }
      decoder.end();
      assert.ok(reference.byConnection.size > 0 || name.includes('fragment'), name);
      assertSameTables(table, reference);
    }
  });

  it('many connections (the columns grow), items of every kind, closes, anomalies, odd times, a reopened id', () => {
    const table = new FlowTable();
    const reference = new ObjectFlowTable();
    const events: DecodedEvent[] = [];
    const odd = [UNKNOWN_TIME, time(2n ** 60n, 5, 9), time(1795813200, 123456789, 12, '123456789012'), time(0, 0, 0)];
    for (let c = 1; c <= 300; c++) {
      events.push(
        open(c, c * 10, c <= odd.length ? odd[c - 1]! : time(1795813200 + c, c * 1000), c === 7 ? 'custom' : undefined),
      );
    }
    for (let c = 1; c <= 300; c++) {
      const kinds = ['message', 'request', 'response', 'record', 'error'] as const;
      events.push(
        item(
          kinds[c % 5]!,
          c,
          c * 10 + 5,
          time(1795813300 + c, 7, 6),
          c % 2 === 0 ? 'server-to-client' : 'client-to-server',
        ),
      );
      // An earlier frame does not move the last time; a frame without a time moves the frame only.
      events.push(item('message', c, c * 10 + 1, time(1, 1, 6), 'client-to-server'));
      if (c % 4 === 0) events.push(item('message', c, c * 10 + 6, undefined, 'server-to-client'));
      if (c % 5 === 0)
        events.push({ type: 'diagnostic', diagnostic: { kind: 'tls-encrypted', connection: c } } as DecodedEvent);
      if (c % 6 === 0)
        events.push({ type: 'diagnostic', diagnostic: { kind: 'tcp-gap', connection: c } } as DecodedEvent);
      if (c % 6 === 0)
        events.push({ type: 'diagnostic', diagnostic: { kind: 'tcp-gap', connection: c } } as DecodedEvent);
    }
    events.push({ type: 'diagnostic', diagnostic: { kind: 'packet-undecodable' } } as DecodedEvent);
    events.push({ type: 'diagnostic', diagnostic: { kind: 'tcp-gap', connection: 9999 } } as DecodedEvent);
    events.push(item('message', 9999, 1, time(1), 'client-to-server'));
    for (let c = 1; c <= 300; c += 2) {
      const reasons = ['fin', 'rst', 'end-of-capture', 'reused', 'evicted'] as const;
      events.push({
        type: 'close',
        connection: c,
        flow: 'x',
        reason: reasons[c % 5]!,
        frame: c % 3 === 0 ? undefined : 5000 + c,
        time: c === 3 ? time(2n ** 61n, 1, 9) : time(1795814000 + c, 0, 6),
        clientToServer: stats(c * 100, c, c % 7),
        serverToClient: stats(c * 10),
      } as DecodedEvent);
    }
    // The same id again: a fresh summary where the old one was.
    events.push(open(10, 90000, time(1795819999, 1, 9)));
    events.push(item('response', 10, 90001, time(1795819999, 2, 9), 'server-to-client'));
    for (const event of events) {
      table.add(event);
      reference.add(event);
    }
    assertSameTables(table, reference);
    assert.equal(table.size, 300);
    assert.equal(table.flows()[6]!.flow, 'custom');
  });

  it('endpoints of every shape come back as given; anomaly counts shared by connections stay apart', () => {
    const table = new FlowTable();
    const reference = new ObjectFlowTable();
    const endpoints = [
      ['[::1]:40000', '[::1]:5050'],
      ['[fe80::1%eth0]:1', '[fe80::2]:65535'],
      ['10.0.0.1:0', '10.0.0.2:05050'],
      ['10.0.0.1:+7', '10.0.0.2:1e3'],
      ['10.0.0.1:', ':5050'],
      ['no-port', '10.0.0.2:5050:5050'],
      ['10.0.0.1:1.5', '10.0.0.2: 80'],
      ['10.0.0.1:40001', '10.0.0.2:5050'],
    ];
    const events: DecodedEvent[] = [];
    endpoints.forEach(([client, server], i) => {
      events.push(open(i + 1, i + 1, time(1795813200 + i), undefined, client, server));
    });
    // Connections 1-4 reach the same counts in different orders; 5 and 6 share theirs with nobody.
    const diagnostic = (connection: number, kind: DiagnosticKind) =>
      ({ type: 'diagnostic', diagnostic: { kind, connection } }) as DecodedEvent;
    for (const [connection, kinds] of [
      [1, ['tcp-gap', 'upid-address-mismatch']],
      [2, ['upid-address-mismatch', 'tcp-gap']],
      [3, ['tcp-gap', 'upid-address-mismatch']],
      [4, ['upid-address-mismatch']],
      [5, ['tcp-gap', 'tcp-gap', 'tcp-gap']],
      [6, ['tls-encrypted', 'tcp-gap']],
    ] as const) {
      for (const kind of kinds) events.push(diagnostic(connection, kind));
    }
    // Reopened: its old counts are gone, the new endpoint is kept.
    events.push(open(5, 99, time(1795819999), undefined, '10.9.9.9:1', '10.0.0.2:5050'));
    events.push(diagnostic(5, 'upid-address-mismatch'));
    for (const event of events) {
      table.add(event);
      reference.add(event);
    }
    assertSameTables(table, reference);
    const flows = table.flows();
    assert.deepEqual(
      flows.map((f) => [f.client, f.server]),
      endpoints.map(([c, s], i) => (i === 4 ? ['10.9.9.9:1', '10.0.0.2:5050'] : [c, s])),
    );
    assert.deepEqual(Object.keys(flows[0]!.anomalies), ['tcp-gap', 'upid-address-mismatch']);
    assert.deepEqual(Object.keys(flows[1]!.anomalies), ['upid-address-mismatch', 'tcp-gap']);
    // A caller changing one summary's counts changes nothing else.
    flows[0]!.anomalies['tcp-gap'] = 42;
    assert.deepEqual(table.flows()[2]!.anomalies, { 'tcp-gap': 1, 'upid-address-mismatch': 1 });
    assert.deepEqual(table.flows()[0]!.anomalies, { 'tcp-gap': 1, 'upid-address-mismatch': 1 });
  });
});
