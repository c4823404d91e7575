import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_KEYS, OTHER_KEYS, TrafficStats } from '../../src/analysis/stats.ts';
import { matchSnapshot, runCli } from './helpers.ts';

async function statsJson(args: string[], input?: Uint8Array) {
  const r = await runCli(['stats', ...args, '--format', 'json'], input === undefined ? {} : { input });
  return { status: r.status, summary: JSON.parse(r.stdout.toString()) };
}

describe('mesos-wire stats', () => {
  it('the session fixture: messages by name, responses by status, literal bytes', async () => {
    const { status, summary } = await statsJson(['fixtures/raw/libprocess-session.bin']);
    assert.equal(status, 0);
    assert.deepEqual(summary.messages, [
      {
        name: 'mesos.scheduler.Call',
        typeName: 'mesos.scheduler.Call',
        count: 2,
        bodyBytes: 182,
        wireBytes: 748,
        undecodable: 0,
      },
      {
        name: 'mesos.internal.FrameworkRegisteredMessage',
        typeName: 'mesos.internal.FrameworkRegisteredMessage',
        count: 1,
        bodyBytes: 170,
        wireBytes: 432,
        undecodable: 0,
      },
      {
        name: 'mesos.internal.PingSlaveMessage',
        typeName: 'mesos.internal.PingSlaveMessage',
        count: 1,
        bodyBytes: 2,
        wireBytes: 237,
        undecodable: 0,
      },
      {
        name: 'mesos.internal.PongSlaveMessage',
        typeName: 'mesos.internal.PongSlaveMessage',
        count: 1,
        bodyBytes: 0,
        wireBytes: 188,
        undecodable: 0,
      },
      {
        name: 'mesos.internal.ResourceOffersMessage',
        typeName: 'mesos.internal.ResourceOffersMessage',
        count: 1,
        bodyBytes: 260,
        wireBytes: 518,
        undecodable: 0,
      },
    ]);
    assert.deepEqual(summary.responses, [{ status: 202, count: 6, bodyBytes: 0, wireBytes: 486, undecodable: 0 }]);
    // The whole file is accounted for.
    assert.deepEqual(summary.totals, {
      items: 12,
      messages: 6,
      requests: 0,
      responses: 6,
      records: 0,
      errors: 0,
      wireBytes: 2609,
    });
  });
  it('RecordIO records by event type (JSON and protobuf streams)', async () => {
    const json = (await statsJson(['fixtures/raw/scheduler-events.recordio'])).summary;
    assert.deepEqual(json.records, [
      { type: 'mesos.v1.scheduler.Event HEARTBEAT', count: 2, bodyBytes: 40, wireBytes: 46, undecodable: 0 },
      { type: 'mesos.v1.scheduler.Event OFFERS', count: 1, bodyBytes: 386, wireBytes: 390, undecodable: 0 },
      { type: 'mesos.v1.scheduler.Event SUBSCRIBED', count: 1, bodyBytes: 139, wireBytes: 143, undecodable: 0 },
    ]);
    assert.equal(json.totals.wireBytes, 579);
    const proto = (await statsJson(['fixtures/raw/scheduler-events-protobuf.recordio'])).summary;
    assert.deepEqual(proto.records, [
      { type: 'mesos.v1.scheduler.Event HEARTBEAT', count: 2, bodyBytes: 4, wireBytes: 8, undecodable: 0 },
      { type: 'mesos.v1.scheduler.Event SUBSCRIBED', count: 1, bodyBytes: 58, wireBytes: 61, undecodable: 0 },
    ]);
  });
  it('errors by code, exit 1; the styles fixture: one name whatever the framing, totals equal the file size', async () => {
    const corrupt = await statsJson(['fixtures/raw/libprocess-corrupt.bin']);
    assert.equal(corrupt.status, 1);
    assert.deepEqual(corrupt.summary.errors, [{ code: 'MW_HTTP_BAD_CHUNK_SIZE', count: 1 }]);
    assert.equal(corrupt.summary.totals.messages, 2);
    const styles = (await statsJson(['fixtures/raw/libprocess-styles.bin'])).summary;
    assert.deepEqual(
      styles.messages.map((m: Record<string, unknown>) => [m.name, m.count]),
      [
        ['mesos.internal.PingSlaveMessage', 3],
        ['mesos.scheduler.Call', 1],
      ],
    );
    assert.deepEqual(styles.responses, [{ status: 404, count: 1, bodyBytes: 14, wireBytes: 138, undecodable: 0 }]);
    assert.equal(styles.totals.wireBytes, 1112); // the file's size
  });
  it('an undecodable body is counted as such', async () => {
    const input = new TextEncoder().encode(
      'POST /slave(1)/mesos.internal.PingSlaveMessage HTTP/1.1\r\nLibprocess-From: m@1.2.3.4:5\r\nContent-Length: 1\r\n\r\n\x08',
    );
    const { status, summary } = await statsJson(['-'], input);
    assert.equal(status, 1);
    assert.equal(summary.messages[0].undecodable, 1);
    assert.deepEqual(summary.errors, [{ code: 'MW_PROTO_DECODE', count: 1 }]);
  });
  it('text tables (snapshot); a missing file exits 3', async () => {
    const args = ['stats', 'fixtures/raw/libprocess-session.bin'];
    matchSnapshot('stats-session', args, await runCli(args));
    const missing = await runCli(['stats', 'fixtures/raw/no-such-file.bin']);
    assert.equal(missing.status, 3);
    assert.match(missing.stderr, /^mesos-wire: cannot read fixtures\/raw\/no-such-file.bin: ENOENT/);
  });
});

describe('TrafficStats', () => {
  it('sorts rows by count then key, sums totals, keeps streamed response bytes apart from records', () => {
    const s = new TrafficStats();
    s.addMessage('b', 'T', 10, 100, true);
    s.addMessage('a', 'T', 5, 50, false);
    s.addMessage('b', 'T', 10, 100, true);
    s.addRequest('POST', '/api/v1/scheduler', 79, 180, true);
    s.addResponse(200, 0, 0, true);
    s.addRecord('E HEARTBEAT', 20, 23, true, true);
    s.addResponseBytes(200, 23, 100);
    s.addError('MW_X');
    const summary = s.summary();
    assert.deepEqual(
      summary.messages.map((m) => [m.name, m.count, m.undecodable]),
      [
        ['b', 2, 0],
        ['a', 1, 1],
      ],
    );
    assert.deepEqual(summary.responses, [{ status: 200, count: 1, bodyBytes: 23, wireBytes: 100, undecodable: 0 }]);
    assert.deepEqual(summary.totals, {
      items: 6,
      messages: 3,
      requests: 1,
      responses: 1,
      records: 1,
      errors: 1,
      wireBytes: 100 + 50 + 100 + 180 + 100,
    });
  });
});

describe('TrafficStats limits', () => {
  it('names and requests beyond MAX_KEYS go to one (other) row; totals keep every item', () => {
    const s = new TrafficStats();
    for (let i = 0; i < MAX_KEYS + 5; i++) {
      s.addMessage(`m${i}`, 'T', 1, 10, true);
      s.addRequest('GET', `/files/read?offset=${i}`, 0, 20, true);
    }
    s.addMessage('m0', 'T', 1, 10, true);
    const summary = s.summary();
    assert.equal(summary.messages.length, MAX_KEYS);
    assert.equal(summary.requests.length, MAX_KEYS);
    assert.deepEqual(summary.messages[0], {
      name: OTHER_KEYS,
      typeName: null,
      count: 6,
      bodyBytes: 6,
      wireBytes: 60,
      undecodable: 0,
    });
    assert.deepEqual(
      summary.messages.find((m) => m.name === 'm0'),
      { name: 'm0', typeName: 'T', count: 2, bodyBytes: 2, wireBytes: 20, undecodable: 0 },
    );
    assert.equal(summary.requests.find((r) => r.request === OTHER_KEYS)?.count, 6);
    assert.equal(summary.totals.messages, MAX_KEYS + 6);
    assert.equal(summary.totals.wireBytes, (MAX_KEYS + 6) * 10 + (MAX_KEYS + 5) * 20);
  });
});

describe('mesos-wire stats --max-flows', () => {
  const capture = 'fixtures/pcap/sessions/libprocess-session.pcap';

  it('json: the busiest flows, and what the others held under omitted.flows', async () => {
    const all = await statsJson([capture]);
    assert.equal(all.summary.omitted, undefined);
    const some = await statsJson([capture, '--max-flows', '3']);
    assert.equal(some.status, all.status);
    assert.deepEqual(some.summary.flows, all.summary.flows.slice(0, 3));
    const rest = all.summary.flows.slice(3) as { items: number; wireBytes: number }[];
    assert.deepEqual(some.summary.omitted, {
      flows: {
        rows: rest.length,
        items: rest.reduce((n, r) => n + r.items, 0),
        wireBytes: rest.reduce((n, r) => n + r.wireBytes, 0),
      },
    });
    assert.deepEqual(some.summary.frameworks, all.summary.frameworks);
  });

  it('text: one line sums the flows left out', async () => {
    const r = await runCli(['stats', capture, '--max-flows', '1']);
    const lines = r.stdout.toString().split('\n');
    const at = lines.indexOf('by flow');
    assert.ok(at >= 0);
    assert.match(lines[at + 3]!, /^ {2}\.\.\. 9 rows dropped \(fewest items\): \d+ items, \d+ wire bytes$/);
    assert.equal(lines[at + 4], '');
  });

  it('a value that is not a whole number is refused', async () => {
    const r = await runCli(['stats', capture, '--max-flows', 'many']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--max-flows/);
  });
});
