/**
 * Decoded heads read their header text lazily from the written bytes. A caller that reuses its buffer breaks that
 * contract and gets wrong headers; these tests check it can never get an endless loop (a hang) instead.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpDecoder } from '../../src/http/decoder.ts';
import { detachHead, getHeader, type HttpMessage } from '../../src/http/types.ts';
import { ascii } from '../helpers/bytes.ts';

const REQUEST =
  'POST /master/mesos.internal.Ping HTTP/1.1\r\nUser-Agent: libprocess/slave(1)@10.0.0.2:5051\r\n' +
  'X-Custom: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n';

describe('decoded heads over bytes changed after decoding', () => {
  for (const fill of [0xee, 0x0a, 0x3a, 0x20, 0x00]) {
    it(`header lookups and the header list end when the input is overwritten with 0x${fill.toString(16)}`, () => {
      const input = ascii(REQUEST);
      const messages: HttpMessage[] = [];
      new HttpDecoder({ onMessage: (m) => messages.push(m) }).write(input);
      assert.equal(messages.length, 1);
      input.fill(fill);
      const m = messages[0]!;
      // Whatever they return (the bytes are gone), they return.
      for (const name of ['X-Custom', 'x-other', 'User-Agent', 'Libprocess-From']) getHeader(m, name);
      assert.ok(Array.isArray(m.headers));
    });
  }

  it('after detachHead, the target and every header read the same as before the input was overwritten', () => {
    for (const streamBodies of [false, true]) {
      const input = ascii(REQUEST);
      const heads: HttpMessage[] = [];
      const decoder = new HttpDecoder({ onHead: (h) => heads.push(h as HttpMessage) }, { streamBodies });
      decoder.write(input);
      const m = heads[0]!;
      detachHead(m);
      detachHead(m); // a second call copies nothing more
      input.fill(0xee);
      assert.equal(m.kind === 'request' ? m.target : '', '/master/mesos.internal.Ping');
      assert.equal(getHeader(m, 'X-Custom'), 'a');
      assert.equal(getHeader(m, 'user-agent'), 'libprocess/slave(1)@10.0.0.2:5051');
      assert.deepEqual(
        m.headers.map((h) => `${h.name}: ${h.value}`),
        ['User-Agent: libprocess/slave(1)@10.0.0.2:5051', 'X-Custom: a', 'Transfer-Encoding: chunked'],
      );
    }
  });
});
