import assert from 'node:assert/strict';
import { test } from 'node:test';
import { v1Type } from '../../src/client/codec.ts';
import { type PlainMessage, readEventStream } from '../../src/client/index.ts';
import { isMesosWireError } from '../../src/errors.ts';
import { cat, everySplit, hex } from '../helpers/bytes.ts';

const EVENT = v1Type('mesos.v1.scheduler.Event');

async function readAll(
  pieces: Uint8Array[],
  codec: 'json' | 'protobuf',
): Promise<{ events: PlainMessage[]; error: unknown }> {
  const events: PlainMessage[] = [];
  async function* source(): AsyncGenerator<Uint8Array> {
    yield* pieces;
  }
  const reader = readEventStream(source(), {
    codec,
    type: EVENT,
    abort: () => {},
    heartbeatIntervalSeconds: 15,
    lossFactor: 2,
  });
  try {
    for await (const event of reader) events.push(event);
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}

const OFFERS_JSON =
  '{"type":"OFFERS","offers":{"offers":[{"id":{"value":"o"},"framework_id":{"value":"f"},"agent_id":{"value":"a"},' +
  '"hostname":"h","resources":[{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":18446744073709551615,' +
  '"end":18446744073709551615}]}}]}]}}';

test('JSON event stream at every split: exact 64-bit integers, enums by name', async () => {
  const stream = cat(
    '20\n{"type":"HEARTBEAT"}',
    `${OFFERS_JSON.length}\n${OFFERS_JSON}`,
    '60\n{"type":"ERROR","error":{"message":"Framework failed over"}}',
  );
  const expected: PlainMessage[] = [
    { type: 'HEARTBEAT' },
    {
      type: 'OFFERS',
      offers: {
        offers: [
          {
            id: { value: 'o' },
            framework_id: { value: 'f' },
            agent_id: { value: 'a' },
            hostname: 'h',
            resources: [
              {
                name: 'ports',
                type: 'RANGES',
                ranges: { range: [{ begin: 18446744073709551615n, end: 18446744073709551615n }] },
              },
            ],
          },
        ],
      },
    },
    { type: 'ERROR', error: { message: 'Framework failed over' } },
  ];
  for (const { label, pieces } of everySplit(stream)) {
    const { events, error } = await readAll(pieces, 'json');
    assert.equal(error, undefined, label);
    assert.deepEqual(events, expected, label);
  }
});

test('protobuf event stream at every split', async () => {
  // HEARTBEAT = 08 08; ERROR{message "x"} = 08 07 42 03 0a 01 78.
  const stream = cat('2\n', hex('08 08'), '7\n', hex('08 07 42 03 0a 01 78'));
  for (const { label, pieces } of everySplit(stream)) {
    const { events, error } = await readAll(pieces, 'protobuf');
    assert.equal(error, undefined, label);
    assert.deepEqual(events, [{ type: 'HEARTBEAT' }, { type: 'ERROR', error: { message: 'x' } }], label);
  }
});

test('a bad length line fails with its offset, after the events before it and none after', async () => {
  const stream = cat('20\n{"type":"HEARTBEAT"}', 'x\n', '20\n{"type":"HEARTBEAT"}');
  for (const { label, pieces } of everySplit(stream)) {
    const { events, error } = await readAll(pieces, 'json');
    assert.deepEqual(events, [{ type: 'HEARTBEAT' }], label);
    assert.ok(isMesosWireError(error), label);
    assert.equal(error.code, 'MW_RECORDIO_BAD_LENGTH', label);
    assert.equal(error.offset, 23, label);
  }
});

test('a stream cut inside a record is MW_RECORDIO_TRUNCATED', async () => {
  const stream = cat('20\n{"type":"HEARTBEAT"}', '20\n{"type":"HEAR');
  for (const { label, pieces } of everySplit(stream)) {
    const { events, error } = await readAll(pieces, 'json');
    assert.deepEqual(events, [{ type: 'HEARTBEAT' }], label);
    assert.ok(isMesosWireError(error) && error.code === 'MW_RECORDIO_TRUNCATED', label);
  }
});

test('a record that does not decode fails with the offset inside the stream', async () => {
  const stream = cat('2\n', hex('08 08'), '3\n', hex('08 ff ff'));
  const { events, error } = await readAll([stream], 'protobuf');
  assert.deepEqual(events, [{ type: 'HEARTBEAT' }]);
  assert.ok(isMesosWireError(error));
  assert.equal(error.code, 'MW_PROTO_DECODE');
  assert.ok(error.offset !== undefined && error.offset >= 6 && error.offset <= 9, String(error.offset));
});

test('silence for k heartbeat intervals aborts with MW_CLIENT_HEARTBEAT_LOST; SUBSCRIBED sets the interval', async () => {
  const controller = new AbortController();
  async function* source(): AsyncGenerator<Uint8Array> {
    const subscribed =
      '{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"f"},"heartbeat_interval_seconds":0.05}}';
    yield cat(`${subscribed.length}\n${subscribed}`);
    await new Promise((_, reject) =>
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason)),
    );
  }
  const reader = readEventStream(source(), {
    codec: 'json',
    type: EVENT,
    abort: (reason) => controller.abort(reason),
    heartbeatIntervalSeconds: 15,
    lossFactor: 2,
  });
  const started = Date.now();
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const event of reader) seen.push(event.type as string);
    })(),
    (error: unknown) => isMesosWireError(error) && error.code === 'MW_CLIENT_HEARTBEAT_LOST',
  );
  assert.deepEqual(seen, ['SUBSCRIBED']);
  assert.equal(reader.heartbeatIntervalSeconds, 0.05);
  const waited = Date.now() - started;
  assert.ok(waited >= 90 && waited < 1000, `${waited} ms`);
});

test('property: any chunking of a mixed JSON stream yields the events of the whole stream', async () => {
  const fc = (await import('fast-check')).default;
  const records = [
    '{"type":"HEARTBEAT"}',
    OFFERS_JSON,
    '{"type":"UPDATE","update":{"status":{"task_id":{"value":"t"},"state":"TASK_RUNNING","uuid":"AAECAwQFBgcICQoLDA0ODw=="}}}',
    '{"type":"MESSAGE","message":{"agent_id":{"value":"a"},"executor_id":{"value":"e"},"data":"aGk="}}',
  ];
  const stream = cat(
    ...records.flatMap((r) => [`${new TextEncoder().encode(r).length}\n`, r]),
    '20\n{"type":"HEARTBEAT"}',
  );
  const whole = await readAll([stream], 'json');
  assert.equal(whole.error, undefined);
  assert.equal(whole.events.length, 5);
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 40 }),
      async (cuts) => {
        const sorted = [...cuts].sort((a, b) => a - b);
        const pieces: Uint8Array[] = [];
        let at = 0;
        for (const cut of sorted) {
          pieces.push(stream.slice(at, cut));
          at = cut;
        }
        pieces.push(stream.slice(at));
        const { events, error } = await readAll(pieces, 'json');
        assert.equal(error, undefined);
        assert.deepEqual(events, whole.events);
      },
    ),
    { numRuns: 200 },
  );
});
