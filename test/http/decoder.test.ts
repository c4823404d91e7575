import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpDecoder } from '../../src/http/decoder.ts';
import { getHeader, type HttpMessage } from '../../src/http/types.ts';
import { EXAMPLE_A, EXAMPLE_A_BODY_HEX } from './examples.ts';
import { assertEverySplit, bytes, decodeLog } from './harness.ts';

const EXAMPLE_A_LOG = [
  'off=0 request POST /slave(1)/mesos.internal.StatusUpdateAcknowledgementMessage HTTP/1.1 framing=chunked headerBytes=234',
  '  header User-Agent: libprocess/master@10.0.0.1:5050',
  '  header Libprocess-From: master@10.0.0.1:5050',
  '  header Connection: Keep-Alive',
  '  header Host: 10.0.0.2:5051',
  '  header Transfer-Encoding: chunked',
  'off=234 chunk size=68',
  'off=308 chunk size=0',
  `off=313 message body=hex:${EXAMPLE_A_BODY_HEX} chunks=[68]`,
];

// Example C: empty body, no Transfer-Encoding (201 bytes).
const EXAMPLE_C =
  'POST /slave-observer(1)/mesos.internal.PongSlaveMessage HTTP/1.1\r\n' +
  'User-Agent: libprocess/slave(1)@10.0.0.2:5051\r\n' +
  'Libprocess-From: slave(1)@10.0.0.2:5051\r\n' +
  'Connection: Keep-Alive\r\n' +
  'Host: 10.0.0.1:5050\r\n' +
  '\r\n';

// Example D: the receiver's 202 (81 bytes).
const EXAMPLE_D = 'HTTP/1.1 202 Accepted\r\nDate: Fri, 23 Aug 2024 18:59:00 GMT\r\nContent-Length: 0\r\n\r\n';

describe('HttpDecoder: wire-protocol.md §1.6 examples', () => {
  it('Example A (313 bytes): offsets, chunk sizes [0x44], body', () => {
    assert.equal(EXAMPLE_A.length, 313);
    assertEverySplit(EXAMPLE_A, EXAMPLE_A_LOG);
  });

  it('Example A: the body is a view into the input when written whole', () => {
    let message: HttpMessage | undefined;
    const input = EXAMPLE_A.slice();
    new HttpDecoder({ onMessage: (m) => (message = m) }).write(input);
    assert.equal(message!.body.buffer, input.buffer);
    assert.equal(message!.body.byteOffset, 238);
    assert.equal(message!.body.length, 68);
  });

  it('Example C (201 bytes): empty body, framing none', () => {
    assert.equal(EXAMPLE_C.length, 201);
    assertEverySplit(bytes(EXAMPLE_C), [
      'off=0 request POST /slave-observer(1)/mesos.internal.PongSlaveMessage HTTP/1.1 framing=none headerBytes=201',
      '  header User-Agent: libprocess/slave(1)@10.0.0.2:5051',
      '  header Libprocess-From: slave(1)@10.0.0.2:5051',
      '  header Connection: Keep-Alive',
      '  header Host: 10.0.0.1:5050',
      'off=201 message body=""',
    ]);
  });

  it('Example D (81 bytes): 202 Accepted with Content-Length: 0', () => {
    assert.equal(EXAMPLE_D.length, 81);
    assertEverySplit(bytes(EXAMPLE_D), [
      'off=0 response HTTP/1.1 202 "Accepted" framing=content-length(0) headerBytes=81',
      '  header Date: Fri, 23 Aug 2024 18:59:00 GMT',
      '  header Content-Length: 0',
      'off=81 message body=""',
    ]);
  });

  it('pre-0.22 sender: HTTP/1.0 with chunked body, only User-Agent', () => {
    const input =
      'POST /master/mesos.internal.PingSlaveMessage HTTP/1.0\r\n' +
      'User-Agent: libprocess/slave-observer(1)@10.0.0.1:5050\r\n' +
      'Connection: Keep-Alive\r\n' +
      'Transfer-Encoding: chunked\r\n' +
      '\r\n' +
      '2\r\n\x08\x01\r\n0\r\n\r\n';
    assertEverySplit(bytes(input), [
      'off=0 request POST /master/mesos.internal.PingSlaveMessage HTTP/1.0 framing=chunked headerBytes=165',
      '  header User-Agent: libprocess/slave-observer(1)@10.0.0.1:5050',
      '  header Connection: Keep-Alive',
      '  header Transfer-Encoding: chunked',
      'off=165 chunk size=2',
      'off=172 chunk size=0',
      'off=177 message body=hex:0801 chunks=[2]',
    ]);
  });

  it('Libprocess-From-only sender with a Content-Length body', () => {
    const input = 'POST /master/foo HTTP/1.1\r\nLibprocess-From: x@1.2.3.4:5\r\nContent-Length: 5\r\n\r\nhello';
    assertEverySplit(bytes(input), [
      'off=0 request POST /master/foo HTTP/1.1 framing=content-length(5) headerBytes=78',
      '  header Libprocess-From: x@1.2.3.4:5',
      '  header Content-Length: 5',
      'off=83 message body="hello"',
    ]);
  });
});

describe('HttpDecoder: chunked bodies', () => {
  it('several chunks, uppercase hex sizes, chunk extensions', () => {
    const input =
      'POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '1A;name=value;q="a \\"b\\""\r\nabcdefghijklmnopqrstuvwxyz\r\n' +
      '3;flag\r\nABC\r\n' +
      '00F\r\n0123456789abcde\r\n' +
      '0;last\r\n\r\n';
    assertEverySplit(bytes(input), [
      'off=0 request POST /a HTTP/1.1 framing=chunked headerBytes=48',
      '  header Transfer-Encoding: chunked',
      'off=48 chunk size=26',
      'off=103 chunk size=3',
      'off=116 chunk size=15',
      'off=138 chunk size=0',
      'off=148 message body="abcdefghijklmnopqrstuvwxyzABC0123456789abcde" chunks=[26,3,15]',
    ]);
  });

  it('trailers are decoded as data', () => {
    const input =
      'POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Checksum: abc \r\nExpires:\r\n\r\n';
    assertEverySplit(bytes(input), [
      'off=0 request POST /a HTTP/1.1 framing=chunked headerBytes=48',
      '  header Transfer-Encoding: chunked',
      'off=48 chunk size=5',
      'off=58 chunk size=0',
      'off=91 message body="hello" chunks=[5] trailers=X-Checksum: abc | Expires: ',
    ]);
  });

  it('Decode trailers (§6.8): rejectTrailers fails at the first trailer line, as a libprocess server does', () => {
    const message = 'POST /a/b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\nX: y\r\n\r\n';
    // The next message must not be decoded: the connection is failed.
    const input = bytes(`${message}POST /a/c HTTP/1.1\r\n\r\n`);
    const head = [
      'off=0 request POST /a/b HTTP/1.1 framing=chunked headerBytes=50',
      '  header Transfer-Encoding: chunked',
    ];
    assertEverySplit(
      input,
      [...head, 'off=50 chunk size=1', 'off=56 chunk size=0', 'off=59 error MW_HTTP_TRAILERS_REJECTED'],
      {
        rejectTrailers: true,
      },
    );
    // Without trailers the option changes nothing.
    assertEverySplit(
      bytes('POST /a/b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n'),
      [...head, 'off=50 chunk size=1', 'off=56 chunk size=0', 'off=61 message body="z" chunks=[1]'],
      { rejectTrailers: true },
    );
  });

  it('Transfer-Encoding with another coding before chunked; codings compared case-insensitively', () => {
    const input = 'POST /a HTTP/1.1\r\ntransfer-encoding: gzip, CHUNKED\r\n\r\n1\r\nz\r\n0\r\n\r\n';
    assertEverySplit(bytes(input), [
      'off=0 request POST /a HTTP/1.1 framing=chunked headerBytes=54',
      '  header transfer-encoding: gzip, CHUNKED',
      'off=54 chunk size=1',
      'off=60 chunk size=0',
      'off=65 message body="z" chunks=[1]',
    ]);
  });
});

describe('HttpDecoder: pipelined streams', () => {
  it('requests and responses back to back, with empty lines between messages', () => {
    const input =
      'POST /a/b HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz' +
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n' +
      '\r\n' +
      'GET /c HTTP/1.1\r\nHost: h\r\n\r\n' +
      'HTTP/1.1 204 No Content\r\n\r\n' +
      'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n' +
      'HTTP/1.0 100 Continue\r\n\r\n' +
      'HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 14\r\n\r\n404 Not Found.';
    assertEverySplit(bytes(input), [
      'off=0 request POST /a/b HTTP/1.1 framing=content-length(3) headerBytes=41',
      '  header Content-Length: 3',
      'off=44 message body="xyz"',
      'off=44 response HTTP/1.1 200 "OK" framing=chunked headerBytes=47',
      '  header Transfer-Encoding: chunked',
      'off=91 chunk size=2',
      'off=98 chunk size=0',
      'off=103 message body="hi" chunks=[2]',
      'off=105 request GET /c HTTP/1.1 framing=none headerBytes=28',
      '  header Host: h',
      'off=133 message body=""',
      'off=133 response HTTP/1.1 204 "No Content" framing=none headerBytes=27',
      'off=160 message body=""',
      'off=160 response HTTP/1.1 304 "Not Modified" framing=none headerBytes=49',
      '  header Content-Length: 10',
      'off=209 message body=""',
      'off=209 response HTTP/1.0 100 "Continue" framing=none headerBytes=25',
      'off=234 message body=""',
      'off=234 response HTTP/1.1 404 "Not Found" framing=content-length(14) headerBytes=87',
      '  header Content-Type: text/plain; charset=utf-8',
      '  header Content-Length: 14',
      'off=335 message body="404 Not Found."',
    ]);
  });

  it('expect: request / response restrict the start line', () => {
    assertEverySplit(bytes('HTTP/1.1 200 OK\r\n\r\n'), ['off=4 error MW_HTTP_BAD_METHOD'], { expect: 'request' });
    assertEverySplit(bytes('GET / HTTP/1.1\r\n\r\n'), ['off=0 error MW_HTTP_BAD_START_LINE'], { expect: 'response' });
  });

  it('a response without length runs until the end of the stream', () => {
    const input = 'HTTP/1.1 200 OK\r\nDate: x\r\n\r\nhello\r\nGET / HTTP/1.1\r\n\r\n';
    assertEverySplit(bytes(input), [
      'off=0 response HTTP/1.1 200 "OK" framing=until-close headerBytes=28',
      '  header Date: x',
      'off=53 message body=hex:68656c6c6f0d0a474554202f20485454502f312e310d0a0d0a',
    ]);
  });

  it('a response whose final coding is not chunked runs until close (RFC 9112 §6.3)', () => {
    assertEverySplit(bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz'), [
      'off=0 response HTTP/1.1 200 "OK" framing=until-close headerBytes=44',
      '  header Transfer-Encoding: gzip',
      'off=46 message body="zz"',
    ]);
  });

  it('1xx, 204 and 304 end at the blank line whatever their framing headers say (RFC 9112 §6.3)', () => {
    const input =
      'HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\nHTTP/1.1 101 Go\r\nTransfer-Encoding: chunked\r\n\r\n';
    assertEverySplit(bytes(input), [
      'off=0 response HTTP/1.1 204 "No Content" framing=none headerBytes=46',
      '  header Content-Length: 3',
      'off=46 message body=""',
      'off=46 response HTTP/1.1 101 "Go" framing=none headerBytes=47',
      '  header Transfer-Encoding: chunked',
      'off=93 message body=""',
    ]);
  });

  it('responseHasNoBody: answers to HEAD carry Content-Length but no body', () => {
    const input = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
    let calls = 0;
    assertEverySplit(
      bytes(input),
      [
        'off=0 response HTTP/1.1 200 "OK" framing=none headerBytes=38',
        '  header Content-Length: 5',
        'off=38 message body=""',
        'off=38 response HTTP/1.1 200 "OK" framing=content-length(2) headerBytes=38',
        '  header Content-Length: 2',
        'off=78 message body="ok"',
      ],
      { responseHasNoBody: (h) => h.offset === 0 && ++calls > 0 },
    );
  });
});

describe('HttpDecoder: the decoder_tests.cpp cases (wire-protocol.md §6.1)', () => {
  const request =
    'GET /path/file.json?key1=value1&key2=value2#fragment HTTP/1.1\r\n' +
    'Host: localhost\r\nConnection: close\r\nAccept-Encoding: compress, gzip\r\n\r\n';

  it('Request: target kept as sent, three headers, empty body', () => {
    assertEverySplit(bytes(request), [
      'off=0 request GET /path/file.json?key1=value1&key2=value2#fragment HTTP/1.1 framing=none headerBytes=134',
      '  header Host: localhost',
      '  header Connection: close',
      '  header Accept-Encoding: compress, gzip',
      'off=134 message body=""',
    ]);
  });

  it('HeaderContinuation: inner whitespace of a value is kept verbatim', () => {
    const input = `GET / HTTP/1.1\r\nAccept-Encoding: compress,${' '.repeat(17)}gzip\r\n\r\n`;
    assertEverySplit(bytes(input), [
      'off=0 request GET / HTTP/1.1 framing=none headerBytes=67',
      `  header Accept-Encoding: compress,${' '.repeat(17)}gzip`,
      'off=67 message body=""',
    ]);
  });

  it('HeaderCaseInsensitive: names keep their case, lookup ignores it, last one wins', () => {
    const input =
      'GET / HTTP/1.1\r\ncOnnECtioN: close\r\naccept-ENCODING: compress, gzip\r\nX-A: 1\r\nx-a:  2 \r\n\r\n';
    const seen: HttpMessage[] = [];
    new HttpDecoder({ onMessage: (m) => seen.push(m) }).write(bytes(input));
    const m = seen[0]!;
    assert.equal(getHeader(m, 'Accept-Encoding'), 'compress, gzip');
    assert.equal(getHeader(m, 'connection'), 'close');
    assert.equal(getHeader(m, 'X-A'), '2');
    assert.equal(getHeader(m, 'Missing'), undefined);
    assert.equal(m.headers[0]!.name, 'cOnnECtioN');
    assert.equal(getHeader({ headers: m.headers }, 'X-A'), '2');
  });

  it('obs-text in values is latin1, one char per byte, short or long', () => {
    const long = `\x80\x9f\xe9${'x'.repeat(100)}`;
    const input = `GET / HTTP/1.1\r\nShort: \x80\x9f\r\nLong: ${long}\r\n\r\n`;
    const seen: HttpMessage[] = [];
    new HttpDecoder({ onMessage: (m) => seen.push(m) }).write(bytes(input));
    assert.equal(getHeader(seen[0]!, 'short'), '\u0080\u009f');
    assert.equal(seen[0]!.headers[1]!.value, long);
  });

  it('InvalidQueryArgs: the codec keeps the target as sent (query decoding is the libprocess layer)', () => {
    assertEverySplit(bytes('GET /?%x=%y&key2=value2 HTTP/1.1\r\n\r\n'), [
      'off=0 request GET /?%x=%y&key2=value2 HTTP/1.1 framing=none headerBytes=36',
      'off=36 message body=""',
    ]);
  });

  const response = 'HTTP/1.1 200 OK\r\nDate: Fri, 23 Aug 2024 18:59:00 GMT\r\nContent-Type: text/plain\r\n';

  it('Response: Content-Length 2, body hi, 3 headers', () => {
    assertEverySplit(bytes(`${response}Content-Length: 2\r\n\r\nhi`), [
      'off=0 response HTTP/1.1 200 "OK" framing=content-length(2) headerBytes=101',
      '  header Date: Fri, 23 Aug 2024 18:59:00 GMT',
      '  header Content-Type: text/plain',
      '  header Content-Length: 2',
      'off=103 message body="hi"',
    ]);
  });

  it('ResponseWithUnspecifiedLength: no message until the end of the stream', () => {
    const input = bytes(`${response}\r\nhi`);
    const head = [
      'off=0 response HTTP/1.1 200 "OK" framing=until-close headerBytes=82',
      '  header Date: Fri, 23 Aug 2024 18:59:00 GMT',
      '  header Content-Type: text/plain',
    ];
    assertEverySplit(input, head, {}, { end: false });
    assertEverySplit(input, [...head, 'off=84 message body="hi"']);
  });

  it('StreamingResponse: the head comes with the headers, the body when it arrives, and EOF is clean', () => {
    const events: string[] = [];
    const decoder = new HttpDecoder({
      onHead: (h) => events.push(`head ${h.kind === 'response' ? h.status : ''} ${h.framing}`),
      onBody: (_h, piece, offset) => events.push(`body ${String.fromCharCode(...piece)} at ${offset}`),
      onMessage: (m) => events.push(`message ${m.end}`),
    });
    decoder.write(bytes(`${response}Content-Length: 2\r\n\r\n`));
    assert.deepEqual(events, ['head 200 content-length']);
    decoder.write(bytes('hi'));
    decoder.end();
    assert.deepEqual(events, ['head 200 content-length', 'body hi at 101', 'message 103']);
    assert.equal(decoder.error, undefined);
  });

  it('StreamingResponseFailure: Content-Length 2 but 1 byte then EOF', () => {
    assertEverySplit(bytes(`${response}Content-Length: 2\r\n\r\n1`), [
      'off=0 response HTTP/1.1 200 "OK" framing=content-length(2) headerBytes=101',
      '  header Date: Fri, 23 Aug 2024 18:59:00 GMT',
      '  header Content-Type: text/plain',
      '  header Content-Length: 2',
      'off=102 error MW_HTTP_TRUNCATED',
    ]);
  });

  it('StreamingResponseInvalidHeader: 999 decodes, and fails with rejectUnknownStatus', () => {
    const input = bytes('HTTP/1.1 999 OK\r\nContent-Length: 0\r\n\r\n');
    assertEverySplit(input, [
      'off=0 response HTTP/1.1 999 "OK" framing=content-length(0) headerBytes=38',
      '  header Content-Length: 0',
      'off=38 message body=""',
    ]);
    assertEverySplit(input, ['off=9 error MW_HTTP_BAD_STATUS'], { rejectUnknownStatus: true });
  });
});

/** [name, input, expected error offset, code] for inputs that fail (with nothing decoded before). */
const ERRORS: [string, string, number, string][] = [
  ['bare LF ends a head line', 'GET / HTTP/1.1\nHost: h\r\n\r\n', 14, 'MW_HTTP_BARE_LF'],
  ['bare LF before the request line is still read as a line end', '\nGET / HTTP/1.1\r\n\r\n', 0, 'MW_HTTP_BARE_LF'],
  ['bare CR in a value', 'GET / HTTP/1.1\r\nA: b\rc\r\n\r\n', 20, 'MW_HTTP_BARE_CR'],
  ['bare CR between messages', '\rGET / HTTP/1.1\r\n\r\n', 0, 'MW_HTTP_BARE_CR'],
  ['bare LF wins over an earlier bad byte of the same line', 'G\x01T / HTTP/1.1\n\r\n', 14, 'MW_HTTP_BARE_LF'],
  ['obs-fold', 'GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n', 22, 'MW_HTTP_OBS_FOLD'],
  ['method with a non-token byte', 'G@T / HTTP/1.1\r\n\r\n', 1, 'MW_HTTP_BAD_METHOD'],
  ['empty method', ' / HTTP/1.1\r\n\r\n', 0, 'MW_HTTP_BAD_METHOD'],
  ['request line without target', 'GET\r\n\r\n', 3, 'MW_HTTP_BAD_METHOD'],
  ['two spaces after the method', 'GET  / HTTP/1.1\r\n\r\n', 4, 'MW_HTTP_BAD_TARGET'],
  ['target with a non-ASCII byte', 'GET /\x80 HTTP/1.1\r\n\r\n', 5, 'MW_HTTP_BAD_TARGET'],
  ['target with DEL', 'GET /\x7f HTTP/1.1\r\n\r\n', 5, 'MW_HTTP_BAD_TARGET'],
  ['HTTP/1.2', 'GET / HTTP/1.2\r\n\r\n', 13, 'MW_HTTP_BAD_VERSION'],
  ['HTTP/2.0', 'GET / HTTP/2.0\r\n\r\n', 11, 'MW_HTTP_BAD_VERSION'],
  ['lowercase http', 'GET / http/1.1\r\n\r\n', 6, 'MW_HTTP_BAD_VERSION'],
  ['HTTP/0.9 style request line', 'GET /\r\n\r\n', 5, 'MW_HTTP_BAD_TARGET'],
  ['extra byte after the version', 'GET / HTTP/1.11\r\n\r\n', 14, 'MW_HTTP_BAD_VERSION'],
  ['status code of two digits', 'HTTP/1.1 20 OK\r\n\r\n', 11, 'MW_HTTP_BAD_STATUS'],
  ['status code of four digits (http_tests Statuses: 1337)', 'HTTP/1.1 1337 X\r\n\r\n', 12, 'MW_HTTP_BAD_STATUS'],
  ['status code below 100', 'HTTP/1.1 099 X\r\n\r\n', 9, 'MW_HTTP_BAD_STATUS'],
  ['status line without status', 'HTTP/1.1\r\n\r\n', 8, 'MW_HTTP_BAD_STATUS'],
  ['control byte in the reason phrase', 'HTTP/1.1 200 O\x01K\r\n\r\n', 14, 'MW_HTTP_BAD_STATUS'],
  ['space before the colon', 'GET / HTTP/1.1\r\nHost : h\r\n\r\n', 20, 'MW_HTTP_BAD_HEADER_NAME'],
  ['field line without colon', 'GET / HTTP/1.1\r\nHost\r\n\r\n', 20, 'MW_HTTP_BAD_HEADER_NAME'],
  ['empty field name', 'GET / HTTP/1.1\r\n: h\r\n\r\n', 16, 'MW_HTTP_BAD_HEADER_NAME'],
  ['NUL in a value', 'GET / HTTP/1.1\r\nA: b\x00\r\n\r\n', 20, 'MW_HTTP_BAD_HEADER_VALUE'],
  ['Content-Length not a number', 'POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n', 34, 'MW_HTTP_BAD_CONTENT_LENGTH'],
  ['Content-Length negative', 'POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n', 33, 'MW_HTTP_BAD_CONTENT_LENGTH'],
  ['Content-Length empty', 'POST / HTTP/1.1\r\nContent-Length: \r\n\r\n', 33, 'MW_HTTP_BAD_CONTENT_LENGTH'],
  ['Content-Length as a list', 'POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n', 34, 'MW_HTTP_BAD_CONTENT_LENGTH'],
  [
    'two different Content-Lengths',
    'POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx',
    52,
    'MW_HTTP_BAD_CONTENT_LENGTH',
  ],
  [
    'Content-Length of 16 digits',
    'POST / HTTP/1.1\r\nContent-Length: 1000000000000000\r\n\r\n',
    48,
    'MW_HTTP_BAD_CONTENT_LENGTH',
  ],
  [
    'Content-Length and Transfer-Encoding',
    'POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
    36,
    'MW_HTTP_CONFLICTING_FRAMING',
  ],
  [
    'Transfer-Encoding and Content-Length',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n',
    45,
    'MW_HTTP_CONFLICTING_FRAMING',
  ],
  [
    'request Transfer-Encoding not ending in chunked',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n',
    36,
    'MW_HTTP_BAD_TRANSFER_ENCODING',
  ],
  [
    'chunked applied twice',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n',
    64,
    'MW_HTTP_BAD_TRANSFER_ENCODING',
  ],
];

/** Like ERRORS, for chunked bodies: the head is delivered first. */
const CHUNK_ERRORS: [string, string, number, string][] = [
  [
    'chunk size with a non-hex byte',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nG\r\n',
    47,
    'MW_HTTP_BAD_CHUNK_SIZE',
  ],
  ['empty chunk size', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\r\n', 47, 'MW_HTTP_BAD_CHUNK_SIZE'],
  [
    'space after the chunk size',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1 \r\n',
    48,
    'MW_HTTP_BAD_CHUNK_SIZE',
  ],
  [
    'chunk extension without name',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;=x\r\n',
    49,
    'MW_HTTP_BAD_CHUNK_EXTENSION',
  ],
  [
    'unterminated quoted chunk extension',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a="x\r\n',
    53,
    'MW_HTTP_BAD_CHUNK_EXTENSION',
  ],
  [
    'chunk-size line ending in bare LF',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\n',
    48,
    'MW_HTTP_BARE_LF',
  ],
  [
    'chunk data not followed by CRLF',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n',
    51,
    'MW_HTTP_BAD_CHUNK_TERMINATOR',
  ],
  [
    'chunk data followed by CR and no LF',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\rx',
    52,
    'MW_HTTP_BAD_CHUNK_TERMINATOR',
  ],
  [
    'bad trailer field',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer: x\r\n\r\n',
    53,
    'MW_HTTP_BAD_HEADER_NAME',
  ],
];

const TE_HEAD = ['off=0 request POST / HTTP/1.1 framing=chunked headerBytes=47', '  header Transfer-Encoding: chunked'];

describe('HttpDecoder: strict errors (code and offset; nothing emitted after)', () => {
  for (const [name, input, offset, code] of ERRORS) {
    it(name, () => {
      assertEverySplit(bytes(input), [`off=${offset} error ${code}`]);
    });
  }

  for (const [name, input, offset, code] of CHUNK_ERRORS) {
    it(name, () => {
      const log = decodeLog([bytes(input)]);
      assert.deepEqual(log.slice(0, 2), TE_HEAD);
      assert.equal(log.at(-1), `off=${offset} error ${code}`);
      assertEverySplit(bytes(input), log);
    });
  }

  it('everything complete before an error is delivered first, then nothing', () => {
    const input =
      'POST /a HTTP/1.1\r\nContent-Length: 1\r\n\r\nxPOST /b HTTP/1.1\r\nA\x01: b\r\n\r\nGET /c HTTP/1.1\r\n\r\n';
    assertEverySplit(bytes(input), [
      'off=0 request POST /a HTTP/1.1 framing=content-length(1) headerBytes=39',
      '  header Content-Length: 1',
      'off=40 message body="x"',
      'off=59 error MW_HTTP_BAD_HEADER_NAME',
    ]);
  });

  it('the head of a chunked message is delivered before a chunk error', () => {
    const input = 'POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\nZ\r\n';
    assertEverySplit(bytes(input), [
      'off=0 request POST /a HTTP/1.1 framing=chunked headerBytes=48',
      '  header Transfer-Encoding: chunked',
      'off=48 chunk size=2',
      'off=55 error MW_HTTP_BAD_CHUNK_SIZE',
    ]);
  });

  it('the stream ends inside a head, a chunk line, chunk data, trailers', () => {
    const te = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n';
    assertEverySplit(bytes('GET / HTTP/1.1\r\nHost: h\r\n'), ['off=25 error MW_HTTP_TRUNCATED']);
    assertEverySplit(bytes(`${te}1`), [
      'off=0 request POST / HTTP/1.1 framing=chunked headerBytes=47',
      '  header Transfer-Encoding: chunked',
      'off=48 error MW_HTTP_TRUNCATED',
    ]);
    assertEverySplit(bytes(`${te}3\r\nab`), [
      'off=0 request POST / HTTP/1.1 framing=chunked headerBytes=47',
      '  header Transfer-Encoding: chunked',
      'off=47 chunk size=3',
      'off=52 error MW_HTTP_TRUNCATED',
    ]);
    assertEverySplit(bytes(`${te}0\r\nX: y\r\n`), [
      'off=0 request POST / HTTP/1.1 framing=chunked headerBytes=47',
      '  header Transfer-Encoding: chunked',
      'off=47 chunk size=0',
      'off=56 error MW_HTTP_TRUNCATED',
    ]);
    assertEverySplit(bytes('GET / HTTP/1.1\r\n\r\n\r'), [
      'off=0 request GET / HTTP/1.1 framing=none headerBytes=18',
      'off=18 message body=""',
    ]);
  });

  it('write() after a failure re-throws the same error; error is exposed', () => {
    const d = new HttpDecoder({});
    assert.throws(() => d.write(bytes('BAD\x01\r\n')), { code: 'MW_HTTP_BAD_METHOD' });
    const first = d.error;
    assert.equal(first?.code, 'MW_HTTP_BAD_METHOD');
    assert.equal(first?.offset, 3);
    assert.throws(
      () => d.write(bytes('GET / HTTP/1.1\r\n\r\n')),
      (e) => e === first,
    );
    assert.throws(
      () => d.end(),
      (e) => e === first,
    );
  });
});

describe('HttpDecoder: leniencies (off by default, each with its fixture)', () => {
  it('bareLf: LF alone ends lines everywhere', () => {
    const input =
      'POST /a HTTP/1.1\nTransfer-Encoding: chunked\n\n3;x=1\nabc\n0\nT: 1\n\n' +
      '\nHTTP/1.1 200 OK\nContent-Length: 1\n\nz';
    assertEverySplit(bytes(input), ['off=16 error MW_HTTP_BARE_LF']);
    assertEverySplit(
      bytes(input),
      [
        'off=0 request POST /a HTTP/1.1 framing=chunked headerBytes=45',
        '  header Transfer-Encoding: chunked',
        'off=45 chunk size=3',
        'off=55 chunk size=0',
        'off=63 message body="abc" chunks=[3] trailers=T: 1',
        'off=64 response HTTP/1.1 200 "OK" framing=content-length(1) headerBytes=35',
        '  header Content-Length: 1',
        'off=100 message body="z"',
      ],
      { lenient: { bareLf: true } },
    );
  });

  it('obsFold: a folded value is joined with one SP', () => {
    const input = 'GET / HTTP/1.1\r\nX-Long: part one\r\n \t part two \r\nHost: h\r\n\r\n';
    assertEverySplit(bytes(input), ['off=34 error MW_HTTP_OBS_FOLD']);
    assertEverySplit(
      bytes(input),
      [
        'off=0 request GET / HTTP/1.1 framing=none headerBytes=59',
        '  header X-Long: part one part two',
        '  header Host: h',
        'off=59 message body=""',
      ],
      { lenient: { obsFold: true } },
    );
  });

  it('obsFold applies to trailers too; trailers count against maxHeaderCount', () => {
    const te = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n';
    const head = [
      'off=0 request POST / HTTP/1.1 framing=chunked headerBytes=47',
      '  header Transfer-Encoding: chunked',
    ];
    const input = bytes(`${te}0\r\nT: a\r\n b\r\n\r\n`);
    assertEverySplit(input, [...head, 'off=47 chunk size=0', 'off=56 error MW_HTTP_OBS_FOLD']);
    assertEverySplit(input, [...head, 'off=47 chunk size=0', 'off=62 message body="" chunks=[] trailers=T: a b'], {
      lenient: { obsFold: true },
    });
    assertEverySplit(
      bytes(`${te}0\r\nA: 1\r\nB: 2\r\n\r\n`),
      [...head, 'off=47 chunk size=0', 'off=56 error MW_HTTP_TOO_MANY_HEADERS'],
      {
        maxHeaderCount: 1,
      },
    );
  });

  it('obsFold never folds a framing header', () => {
    const input = 'POST / HTTP/1.1\r\nContent-Length: 1\r\n 2\r\n\r\n';
    assertEverySplit(bytes(input), ['off=36 error MW_HTTP_OBS_FOLD'], { lenient: { obsFold: true } });
  });
});

describe('HttpDecoder: limits (exactly at the limit ok, one over fails before buffering)', () => {
  const head20 = 'GET / HTTP/1.1\r\n\r\n'; // 18 bytes

  it('maxHeaderBytes', () => {
    assertEverySplit(
      bytes(head20),
      ['off=0 request GET / HTTP/1.1 framing=none headerBytes=18', 'off=18 message body=""'],
      {
        maxHeaderBytes: 18,
      },
    );
    assertEverySplit(bytes(head20), ['off=17 error MW_HTTP_HEADERS_TOO_LARGE'], { maxHeaderBytes: 17 });
    // The limit counts from each message's start.
    assertEverySplit(
      bytes(`\r\n${head20}${head20}`),
      [
        'off=2 request GET / HTTP/1.1 framing=none headerBytes=18',
        'off=20 message body=""',
        'off=20 request GET / HTTP/1.1 framing=none headerBytes=18',
        'off=38 message body=""',
      ],
      { maxHeaderBytes: 18 },
    );
  });

  it('maxHeaderBytes fails as soon as the byte past the limit arrives, even mid-line', () => {
    const d = new HttpDecoder({}, { maxHeaderBytes: 64 });
    d.write(bytes(`GET /${'a'.repeat(59)}`)); // 64 bytes, no LF yet: fine
    assert.throws(() => d.write(bytes('b')), { code: 'MW_HTTP_HEADERS_TOO_LARGE', offset: 64 });
  });

  it('a huge head in one write fails at the limit without scanning for its end', () => {
    const d = new HttpDecoder({}, { maxHeaderBytes: 1024 });
    const input = new Uint8Array(4 * 1024 * 1024).fill(0x61);
    input.set(bytes('GET /'));
    assert.throws(() => d.write(input), { code: 'MW_HTTP_HEADERS_TOO_LARGE', offset: 1024 });
  });

  it('maxHeaderCount', () => {
    const input = bytes('GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n');
    assertEverySplit(
      input,
      [
        'off=0 request GET / HTTP/1.1 framing=none headerBytes=30',
        '  header A: 1',
        '  header B: 2',
        'off=30 message body=""',
      ],
      { maxHeaderCount: 2 },
    );
    assertEverySplit(input, ['off=22 error MW_HTTP_TOO_MANY_HEADERS'], { maxHeaderCount: 1 });
  });

  const te = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n';
  const teHead = [
    'off=0 request POST / HTTP/1.1 framing=chunked headerBytes=47',
    '  header Transfer-Encoding: chunked',
  ];

  it('maxChunkSizeDigits (leading zeros count)', () => {
    assertEverySplit(
      bytes(`${te}0001\r\nx\r\n0\r\n\r\n`),
      [...teHead, 'off=47 chunk size=1', 'off=56 chunk size=0', 'off=61 message body="x" chunks=[1]'],
      {
        maxChunkSizeDigits: 4,
      },
    );
    assertEverySplit(bytes(`${te}00001\r\nx\r\n0\r\n\r\n`), [...teHead, 'off=51 error MW_HTTP_CHUNK_SIZE_OVERFLOW'], {
      maxChunkSizeDigits: 4,
    });
  });

  it('a 2^60-byte chunk claim fails at once, without allocating', () => {
    assertEverySplit(bytes(`${te}1000000000000000\r\n`), [...teHead, 'off=61 error MW_HTTP_CHUNK_SIZE_OVERFLOW']);
    assertEverySplit(bytes(`${te}1000000000000000\r\n`), [...teHead, 'off=61 error MW_HTTP_CHUNK_SIZE_OVERFLOW'], {
      streamBodies: true,
    });
    // 2^53 - 1 is the largest exact size: accepted when bodies are streamed (nothing is buffered).
    const d = new HttpDecoder(
      { onChunk: (_h, size) => assert.equal(size, Number.MAX_SAFE_INTEGER) },
      { streamBodies: true },
    );
    d.write(bytes(`${te}1fffffffffffff\r\n`));
    // Sizes of up to 13 digits are read while scanning the line, longer ones by the full line parse: the same sizes.
    const sizes: number[] = [];
    const e = new HttpDecoder({ onChunk: (_h, size) => sizes.push(size) }, { streamBodies: true });
    e.write(bytes(`${te}fffffffffffff\r\n`));
    const f = new HttpDecoder({ onChunk: (_h, size) => sizes.push(size) }, { streamBodies: true });
    f.write(bytes(`${te}0000000000000a\r\n0123456789\r\n00000000000000\r\n\r\n`));
    assert.deepEqual(sizes, [2 ** 52 - 1, 10, 0]);
    assert.throws(() => new HttpDecoder({}, { streamBodies: true }).write(bytes(`${te}20000000000000\r\n`)), {
      code: 'MW_HTTP_CHUNK_SIZE_OVERFLOW',
      offset: 60,
    });
  });

  it('maxBodyBytes: chunk sizes are checked before their data arrives', () => {
    const opts = { maxBodyBytes: 10 };
    assertEverySplit(
      bytes(`${te}a\r\n0123456789\r\n0\r\n\r\n`),
      [...teHead, 'off=47 chunk size=10', 'off=62 chunk size=0', 'off=67 message body="0123456789" chunks=[10]'],
      opts,
    );
    assertEverySplit(bytes(`${te}b\r\n`), [...teHead, 'off=47 error MW_HTTP_BODY_TOO_LARGE'], opts);
    assertEverySplit(
      bytes(`${te}6\r\n012345\r\n5\r\n`),
      [...teHead, 'off=47 chunk size=6', 'off=58 error MW_HTTP_BODY_TOO_LARGE'],
      opts,
    );
    // The default limit (64 MiB) against an announced 64 MiB + 1.
    assert.throws(() => new HttpDecoder({}).write(bytes(`${te}4000001\r\n`)), {
      code: 'MW_HTTP_BODY_TOO_LARGE',
      offset: 47,
    });
    new HttpDecoder({}).write(bytes(`${te}4000000\r\n`));
  });

  it('maxBodyBytes: Content-Length and until-close bodies', () => {
    const opts = { maxBodyBytes: 4 };
    assertEverySplit(
      bytes('POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd'),
      [
        'off=0 request POST / HTTP/1.1 framing=content-length(4) headerBytes=38',
        '  header Content-Length: 4',
        'off=42 message body="abcd"',
      ],
      opts,
    );
    assertEverySplit(
      bytes('POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde'),
      ['off=33 error MW_HTTP_BODY_TOO_LARGE'],
      opts,
    );
    assertEverySplit(
      bytes('HTTP/1.1 200 OK\r\n\r\nabcde'),
      ['off=0 response HTTP/1.1 200 "OK" framing=until-close headerBytes=19', 'off=23 error MW_HTTP_BODY_TOO_LARGE'],
      opts,
    );
    // streamBodies collects nothing, so the limit does not apply.
    assertEverySplit(
      bytes('POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde'),
      [
        'off=0 request POST / HTTP/1.1 framing=content-length(5) headerBytes=38',
        '  header Content-Length: 5',
        'off=43 message body="abcde"',
      ],
      { ...opts, streamBodies: true },
    );
  });

  it('chunk-size lines and trailer sections are limited by maxHeaderBytes', () => {
    const opts = { maxHeaderBytes: 50 };
    const line = `1;${'e'.repeat(45)}\r\n`; // 49 bytes
    assertEverySplit(
      bytes(`${te}${line}x\r\n0\r\n\r\n`),
      [...teHead, 'off=47 chunk size=1', 'off=99 chunk size=0', 'off=104 message body="x" chunks=[1]'],
      opts,
    );
    assertEverySplit(
      bytes(`${te}1;${'e'.repeat(47)}\r\n`),
      [...teHead, 'off=97 error MW_HTTP_CHUNK_LINE_TOO_LONG'],
      opts,
    );
    assertEverySplit(
      bytes(`${te}0\r\nT: ${'v'.repeat(50)}\r\n\r\n`),
      [...teHead, 'off=47 chunk size=0', 'off=100 error MW_HTTP_TRAILERS_TOO_LARGE'],
      opts,
    );
  });
});

describe('HttpDecoder: one byte per write stays linear', () => {
  function feedBytewise(d: HttpDecoder, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) d.write(data.subarray(i, i + 1));
  }

  it('a 60 KiB head and a 256 KiB body (Content-Length, then chunked)', () => {
    const value = 'v'.repeat(60 * 1024);
    const body = new Uint8Array(256 * 1024).map((_, i) => (i * 7) & 0xff);
    const seen: HttpMessage[] = [];
    const d = new HttpDecoder({ onMessage: (m) => seen.push(m) });
    const started = performance.now();
    feedBytewise(d, bytes(`POST / HTTP/1.1\r\nX-Big: ${value}\r\nContent-Length: ${body.length}\r\n\r\n`));
    feedBytewise(d, body);
    feedBytewise(d, bytes('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n20000\r\n'));
    feedBytewise(d, body.subarray(0, 0x20000));
    feedBytewise(d, bytes('\r\n20000\r\n'));
    feedBytewise(d, body.subarray(0x20000));
    feedBytewise(d, bytes('\r\n0\r\n\r\n'));
    const elapsed = performance.now() - started;
    assert.equal(seen.length, 2);
    assert.equal(getHeader(seen[0]!, 'x-big')?.length, value.length);
    for (const m of seen) assert.ok(Buffer.from(m.body).equals(Buffer.from(body)));
    assert.deepEqual(seen[1]!.chunks, [0x20000, 0x20000]);
    // Quadratic buffering would take minutes here; linear takes well under a second even on a busy machine.
    assert.ok(elapsed < 10_000, `took ${elapsed} ms`);
  });
});

describe('HttpDecoder: resync', () => {
  it('skips to the next line that starts like a message', () => {
    const input =
      'POST /a HTTP/1.1\r\nBad Header: x\r\nContent-Length: 3\r\n\r\nabc\r\n' +
      'POST /b HTTP/1.1\r\nContent-Length: 1\r\n\r\nz' +
      'HTTP/1.1 202 Accepted\r\n\r\n';
    assertEverySplit(
      bytes(input),
      [
        'off=21 error MW_HTTP_BAD_HEADER_NAME',
        'off=59 request POST /b HTTP/1.1 framing=content-length(1) headerBytes=39',
        '  header Content-Length: 1',
        'off=99 message body="z"',
        'off=99 response HTTP/1.1 202 "Accepted" framing=until-close headerBytes=25',
        'off=124 message body=""',
      ],
      {},
      { resync: true },
    );
  });

  it('an error in the message found by resync fails again; resync goes on', () => {
    const input = 'XX\x01\r\nGET /x HTTP/9.9\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';
    assertEverySplit(
      bytes(input),
      [
        'off=2 error MW_HTTP_BAD_METHOD',
        'off=17 error MW_HTTP_BAD_VERSION',
        'off=24 response HTTP/1.1 200 "OK" framing=content-length(0) headerBytes=38',
        '  header Content-Length: 0',
        'off=62 message body=""',
      ],
      {},
      { resync: true },
    );
  });

  it('resync is a no-op on a healthy decoder', () => {
    const seen: string[] = [];
    const d = new HttpDecoder({ onMessage: (m) => seen.push(m.kind) });
    d.write(bytes('GET / HTTP/1.1\r\n'));
    d.resync();
    d.write(bytes('\r\n'));
    assert.deepEqual(seen, ['request']);
  });
});

describe('HttpDecoder: options and handler errors', () => {
  it('startOffset shifts every offset', () => {
    const offsets: number[] = [];
    const d = new HttpDecoder(
      { onHead: (h) => offsets.push(h.offset), onMessage: (m) => offsets.push(m.end) },
      { startOffset: 1000 },
    );
    d.write(bytes(EXAMPLE_C));
    assert.deepEqual(offsets, [1000, 1201]);
    assert.equal(d.offset, 1201);
  });

  it('rejects bad limits', () => {
    assert.throws(() => new HttpDecoder({}, { maxHeaderBytes: 0 }), { code: 'MW_INVALID_ARGUMENT' });
    assert.throws(() => new HttpDecoder({}, { maxBodyBytes: -1 }), { code: 'MW_INVALID_ARGUMENT' });
    assert.throws(() => new HttpDecoder({}, { maxChunkSizeDigits: 1.5 }), { code: 'MW_INVALID_ARGUMENT' });
  });

  it('a throwing handler fails the decoder with MW_DECODER_FAILED (its error as cause)', () => {
    const boom = new Error('boom');
    const d = new HttpDecoder({
      onMessage: () => {
        throw boom;
      },
    });
    assert.throws(
      () => d.write(bytes(EXAMPLE_C)),
      (e) => e === boom,
    );
    assert.equal(d.error?.code, 'MW_DECODER_FAILED');
    assert.equal(d.error?.cause, boom);
    assert.throws(() => d.write(bytes(EXAMPLE_C)), { code: 'MW_DECODER_FAILED' });
  });

  it('Buffer input gives plain Uint8Array views', () => {
    let body: Uint8Array | undefined;
    new HttpDecoder({ onMessage: (m) => (body = m.body) }).write(Buffer.from(EXAMPLE_A));
    assert.equal(body?.constructor, Uint8Array);
  });

  it('toJSON shows the lazy fields', () => {
    let json: unknown;
    new HttpDecoder({ onMessage: (m) => (json = JSON.parse(JSON.stringify(m))) }).write(bytes(EXAMPLE_D));
    assert.deepEqual(json, {
      kind: 'response',
      status: 202,
      reason: 'Accepted',
      offset: 0,
      version: '1.1',
      headers: [
        { name: 'Date', value: 'Fri, 23 Aug 2024 18:59:00 GMT' },
        { name: 'Content-Length', value: '0' },
      ],
      headerBytes: 81,
      framing: 'content-length',
      contentLength: 0,
      chunks: [],
      bodyLength: 0,
      trailers: [],
      end: 81,
    });
  });
});
