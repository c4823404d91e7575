import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMesosWireError } from '../../src/errors.ts';
import { HttpDecoder } from '../../src/http/decoder.ts';
import { encodeChunk, encodeLastChunk } from '../../src/http/encoder.ts';
import type { HttpMessage } from '../../src/http/types.ts';
import {
  encodeAcceptedResponse,
  encodeBadRequestResponse,
  encodeInternalServerErrorResponse,
  encodeMessage,
  encodeNotFoundResponse,
  encodeStreamingResponseHead,
  encodeTextResponse,
  formatHttpDate,
  messagePath,
  parseUpid,
} from '../../src/libprocess/index.ts';
import { ascii, cat, everySplit, hex, toHexString } from '../helpers/bytes.ts';

const MASTER = 'master@10.0.0.1:5050';
const AGENT = 'slave(1)@10.0.0.2:5051';
const ACK_NAME = 'mesos.internal.StatusUpdateAcknowledgementMessage';

/** Example A body (wire-protocol.md §1.6), 68 bytes, written out independently. */
export const EXAMPLE_A_BODY = hex(`
  0a0d 0a0b 3230323430313031 2d5330
  120f 0a0d 32303234303130312d30303030
  1a10 0a0e 7461736b2d303030303030303031
  2210 8f5b1e2a447c4d6e9a3b0c1122334455`);

/** The 313-byte hex dump of Example A, copied from the reference. */
const EXAMPLE_A_HEX = `
504f 5354 202f 736c 6176 6528 3129 2f6d 6573 6f73 2e69 6e74 6572 6e61 6c2e 5374
6174 7573 5570 6461 7465 4163 6b6e 6f77 6c65 6467 656d 656e 744d 6573 7361 6765
2048 5454 502f 312e 310d 0a55 7365 722d 4167 656e 743a 206c 6962 7072 6f63 6573
732f 6d61 7374 6572 4031 302e 302e 302e 313a 3530 3530 0d0a 4c69 6270 726f 6365
7373 2d46 726f 6d3a 206d 6173 7465 7240 3130 2e30 2e30 2e31 3a35 3035 300d 0a43
6f6e 6e65 6374 696f 6e3a 204b 6565 702d 416c 6976 650d 0a48 6f73 743a 2031 302e
302e 302e 323a 3530 3531 0d0a 5472 616e 7366 6572 2d45 6e63 6f64 696e 673a 2063
6875 6e6b 6564 0d0a 0d0a 3434 0d0a 0a0d 0a0b 3230 3234 3031 3031 2d53 3012 0f0a
0d32 3032 3430 3130 312d 3030 3030 1a10 0a0e 7461 736b 2d30 3030 3030 3030 3031
2210 8f5b 1e2a 447c 4d6e 9a3b 0c11 2233 4455 0d0a 300d 0a0d 0a`;

describe('encodeMessage: byte-exact worked examples (wire-protocol.md §1.6, §6.8)', () => {
  it('Example A, mesos-1.12: exactly the 313 bytes of the reference dump', () => {
    assert.equal(EXAMPLE_A_BODY.length, 68);
    const out = encodeMessage({ name: ACK_NAME, from: MASTER, to: AGENT, body: EXAMPLE_A_BODY }, 'mesos-1.12');
    assert.equal(out.length, 313);
    assert.equal(toHexString(out), toHexString(hex(EXAMPLE_A_HEX)));
  });
  it('Example A, mesos-1.11 (default): empty Host, 300 bytes', () => {
    const expected = cat(
      `POST /slave(1)/${ACK_NAME} HTTP/1.1\r\n`,
      'User-Agent: libprocess/master@10.0.0.1:5050\r\n',
      'Libprocess-From: master@10.0.0.1:5050\r\n',
      'Connection: Keep-Alive\r\n',
      'Host: \r\n',
      'Transfer-Encoding: chunked\r\n',
      '\r\n44\r\n',
      EXAMPLE_A_BODY,
      '\r\n0\r\n\r\n',
    );
    const out = encodeMessage({ name: ACK_NAME, from: MASTER, to: AGENT, body: EXAMPLE_A_BODY });
    assert.equal(out.length, 300);
    assert.equal(toHexString(out), toHexString(expected));
  });
  it('Example A, mesos-0.21: HTTP/1.0, no Libprocess-From, no Host, 253 bytes', () => {
    const expected = cat(
      `POST /slave(1)/${ACK_NAME} HTTP/1.0\r\n`,
      'User-Agent: libprocess/master@10.0.0.1:5050\r\n',
      'Connection: Keep-Alive\r\n',
      'Transfer-Encoding: chunked\r\n',
      '\r\n44\r\n',
      EXAMPLE_A_BODY,
      '\r\n0\r\n\r\n',
    );
    const out = encodeMessage({ name: ACK_NAME, from: MASTER, to: AGENT, body: EXAMPLE_A_BODY }, 'mesos-0.21');
    assert.equal(out.length, 253);
    assert.equal(toHexString(out), toHexString(expected));
  });
  it('Example B: PingSlaveMessage{connected: true}, 250 bytes', () => {
    const expected = hex(
      `${toHexString(
        ascii(
          'POST /slave(1)/mesos.internal.PingSlaveMessage HTTP/1.1\r\n' +
            'User-Agent: libprocess/slave-observer(1)@10.0.0.1:5050\r\n' +
            'Libprocess-From: slave-observer(1)@10.0.0.1:5050\r\n' +
            'Connection: Keep-Alive\r\n' +
            'Host: 10.0.0.2:5051\r\n' +
            'Transfer-Encoding: chunked\r\n\r\n',
        ),
      )}32 0d0a 0801 0d0a 30 0d0a 0d0a`,
    );
    const out = encodeMessage(
      {
        name: 'mesos.internal.PingSlaveMessage',
        from: 'slave-observer(1)@10.0.0.1:5050',
        to: AGENT,
        body: hex('0801'),
      },
      'mesos-1.12',
    );
    assert.equal(out.length, 250);
    assert.equal(toHexString(out), toHexString(expected));
  });
  it('Example C: empty body has no Transfer-Encoding and no Content-Length, 201 bytes', () => {
    const expected = ascii(
      'POST /slave-observer(1)/mesos.internal.PongSlaveMessage HTTP/1.1\r\n' +
        'User-Agent: libprocess/slave(1)@10.0.0.2:5051\r\n' +
        'Libprocess-From: slave(1)@10.0.0.2:5051\r\n' +
        'Connection: Keep-Alive\r\n' +
        'Host: 10.0.0.1:5050\r\n\r\n',
    );
    const out = encodeMessage(
      { name: 'mesos.internal.PongSlaveMessage', from: AGENT, to: 'slave-observer(1)@10.0.0.1:5050' },
      'mesos-1.12',
    );
    assert.equal(out.length, 201);
    assert.equal(toHexString(out), toHexString(expected));
  });
  it('empty receiver id: POST /reply HTTP/1.1 (no "//")', () => {
    const out = encodeMessage({ name: 'reply', from: MASTER, to: '@10.0.0.9:7000', body: ascii('x') }, 'mesos-1.12');
    const text = new TextDecoder('latin1').decode(out);
    assert.ok(text.startsWith('POST /reply HTTP/1.1\r\n'));
    assert.ok(text.includes('\r\nHost: 10.0.0.9:7000\r\n'));
    assert.equal(messagePath('', 'reply'), '/reply');
    assert.equal(messagePath('id(42)', 'a/b'), '/id(42)/a/b');
  });
  it('anonymous sender @0.0.0.0:0 and IPv6 recipients', () => {
    const out = encodeMessage({ name: 'n', from: '@0.0.0.0:0', to: 'x@[::1]:5050' }, 'mesos-1.12');
    assert.equal(
      toHexString(out),
      toHexString(
        ascii(
          'POST /x/n HTTP/1.1\r\nUser-Agent: libprocess/@0.0.0.0:0\r\nLibprocess-From: @0.0.0.0:0\r\n' +
            'Connection: Keep-Alive\r\nHost: [::1]:5050\r\n\r\n',
        ),
      ),
    );
  });
  it('chunk size is lowercase hex (171 bytes -> ab)', () => {
    const body = new Uint8Array(171).fill(0x61);
    const out = encodeMessage({ name: 'n', from: MASTER, to: AGENT, body });
    const text = new TextDecoder('latin1').decode(out);
    assert.ok(text.includes('\r\n\r\nab\r\n'));
    assert.ok(text.endsWith('\r\n0\r\n\r\n'));
  });
  it('content-length style (Go net/http as used by mesos-go)', () => {
    const expected = cat(
      `POST /slave(1)/${ACK_NAME} HTTP/1.1\r\n`,
      'Host: 10.0.0.2:5051\r\n',
      'User-Agent: Go-http-client/1.1\r\n',
      'Content-Length: 68\r\n',
      'Connection: Keep-Alive\r\n',
      'Content-Type: application/x-protobuf\r\n',
      'Libprocess-From: master@10.0.0.1:5050\r\n',
      'Accept-Encoding: gzip\r\n',
      '\r\n',
      EXAMPLE_A_BODY,
    );
    const out = encodeMessage({ name: ACK_NAME, from: MASTER, to: AGENT, body: EXAMPLE_A_BODY }, 'content-length');
    assert.equal(toHexString(out), toHexString(expected));
    const empty = new TextDecoder('latin1').decode(
      encodeMessage({ name: 'n', from: MASTER, to: AGENT }, 'content-length'),
    );
    assert.ok(empty.includes('\r\nContent-Length: 0\r\n'));
    assert.ok(empty.endsWith('\r\n\r\n'));
  });
  it('accepts Upid objects as well as text', () => {
    const a = encodeMessage({ name: 'n', from: parseUpid(MASTER), to: parseUpid(AGENT) });
    const b = encodeMessage({ name: 'n', from: MASTER, to: AGENT });
    assert.deepEqual(a, b);
  });
  it('rejects names that cannot go into a request line, bad UPIDs, unknown styles', () => {
    assert.throws(
      () => encodeMessage({ name: 'a b', from: MASTER, to: AGENT }),
      (e: unknown) => isMesosWireError(e) && e.code === 'MW_LIBPROCESS_BAD_NAME' && e.offset === 11,
    );
    assert.throws(
      () => encodeMessage({ name: 'a\r\nX: y', from: MASTER, to: '@1.2.3.4:5' }),
      (e: unknown) => isMesosWireError(e) && e.code === 'MW_LIBPROCESS_BAD_NAME' && e.offset === 2,
    );
    assert.throws(
      () => encodeMessage({ name: 'n', from: 'nope', to: AGENT }),
      (e: unknown) => isMesosWireError(e) && e.code === 'MW_UPID_INVALID',
    );
    assert.throws(
      () => encodeMessage({ name: 'n', from: MASTER, to: AGENT }, 'mesos-2.0' as never),
      (e: unknown) => isMesosWireError(e) && e.code === 'MW_INVALID_ARGUMENT',
    );
  });
});

describe('libprocess responses (§1.6 example D, §2.4)', () => {
  const date = new Date(Date.UTC(2024, 7, 23, 18, 59, 0));
  it('formats the Date header like libprocess', () => {
    assert.equal(formatHttpDate(date), 'Fri, 23 Aug 2024 18:59:00 GMT');
    assert.equal(formatHttpDate(new Date(Date.UTC(2001, 0, 2, 3, 4, 5))), 'Tue, 02 Jan 2001 03:04:05 GMT');
  });
  it('encoder_tests.cpp Response: OK("body") decodes to 200 OK, body "body", exactly 3 headers', () => {
    const out = encodeTextResponse(200, 'body', { date });
    const expected = ascii(
      'HTTP/1.1 200 OK\r\nDate: Fri, 23 Aug 2024 18:59:00 GMT\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\nContent-Length: 4\r\n\r\nbody',
    );
    assert.equal(toHexString(out), toHexString(expected));
    const seen: HttpMessage[] = [];
    for (const { pieces } of everySplit(out)) {
      const decoder = new HttpDecoder({ onMessage: (m) => seen.push(m) });
      for (const piece of pieces) decoder.write(piece);
      decoder.end();
    }
    for (const m of seen) {
      assert.equal(m.kind === 'response' && `${m.status} ${m.reason}`, '200 OK');
      assert.equal(String.fromCharCode(...m.body), 'body');
      assert.deepEqual(
        m.headers.map((h) => `${h.name}: ${h.value}`),
        ['Date: Fri, 23 Aug 2024 18:59:00 GMT', 'Content-Type: text/plain; charset=utf-8', 'Content-Length: 4'],
      );
    }
    assert.equal(seen.length, 1 + 2 * (out.length - 1));
  });
  it('Example D: 202 Accepted, 81 bytes', () => {
    const expected = ascii('HTTP/1.1 202 Accepted\r\nDate: Fri, 23 Aug 2024 18:59:00 GMT\r\nContent-Length: 0\r\n\r\n');
    const out = encodeAcceptedResponse({ date });
    assert.equal(out.length, 81);
    assert.equal(toHexString(out), toHexString(expected));
  });
  it('404 Not Found with body "404 Not Found." (14 bytes)', () => {
    const expected = ascii(
      'HTTP/1.1 404 Not Found\r\nDate: Fri, 23 Aug 2024 18:59:00 GMT\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\nContent-Length: 14\r\n\r\n404 Not Found.',
    );
    assert.equal(toHexString(encodeNotFoundResponse({ date })), toHexString(expected));
  });
  it('400 and 500 forms', () => {
    const bad = ascii(
      'HTTP/1.1 400 Bad Request\r\nDate: Fri, 23 Aug 2024 18:59:00 GMT\r\n' +
        "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 36\r\n\r\nRequest URL path must start with '/'",
    );
    assert.equal(toHexString(encodeBadRequestResponse(undefined, { date })), toHexString(bad));
    const ise = ascii(
      'HTTP/1.1 500 Internal Server Error\r\nDate: Fri, 23 Aug 2024 18:59:00 GMT\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\nContent-Length: 12\r\n\r\nbad encoding',
    );
    assert.equal(toHexString(encodeInternalServerErrorResponse('bad encoding', { date })), toHexString(ise));
  });
  it('chunked streaming response: head, chunks, last chunk', () => {
    const head = encodeStreamingResponseHead({
      contentType: 'application/json',
      headers: [['Mesos-Stream-Id', 'abc']],
      date,
    });
    assert.equal(
      toHexString(head),
      toHexString(
        ascii(
          'HTTP/1.1 200 OK\r\nDate: Fri, 23 Aug 2024 18:59:00 GMT\r\nContent-Type: application/json\r\n' +
            'Mesos-Stream-Id: abc\r\nTransfer-Encoding: chunked\r\n\r\n',
        ),
      ),
    );
    assert.equal(
      toHexString(encodeChunk(ascii('20\n{"type":"HEARTBEAT"}'))),
      `3137 0d0a ${toHexString(ascii('20\n{"type":"HEARTBEAT"}'))} 0d0a`.replace(/ /g, ''),
    );
    assert.equal(toHexString(encodeChunk(new Uint8Array(0))), '');
    assert.equal(toHexString(encodeLastChunk()), '300d0a0d0a');
  });
});
