import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { isMesosWireError } from '../../src/errors.ts';
import { decodeHttpStream, type HttpDecodeEvent, HttpDecodeStream } from '../../src/http/stream.ts';
import { chunksOf } from '../helpers/bytes.ts';
import { EXAMPLE_A } from './examples.ts';
import { bytes } from './harness.ts';

const RESPONSES = bytes('HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n\r\nuntil close');

async function* source(pieces: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of pieces) yield p;
}

function describeEvent(e: HttpDecodeEvent): string {
  switch (e.type) {
    case 'head':
      return `head@${e.head.offset}`;
    case 'chunk':
      return `chunk ${e.size}@${e.offset}`;
    case 'body':
      return `body ${e.piece.length}@${e.offset}`;
    case 'message':
      return `message ${e.message.kind} ${e.message.body.length}B end=${e.message.end}`;
  }
}

describe('decodeHttpStream (async iterator)', () => {
  it('yields messages by default, completing an until-close body at the end of the source', async () => {
    const seen: string[] = [];
    for await (const e of decodeHttpStream(source([...chunksOf(EXAMPLE_A, 50), ...chunksOf(RESPONSES, 7)]))) {
      seen.push(describeEvent(e));
    }
    assert.deepEqual(seen, [
      'message request 68B end=313',
      'message response 0B end=357',
      'message response 11B end=387',
    ]);
  });

  it('yields the requested event types in order', async () => {
    const seen: string[] = [];
    const events = decodeHttpStream(source([EXAMPLE_A.subarray(0, 250), EXAMPLE_A.subarray(250)]), {
      events: ['head', 'chunk', 'body', 'message'],
    });
    for await (const e of events) seen.push(describeEvent(e));
    assert.deepEqual(seen, [
      'head@0',
      'chunk 68@234',
      'body 12@238',
      'body 56@250',
      'chunk 0@308',
      'message request 68B end=313',
    ]);
  });

  it('yields everything decoded before an error, then throws it', async () => {
    const seen: string[] = [];
    const input = [EXAMPLE_A, bytes('GET / HTTP/1.1\r\nBad\r\n\r\n')];
    await assert.rejects(
      async () => {
        for await (const e of decodeHttpStream(source(input))) seen.push(describeEvent(e));
      },
      (e) => isMesosWireError(e) && e.code === 'MW_HTTP_BAD_HEADER_NAME' && e.offset === 332,
    );
    assert.deepEqual(seen, ['message request 68B end=313']);
  });

  it('throws MW_HTTP_TRUNCATED when the source ends inside a message', async () => {
    await assert.rejects(
      async () => {
        for await (const _ of decodeHttpStream(source([EXAMPLE_A.subarray(0, 300)]))) {
          // nothing to do
        }
      },
      { code: 'MW_HTTP_TRUNCATED', offset: 300 },
    );
  });
});

describe('HttpDecodeStream (Node Transform)', () => {
  it('turns bytes into message events', async () => {
    const seen: string[] = [];
    const stream = new HttpDecodeStream();
    await pipeline(
      Readable.from(chunksOf(EXAMPLE_A, 64).map((c) => Buffer.from(c))),
      stream,
      async (events: AsyncIterable<HttpDecodeEvent>) => {
        for await (const e of events) seen.push(describeEvent(e));
      },
    );
    assert.deepEqual(seen, ['message request 68B end=313']);
    assert.equal(stream.decoder.offset, 313);
  });

  it('emits the decode error after the events before it', async () => {
    const seen: string[] = [];
    const stream = new HttpDecodeStream();
    await assert.rejects(
      pipeline(
        Readable.from([Buffer.from(EXAMPLE_A), Buffer.from('POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n')]),
        stream,
        async (events: AsyncIterable<HttpDecodeEvent>) => {
          for await (const e of events) seen.push(describeEvent(e));
        },
      ),
      { code: 'MW_HTTP_BAD_CONTENT_LENGTH', offset: 346 },
    );
    assert.deepEqual(seen, ['message request 68B end=313']);
  });
});
