/**
 * Messages read long after they were decoded: the decoder reuses its buffer for heads that span writes and gathers
 * small bodies that span writes in a shared slab, so a message kept while later writes are decoded must still read
 * as it did when it was handed out (head fields, target, body), at every split of the stream.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HttpDecoder, type HttpMessage } from '../../src/http/index.ts';
import { cat, chunksOf, everySplit, toHexString } from '../helpers/bytes.ts';

function libprocessMessage(to: string, name: string, body: string): Uint8Array {
  return cat(
    `POST /${to}/mesos.internal.${name} HTTP/1.1\r\n`,
    'User-Agent: libprocess/master@10.0.0.1:5050\r\n',
    'Libprocess-From: master@10.0.0.1:5050\r\n',
    'Connection: Keep-Alive\r\n',
    'Host: \r\n',
    'Transfer-Encoding: chunked\r\n\r\n',
    `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
  );
}

/** Literal messages: a head repeated (kept after its second time), heads seen once, bodies of 3 B to 300 B. */
const STREAM = cat(
  libprocessMessage('slave(1)', 'A', 'x'.repeat(100)),
  libprocessMessage('slave(1)', 'A', 'y'.repeat(100)),
  libprocessMessage('slave(1)', 'A', 'z'.repeat(3)),
  libprocessMessage('slave(2)', 'B', 'b'.repeat(300)),
  'POST /x/once HTTP/1.1\r\nX-One: 1\r\nContent-Length: 7\r\n\r\npayload',
  'POST /y/two HTTP/1.1\r\nX-Two: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nAB\r\n3\r\nCDE\r\n0\r\n\r\n',
  libprocessMessage('slave(3)', 'C', 'q'.repeat(64)),
  libprocessMessage('slave(1)', 'A', 'v'.repeat(100)),
);

/** Bodies at and over the size gathered in the shared slab (4 KiB), between small ones. */
const LARGE = cat(
  libprocessMessage('slave(1)', 'A', 'w'.repeat(4096)),
  `POST /x/big HTTP/1.1\r\nX-Big: 1\r\nContent-Length: 5000\r\n\r\n${'c'.repeat(5000)}`,
  libprocessMessage('slave(1)', 'A', 'u'.repeat(100)),
  libprocessMessage('slave(4)', 'D', 'd'.repeat(4097)),
);

function record(message: HttpMessage): string {
  assert.equal(message.kind, 'request');
  const headers = message.headers.map((h) => `${h.name}=${h.value}`).join(';');
  return `${message.offset} ${message.target} ${headers} ${toHexString(message.body)}`;
}

/** The messages of `pieces` read when handed out (`atOnce`), or kept untouched and read only at the end. */
function decode(pieces: Uint8Array[], atOnce: boolean): string[] {
  const records: string[] = [];
  const kept: HttpMessage[] = [];
  const decoder = new HttpDecoder(
    { onMessage: (m) => (atOnce ? records.push(record(m)) : kept.push(m)) },
    { expect: 'request' },
  );
  for (const piece of pieces) decoder.write(piece);
  decoder.end();
  return atOnce ? records : kept.map(record);
}

describe('HttpDecoder: messages kept while later writes are decoded', () => {
  it('read the same at the end as when handed out, at every split and in pieces of 1 to 64 bytes', () => {
    const expected = decode([STREAM], true);
    assert.equal(expected.length, 8);
    for (const { label, pieces } of everySplit(STREAM)) {
      // Pieces of every size up to the whole stream would take long: up to 64 bytes a piece ends in every field.
      if (label.startsWith('chunks of ') && Number(label.slice('chunks of '.length)) > 64) continue;
      assert.deepEqual(decode(pieces, false), expected, label);
    }
  });

  it('bodies at and over the slab size, in pieces of MSS-like sizes (fast-check)', () => {
    const long = cat(LARGE, STREAM, LARGE, STREAM);
    const expected = decode([long], true);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), (size) => {
        assert.deepEqual(decode(chunksOf(long, size), false), expected);
      }),
      { numRuns: 60 },
    );
  });
});
