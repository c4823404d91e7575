import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeMessage, formatUpid, MESSAGE_STYLES, makeUpid } from '../../src/libprocess/index.ts';
import { type InboundMessage, LibprocessEndpoint } from '../../src/transport/endpoint.ts';
import { toHexString } from '../helpers/bytes.ts';
import { until } from './sockets.ts';

const idChar = fc.constantFrom(...'abcxyz0189()-_.'.split(''));
const message = fc.record({
  to: fc.string({ unit: idChar, minLength: 1, maxLength: 12 }),
  from: fc.string({ unit: idChar, minLength: 1, maxLength: 12 }),
  name: fc.string({ unit: idChar, minLength: 1, maxLength: 24 }),
  body: fc.uint8Array({ maxLength: 300 }),
  style: fc.constantFrom(...MESSAGE_STYLES),
});

describe('LibprocessEndpoint property', () => {
  let endpoint: LibprocessEndpoint;
  const got: InboundMessage[] = [];
  before(async () => {
    endpoint = await LibprocessEndpoint.listen({ acceptAnyId: true });
    endpoint.on('message', (m) => got.push(m));
  });
  after(() => endpoint.close(200));

  it('delivers any pipelined messages, in any framing era, however the bytes are split, and answers each one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(message, { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (messages, cuts) => {
          got.length = 0;
          const encoded = messages.map((m) =>
            encodeMessage(
              {
                from: makeUpid(m.from, '10.0.0.1', 5050),
                to: makeUpid(m.to, '10.0.0.2', 5051),
                name: m.name,
                body: m.body,
              },
              m.style,
            ),
          );
          const stream = Buffer.concat(encoded);
          const points = [...new Set(cuts.map((c) => c % stream.length))].sort((a, b) => a - b);
          const socket = net.connect({ host: '127.0.0.1', port: endpoint.address.port });
          let answers = '';
          socket.on('data', (c) => (answers += c.toString('latin1')));
          await new Promise((resolve) => socket.once('connect', resolve));
          let at = 0;
          for (const point of [...points, stream.length]) {
            if (point <= at) continue;
            socket.write(stream.subarray(at, point));
            at = point;
            await new Promise((resolve) => setImmediate(resolve));
          }
          await until(() => (answers.match(/HTTP\/1\.1 202 /g) ?? []).length === messages.length, 3000, 'answers');
          socket.destroy();
          assert.deepEqual(
            got.map((m) => [m.to, m.name, formatUpid(m.from), toHexString(m.body), m.end - m.offset]),
            messages.map((m, i) => [m.to, m.name, `${m.from}@10.0.0.1:5050`, toHexString(m.body), encoded[i]!.length]),
          );
        },
      ),
      { numRuns: 30 },
    );
  });
});
