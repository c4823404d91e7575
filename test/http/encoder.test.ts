import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HttpDecoder } from '../../src/http/decoder.ts';
import { encodeChunk, encodeLastChunk, encodeRequest, encodeResponse, STATUS_REASONS } from '../../src/http/encoder.ts';
import type { HttpHeader, HttpMessage } from '../../src/http/types.ts';
import { cat, hex, toHexString } from '../helpers/bytes.ts';
import { EXAMPLE_A, EXAMPLE_A_BODY_HEX } from './examples.ts';

const MASTER = 'master@10.0.0.1:5050';
const NAME = 'mesos.internal.StatusUpdateAcknowledgementMessage';
const BODY_A = hex(EXAMPLE_A_BODY_HEX);

function h(name: string, value: string): HttpHeader {
  return { name, value };
}

function decodeAll(bytes: Uint8Array): HttpMessage[] {
  const out: HttpMessage[] = [];
  const d = new HttpDecoder({ onMessage: (m) => out.push(m) });
  d.write(bytes);
  d.end();
  return out;
}

describe('encodeRequest: byte-exact against independent literals', () => {
  const headersA = (host: string | undefined, era: 'old' | 'new' = 'new'): HttpHeader[] => [
    h('User-Agent', `libprocess/${MASTER}`),
    ...(era === 'new'
      ? [h('Libprocess-From', MASTER), h('Connection', 'Keep-Alive')]
      : [h('Connection', 'Keep-Alive')]),
    ...(host === undefined ? [] : [h('Host', host)]),
    h('Transfer-Encoding', 'chunked'),
  ];

  it('Example A, 1.12-dev (313 bytes, the hex dump of wire-protocol.md §1.6)', () => {
    const out = encodeRequest({
      method: 'POST',
      target: `/slave(1)/${NAME}`,
      headers: headersA('10.0.0.2:5051'),
      body: BODY_A,
      framing: 'chunked',
    });
    assert.equal(out.length, 313);
    assert.equal(toHexString(out), toHexString(EXAMPLE_A));
  });

  it('Example A from a 0.22-1.11 sender: empty Host (300 bytes)', () => {
    const out = encodeRequest({
      method: 'POST',
      target: `/slave(1)/${NAME}`,
      headers: headersA(''),
      body: BODY_A,
      framing: 'chunked',
    });
    const expected = cat(
      `POST /slave(1)/${NAME} HTTP/1.1\r\n`,
      `User-Agent: libprocess/${MASTER}\r\nLibprocess-From: ${MASTER}\r\nConnection: Keep-Alive\r\nHost: \r\n`,
      'Transfer-Encoding: chunked\r\n\r\n44\r\n',
      BODY_A,
      '\r\n0\r\n\r\n',
    );
    assert.equal(out.length, 300);
    assert.equal(toHexString(out), toHexString(expected));
  });

  it('Example A from a 0.21 sender: HTTP/1.0, no Libprocess-From, no Host (253 bytes)', () => {
    const out = encodeRequest({
      method: 'POST',
      target: `/slave(1)/${NAME}`,
      version: '1.0',
      headers: headersA(undefined, 'old'),
      body: BODY_A,
      framing: 'chunked',
    });
    const expected = cat(
      `POST /slave(1)/${NAME} HTTP/1.0\r\n`,
      `User-Agent: libprocess/${MASTER}\r\nConnection: Keep-Alive\r\n`,
      'Transfer-Encoding: chunked\r\n\r\n44\r\n',
      BODY_A,
      '\r\n0\r\n\r\n',
    );
    assert.equal(out.length, 253);
    assert.equal(toHexString(out), toHexString(expected));
  });

  it('Example C: empty body, no Transfer-Encoding (201 bytes)', () => {
    const out = encodeRequest({
      method: 'POST',
      target: '/slave-observer(1)/mesos.internal.PongSlaveMessage',
      headers: [
        h('User-Agent', 'libprocess/slave(1)@10.0.0.2:5051'),
        h('Libprocess-From', 'slave(1)@10.0.0.2:5051'),
        h('Connection', 'Keep-Alive'),
        h('Host', '10.0.0.1:5050'),
      ],
    });
    const expected = cat(
      'POST /slave-observer(1)/mesos.internal.PongSlaveMessage HTTP/1.1\r\n',
      'User-Agent: libprocess/slave(1)@10.0.0.2:5051\r\nLibprocess-From: slave(1)@10.0.0.2:5051\r\n',
      'Connection: Keep-Alive\r\nHost: 10.0.0.1:5050\r\n\r\n',
    );
    assert.equal(out.length, 201);
    assert.equal(toHexString(out), toHexString(expected));
  });

  it('chunked with an empty body writes only the last chunk; sizes are lowercase hex', () => {
    const empty = encodeRequest({ method: 'POST', target: '/a', headers: [], framing: 'chunked' });
    assert.equal(toHexString(empty), toHexString(cat('POST /a HTTP/1.1\r\n\r\n0\r\n\r\n')));
    const body = new Uint8Array(171).fill(0x61);
    const out = encodeRequest({ method: 'POST', target: '/a', headers: [], body, framing: 'chunked' });
    assert.equal(toHexString(out), toHexString(cat('POST /a HTTP/1.1\r\n\r\nab\r\n', body, '\r\n0\r\n\r\n')));
  });

  it('content-length framing appends the body as is (the header is the caller’s)', () => {
    const out = encodeRequest({
      method: 'POST',
      target: '/master/foo',
      headers: [h('Libprocess-From', 'x@1.2.3.4:5'), h('Content-Length', '5')],
      body: cat('hello'),
      framing: 'content-length',
    });
    assert.equal(
      toHexString(out),
      toHexString(cat('POST /master/foo HTTP/1.1\r\nLibprocess-From: x@1.2.3.4:5\r\nContent-Length: 5\r\n\r\nhello')),
    );
  });

  it('rejects what cannot be written', () => {
    const bad = [
      { method: 'PO ST', target: '/', headers: [] },
      { method: '', target: '/', headers: [] },
      { method: 'POST', target: '/a b', headers: [] },
      { method: 'POST', target: '', headers: [] },
      { method: 'POST', target: '/', headers: [h('A B', 'x')] },
      { method: 'POST', target: '/', headers: [h('A', 'x\r\nInjected: 1')] },
      { method: 'POST', target: '/', headers: [h('A', 'snowman \u2603')] },
      { method: 'POST', target: '/', headers: [], version: '2.0' as '1.1' },
      { method: 'POST', target: '/', headers: [], framing: 'gzip' as 'none' },
    ];
    for (const input of bad) assert.throws(() => encodeRequest(input), { code: 'MW_INVALID_ARGUMENT' });
  });
});

describe('encodeResponse', () => {
  it('Example D: 202 Accepted (81 bytes), reason from STATUS_REASONS', () => {
    const out = encodeResponse({
      status: 202,
      headers: [h('Date', 'Fri, 23 Aug 2024 18:59:00 GMT'), h('Content-Length', '0')],
    });
    assert.equal(
      toHexString(out),
      toHexString(cat('HTTP/1.1 202 Accepted\r\nDate: Fri, 23 Aug 2024 18:59:00 GMT\r\nContent-Length: 0\r\n\r\n')),
    );
    assert.equal(out.length, 81);
  });

  it('404 with the libprocess body, a given reason, an unknown status', () => {
    const out = encodeResponse({
      status: 404,
      headers: [h('Content-Type', 'text/plain; charset=utf-8'), h('Content-Length', '14')],
      body: cat('404 Not Found.'),
    });
    assert.equal(
      toHexString(out),
      toHexString(
        cat(
          'HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 14\r\n\r\n404 Not Found.',
        ),
      ),
    );
    assert.equal(
      toHexString(encodeResponse({ status: 200, reason: 'Fine', version: '1.0', headers: [] })),
      toHexString(cat('HTTP/1.0 200 Fine\r\n\r\n')),
    );
    assert.equal(toHexString(encodeResponse({ status: 299, headers: [] })), toHexString(cat('HTTP/1.1 299 \r\n\r\n')));
    assert.equal(STATUS_REASONS[500], 'Internal Server Error');
  });

  it('a streaming chunked response: head, chunks, last chunk', () => {
    const head = encodeResponse({ status: 200, headers: [h('Transfer-Encoding', 'chunked')] });
    const stream = cat(
      head,
      encodeChunk(cat('20\n')),
      encodeChunk(new Uint8Array(0)),
      encodeChunk(cat('x')),
      encodeLastChunk(),
    );
    assert.equal(
      toHexString(stream),
      toHexString(cat('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n20\n\r\n1\r\nx\r\n0\r\n\r\n')),
    );
    const [m] = decodeAll(stream);
    assert.deepEqual(m!.chunks, [3, 1]);
    assert.equal(toHexString(m!.body), toHexString(cat('20\nx')));
  });

  it('rejects bad statuses and reasons', () => {
    assert.throws(() => encodeResponse({ status: 99, headers: [] }), { code: 'MW_INVALID_ARGUMENT' });
    assert.throws(() => encodeResponse({ status: 1000, headers: [] }), { code: 'MW_INVALID_ARGUMENT' });
    assert.throws(() => encodeResponse({ status: 200, reason: 'a\nb', headers: [] }), { code: 'MW_INVALID_ARGUMENT' });
  });
});

// --- round trips ---

const TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const token = fc
  .array(fc.constantFrom(...TOKEN_CHARS), { minLength: 1, maxLength: 12 })
  .map((cs) => cs.join(''))
  .filter((t) => !/^(content-length|transfer-encoding)$/i.test(t));
const visible = fc
  .array(fc.integer({ min: 0x21, max: 0x7e }), { minLength: 1, maxLength: 30 })
  .map((cs) => String.fromCharCode(...cs));
// Values as the decoder reports them: no surrounding whitespace.
const fieldValue = fc
  .array(fc.oneof(fc.integer({ min: 0x21, max: 0x7e }), fc.constant(0x20), fc.integer({ min: 0x80, max: 0xff })), {
    maxLength: 30,
  })
  .map((cs) => String.fromCharCode(...cs).trim());
// fc.record makes null-prototype objects; the decoder's headers are plain objects.
const headers = fc.array(
  fc.record({ name: token, value: fieldValue }).map((r) => h(r.name, r.value)),
  { maxLength: 8 },
);
const body = fc.uint8Array({ maxLength: 300 });

describe('round trip: encode then decode gives back the input', () => {
  it('requests (chunked, content-length, none)', () => {
    fc.assert(
      fc.property(
        token,
        visible.map((t) => `/${t}`),
        fc.constantFrom('1.0' as const, '1.1' as const),
        headers,
        body,
        fc.constantFrom('chunked' as const, 'content-length' as const, 'none' as const),
        (method, target, version, hs, b, framing) => {
          const framingHeaders =
            framing === 'chunked'
              ? [h('Transfer-Encoding', 'chunked')]
              : framing === 'content-length'
                ? [h('Content-Length', String(b.length))]
                : [];
          const bodyBytes = framing === 'none' ? new Uint8Array(0) : b;
          const all = [...hs, ...framingHeaders];
          const bytes = encodeRequest({ method, target, version, headers: all, body: bodyBytes, framing });
          const [m, ...rest] = decodeAll(bytes);
          assert.equal(rest.length, 0);
          assert.equal(m!.kind, 'request');
          if (m!.kind !== 'request') return;
          assert.equal(m!.method, method);
          assert.equal(m!.target, target);
          assert.equal(m!.version, version);
          assert.deepEqual(m!.headers, all);
          assert.equal(toHexString(m!.body), toHexString(bodyBytes));
          assert.deepEqual(m!.chunks, framing === 'chunked' && b.length > 0 ? [b.length] : []);
          assert.equal(m!.end, bytes.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('responses', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
        headers,
        body,
        (status, hs, b) => {
          const all = [...hs, h('Content-Length', String(b.length))];
          const bytes = encodeResponse({ status, headers: all, body: b, framing: 'content-length' });
          const [m] = decodeAll(bytes);
          assert.equal(m!.kind, 'response');
          if (m!.kind !== 'response') return;
          assert.equal(m!.status, status);
          assert.equal(m!.reason, STATUS_REASONS[status] ?? '');
          assert.deepEqual(m!.headers, all);
          assert.equal(toHexString(m!.body), toHexString(b));
        },
      ),
      { numRuns: 200 },
    );
  });
});
