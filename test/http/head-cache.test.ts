/**
 * The decoder's two ways to a head: parsing it (headCache: false) and reusing the parse of a kept head with the same
 * bytes (the default; heads are looked for on every 16th head and right after a keep or a reuse, and kept from their
 * second time, so streams below start with 17 copies of one message where reuse should run). Every input is fed at every split, with and without the cache, and the logs must be equal;
 * the logs also show every known header as getHeader finds it (the O(1) index) next to a scan of the header list.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMesosWireError } from '../../src/errors.ts';
import { HttpDecoder, type HttpDecoderOptions } from '../../src/http/decoder.ts';
import { internLatin1, KeptHead, KNOWN_HEADERS } from '../../src/http/message.ts';
import {
  lineHash,
  MAX_HASHED_LINE,
  MAX_SHARED_HEAD_BYTES,
  NO_LINE_HASH,
  SharedHeadCache,
} from '../../src/http/shared-heads.ts';
import { deriveFromHead, getHeader, type HttpHead, type HttpHeader, type HttpMessage } from '../../src/http/types.ts';
import { ascii, cat, everySplit, hex, toHexString } from '../helpers/bytes.ts';

/** Last value by a plain scan of a header list (the slow reference). */
function scanLast(headers: readonly HttpHeader[], name: string): string | undefined {
  let found: string | undefined;
  for (const h of headers) if (h.name.toLowerCase() === name.toLowerCase()) found = h.value;
  return found;
}

function describeHead(h: HttpHead): string[] {
  const start =
    h.kind === 'request' ? `${h.method} ${h.target}` : `${h.status} ${JSON.stringify(h.reason)} v${h.version}`;
  const out = [`off=${h.offset} head ${start} bytes=${h.headerBytes} framing=${h.framing} len=${h.contentLength}`];
  out.push(`  headers ${JSON.stringify(h.headers)}`);
  for (const name of [...KNOWN_HEADERS, 'X-Other']) {
    const value = getHeader(h, name);
    assert.equal(value, scanLast(h.headers, name), `getHeader ${name}`);
    assert.equal(getHeader(h, name.toUpperCase()), value, `getHeader ${name.toUpperCase()}`);
    if (value !== undefined) out.push(`  ${name}=${JSON.stringify(value)}`);
  }
  return out;
}

/** A value derived from a head's bytes alone (see deriveFromHead), and its key. */
const DERIVED = {};
function headSummary(h: HttpHead): string {
  const start = h.kind === 'request' ? `${h.method} ${h.target}` : `${h.status} ${h.reason}`;
  return `${start} ${JSON.stringify(h.headers)}`;
}

/** Events of `pieces` as text, with the error (code and offset) last; nothing may follow an error. */
function run(pieces: Uint8Array[], options: HttpDecoderOptions): string[] {
  const log: string[] = [];
  const decoder = new HttpDecoder(
    {
      onHead: (h) => log.push(...describeHead(h)),
      onChunk: (_h, size, offset) => log.push(`off=${offset} chunk ${size}`),
      onMessage: (m) => {
        // Read again once complete: the strings are the same.
        assert.equal(getHeader(m, 'Libprocess-From'), scanLast(m.headers, 'Libprocess-From'));
        // A value derived from the head (shared by the messages repeating a kept head) is what this head gives.
        assert.equal(deriveFromHead(m, DERIVED, headSummary), headSummary(m));
        log.push(`off=${m.end} message body=${toHexString(m.body)} chunks=[${m.chunks}]`);
      },
    },
    options,
  );
  return feedAll(decoder, pieces, log);
}

/** Writes `pieces` to `decoder` and ends it; an error (code and offset) is logged last. Returns `log`. */
function feedAll(decoder: HttpDecoder, pieces: Uint8Array[], log: string[]): string[] {
  try {
    for (const piece of pieces) decoder.write(piece);
    decoder.end();
  } catch (e) {
    if (!isMesosWireError(e)) throw e;
    log.push(`off=${e.offset} error ${e.code}`);
  }
  return log;
}

/** How often a kept head was found again (the fast path), counted around `f`. */
function countReuse(f: () => void): number {
  let count = 0;
  const same = KeptHead.prototype.sameBytes;
  KeptHead.prototype.sameBytes = function (...args: Parameters<typeof same>) {
    const found = same.apply(this, args);
    if (found) count++;
    return found;
  };
  try {
    f();
  } finally {
    KeptHead.prototype.sameBytes = same;
  }
  return count;
}

/** `copies` times `message`: enough copies (17) get it kept, so that later copies take the fast path. */
function warm(message: Uint8Array, copies = 17): Uint8Array {
  return cat(...new Array<Uint8Array>(copies).fill(message));
}

/** Bytes of the first 16 copies of warm(message): written whole; the kept 17th copy is split with the rest. */
function warmBytes(message: Uint8Array | string): number {
  return 16 * (typeof message === 'string' ? message.length : message.length);
}

/**
 * Every split of input, cache on and off, gives `expected` (or, when undefined, the cache-off whole-input log). The
 * first `whole` bytes (a warm-up that gets a head kept) are written in one piece before the split rest.
 */
function assertSameAtEverySplit(
  input: Uint8Array,
  options: HttpDecoderOptions = {},
  expected?: string[],
  whole = 0,
): string[] {
  const reference = run([input.slice()], { ...options, headCache: false });
  if (expected !== undefined) assert.deepEqual(reference, expected);
  const warmUp = input.slice(0, whole);
  for (const { label, pieces } of everySplit(input.subarray(whole))) {
    const all = whole > 0 ? [warmUp, ...pieces] : pieces;
    const cached = run(all, options);
    if (JSON.stringify(cached) !== JSON.stringify(reference)) assert.deepEqual(cached, reference, `${label} cached`);
    const fresh = run(all, { ...options, headCache: false });
    if (JSON.stringify(fresh) !== JSON.stringify(reference)) assert.deepEqual(fresh, reference, `${label} fresh`);
  }
  return reference;
}

// A Mesos 1.11 message head: POST /slave(1)/x.Y HTTP/1.1, User-Agent, Libprocess-From, Connection, Host, chunked.
const LIBPROCESS_HEAD = hex(`
  504f5354202f736c6176652831292f782e5920485454502f312e310d0a
  557365722d4167656e743a206c69627072 6f636573732f6d40312e322e332e343a350d0a
  4c69627072 6f636573732d46726f6d3a206d40312e322e332e343a350d0a
  436f6e6e656374696f6e3a204b6565702d416c6976650d0a
  486f73743a200d0a
  5472616e736665722d456e636f64696e673a206368756e6b65640d0a
  0d0a`);
const CHUNKED_AB = hex('320d0a61620d0a300d0a0d0a'); // "2\r\nab\r\n0\r\n\r\n"
const CHUNKED_C = hex('310d0a630d0a300d0a0d0a'); // "1\r\nc\r\n0\r\n\r\n"
// "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
const ACCEPTED = hex(`
  485454502f312e3120323032204163636570746564 0d0a
  436f6e74656e742d4c656e6774683a2030 0d0a
  0d0a`);

describe('HttpDecoder head reuse (headCache)', () => {
  it('a repeated libprocess head: literal events, the same at every split with and without reuse', () => {
    const head1 = [
      'headers [{"name":"User-Agent","value":"libprocess/m@1.2.3.4:5"},{"name":"Libprocess-From","value":"m@1.2.3.4:5"},{"name":"Connection","value":"Keep-Alive"},{"name":"Host","value":""},{"name":"Transfer-Encoding","value":"chunked"}]',
      'Libprocess-From="m@1.2.3.4:5"',
      'User-Agent="libprocess/m@1.2.3.4:5"',
      'Transfer-Encoding="chunked"',
      'Connection="Keep-Alive"',
      'Host=""',
    ].map((line) => `  ${line}`);
    const n = LIBPROCESS_HEAD.length;
    assert.equal(n, 157);
    const expected = [
      `off=0 head POST /slave(1)/x.Y bytes=${n} framing=chunked len=undefined`,
      ...head1,
      `off=${n} chunk 2`,
      `off=${n + 7} chunk 0`,
      `off=${n + 12} message body=6162 chunks=[2]`,
      `off=${n + 12} head POST /slave(1)/x.Y bytes=${n} framing=chunked len=undefined`,
      ...head1,
      `off=${2 * n + 12} chunk 1`,
      `off=${2 * n + 18} chunk 0`,
      `off=${2 * n + 23} message body=63 chunks=[1]`,
    ];
    assertSameAtEverySplit(
      cat(LIBPROCESS_HEAD, CHUNKED_AB, LIBPROCESS_HEAD, CHUNKED_C),
      { expect: 'request' },
      expected,
    );
  });

  it('the fast path runs once a probe finds a head seen before, and not at all with headCache: false', () => {
    const three = cat(LIBPROCESS_HEAD, CHUNKED_AB, LIBPROCESS_HEAD, CHUNKED_C, LIBPROCESS_HEAD, CHUNKED_AB);
    assert.equal(
      countReuse(() => run([three], {})),
      0,
    );
    // Heads are looked for on the 1st, 17th, 33rd, ... head (probes) and right after one was kept or reused: the 1st
    // leaves a fingerprint, the 17th is kept (seen before), the 18th is found.
    const tiny = cat('GET / HTTP/1.1\r\n\r\n'.repeat(18));
    assert.equal(
      countReuse(() => run([tiny], {})),
      1,
    );
    assert.equal(
      countReuse(() => run([cat(tiny, tiny)], {})),
      19,
    );
    assert.ok(countReuse(() => assertSameAtEverySplit(cat(tiny, 'GET /x HTTP/1.1\r\n\r\n', tiny))) > 0);
    assert.equal(
      countReuse(() => run([three, tiny], { headCache: false })),
      0,
    );
  });

  it('looks that find nothing make probes rarer; a burst of one head is still found later, with the same events', () => {
    const a = cat('POST /a HTTP/1.1\r\nContent-Length: 1\r\n\r\na');
    const distinct = Array.from({ length: 200 }, (_, i) => cat(`POST /d${i} HTTP/1.1\r\nContent-Length: 1\r\n\r\nd`));
    const stream = cat(warm(a), ...distinct, warm(a, 1200));
    const reused = countReuse(() => assert.deepEqual(run([stream], {}), run([stream], { headCache: false })));
    // Not every `a` after the distinct heads: the first ones wait for a probe, spaced out by the failed looks (up to
    // 512 heads apart), then every one is found.
    assert.ok(reused >= 1200 - 512 - 1 && reused < 1200, `reused ${reused}`);
  });

  it('a repeated head is parsed once: its strings are shared (reuse on) or made again (reuse off)', () => {
    for (const headCache of [true, false]) {
      const seen: HttpHead[] = [];
      const decoder = new HttpDecoder({ onMessage: (m) => seen.push(m) }, { headCache });
      decoder.write(
        cat(warm(cat(LIBPROCESS_HEAD, CHUNKED_AB)), LIBPROCESS_HEAD, CHUNKED_C, LIBPROCESS_HEAD, CHUNKED_AB),
      );
      assert.equal(seen.length, 19);
      assert.deepEqual(seen[0]!.headers, seen[18]!.headers);
      // The 17th head is kept, the 18th and 19th reuse it.
      assert.equal(seen[17]!.headers === seen[18]!.headers, headCache);
      assert.equal(seen[16]!.headers === seen[18]!.headers, false);
    }
  });

  it('a head cut by the end of a write is reused when its bytes so far and the rest repeat a kept head', () => {
    const message = cat(LIBPROCESS_HEAD, CHUNKED_AB);
    const stream = cat(warm(message), message, LIBPROCESS_HEAD, CHUNKED_C);
    for (const headCache of [true, false]) {
      // The 18th head (the first one after the kept 17th) cut once or twice, anywhere inside it.
      for (const cuts of [[1], [80], [LIBPROCESS_HEAD.length - 1], [3, 150]]) {
        const seen: HttpMessage[] = [];
        const decoder = new HttpDecoder({ onMessage: (m) => seen.push(m) }, { headCache, expect: 'request' });
        // The 18th message starts after the 17 copies of warm().
        const at = 17 * message.length;
        let from = 0;
        for (const cut of [...cuts.map((c) => at + c), stream.length]) {
          decoder.write(stream.slice(from, cut));
          from = cut;
        }
        assert.equal(seen.length, 19);
        assert.equal(toHexString(seen[18]!.body), '63');
        // Reused: its strings are the kept head's (the 19th reuses it too).
        assert.equal(seen[17]!.headers === seen[18]!.headers, headCache, `cuts ${cuts}`);
        assert.equal(seen[17]!.offset, at);
        assert.equal(seen[17]!.bodyOffset, at + LIBPROCESS_HEAD.length + 3);
      }
    }
    // A cut head that differs from the kept one before the cut, or after it, is parsed: the same events at every
    // split of it as without reuse.
    const before = LIBPROCESS_HEAD.slice();
    before[10] = 0x33; // /slave(1)/ -> /slav3(1)/
    const after = LIBPROCESS_HEAD.slice();
    after[LIBPROCESS_HEAD.length - 20] = 0x43; // Transfer-Encoding -> Transfer-ECcoding (then no framing: an error)
    for (const variant of [before, after]) {
      assertSameAtEverySplit(
        cat(warm(message), variant, CHUNKED_C, message),
        { expect: 'request' },
        undefined,
        warmBytes(message),
      );
    }
  });

  it('202 answers repeated, then one with another length and one that differs in a single byte', () => {
    const other = cat('HTTP/1.1 202 Accepted\r\nContent-Length: 1\r\n\r\nx');
    const oneByte = cat('HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n').map((b, i) => (i === 13 ? 0x61 : b));
    const stream = cat(warm(ACCEPTED), ACCEPTED, other, ACCEPTED, oneByte, ACCEPTED);
    assert.equal(
      countReuse(() => assertSameAtEverySplit(stream, { expect: 'response' }, undefined, warmBytes(ACCEPTED))) > 0,
      true,
    );
    const log = run([stream], { expect: 'response' });
    assert.equal(log.filter((line) => line.includes(' head 202 ')).length, 22);
    assert.equal(log.filter((line) => line.includes(' head 202 "accepted" ')).length, 1);
  });

  it('sixteen heads in turns (a connection interleaving message names) are all kept and reused', () => {
    const names = Array.from({ length: 16 }, (_, k) => `mesos.internal.Message${String.fromCharCode(0x41 + k)}`);
    const messages = names.map((name) =>
      cat(`POST /slave(1)/${name} HTTP/1.1\r\nLibprocess-From: master@10.0.0.1:5050\r\nContent-Length: 1\r\n\r\nx`),
    );
    const rounds = 10;
    const stream = cat(...Array.from({ length: rounds }, () => messages).flat());
    let decoded = 0;
    const reused = countReuse(() => {
      const decoder = new HttpDecoder({ onMessage: () => decoded++ });
      decoder.write(stream);
      decoder.end();
    });
    assert.equal(decoded, rounds * 16);
    // Each head is parsed its first two times (kept the second), then reused every time.
    assert.equal(reused, (rounds - 2) * 16);
    assertSameAtEverySplit(cat(...messages, ...messages, ...messages.slice(0, 3)));
  });

  it('a head in use stays kept while more other heads than the cache holds come and go', () => {
    const message = (name: string) =>
      cat(`POST /slave(1)/${name} HTTP/1.1\r\nLibprocess-From: master@10.0.0.1:5050\r\nContent-Length: 1\r\n\r\nx`);
    const hot = message('mesos.internal.Hot');
    const others = Array.from({ length: 17 }, (_, k) => message(`mesos.internal.Other${k}`));
    // A round: the hot head before every other one (18 heads in all, 16 kept at most).
    const round = cat(...others.flatMap((other) => [hot, other]));
    let decoded = 0;
    const decoder = new HttpDecoder({ onMessage: () => decoded++ });
    // Warm-up: heads get kept as they come again, and looks that find nothing make probes rarer for a while.
    for (let r = 0; r < 4; r++) decoder.write(round);
    // Then the hot head is found every time, and the others, more than the slots left, some of the time: the slot a
    // kept head replaces is taken at random, never the one found last (replacing the one used longest ago would
    // replace each other head just before it comes again).
    let hotFound = 0;
    const hotHead = hot.length - 1;
    const same = KeptHead.prototype.sameBytes;
    let reused = 0;
    KeptHead.prototype.sameBytes = function (...args: Parameters<typeof same>) {
      const found = same.apply(this, args);
      if (found) reused++;
      if (found && this.length === hotHead) hotFound++;
      return found;
    };
    try {
      for (let r = 0; r < 3; r++) decoder.write(round);
    } finally {
      KeptHead.prototype.sameBytes = same;
    }
    decoder.end();
    assert.equal(decoded, 7 * 34);
    assert.equal(hotFound, 3 * 17);
    assert.ok(reused > 3 * 17 + 17, `reused ${reused}`);
    assertSameAtEverySplit(cat(...others.slice(0, 3).flatMap((other) => [hot, other]), hot));
  });

  it('more distinct heads than the cache holds, in turns; requests and responses mixed', () => {
    const heads = Array.from({ length: 18 }, (_, k) => String.fromCharCode(0x61 + k)).map((name) =>
      cat(`POST /p/${name} HTTP/1.1\r\nContent-Length: 1\r\n\r\n${name}`),
    );
    const stream = cat(warm(heads[0]!), ...heads, ...heads.reverse(), ACCEPTED, heads[0]!, ACCEPTED);
    assertSameAtEverySplit(stream, {}, undefined, warmBytes(heads[0]!));
  });

  it('repeated heads with framing facts: Content-Length repeated, Transfer-Encoding lists, a 204 and HEAD answers', () => {
    const post = cat('POST /x HTTP/1.1\r\ncontent-length: 2\r\nContent-Length: 2\r\nX-Other:  v \r\n\r\nok');
    const te = cat('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n');
    const noContent = cat('HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n');
    assertSameAtEverySplit(cat(post, post, te, te, noContent, noContent));
    assertSameAtEverySplit(cat(warm(post), te, post, post), {}, undefined, warmBytes(post));
    assertSameAtEverySplit(cat(warm(te), noContent, te), {}, undefined, warmBytes(te));
    assertSameAtEverySplit(cat(warm(noContent), noContent), {}, undefined, warmBytes(noContent));
    // responseHasNoBody is asked for every message, reused head or not.
    let calls = 0;
    const asked: HttpDecoderOptions = {
      expect: 'response',
      responseHasNoBody: () => ++calls % 2 === 0,
    };
    const ok = cat('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    for (const headCache of [true, false]) {
      calls = 0;
      const log = run([warm(ok, 20)], { ...asked, headCache });
      assert.equal(calls, 20);
      assert.deepEqual(
        log
          .filter((line) => line.includes(' head '))
          .map((line) => line.split('framing=')[1])
          .slice(16),
        ['content-length len=0', 'none len=undefined', 'content-length len=0', 'none len=undefined'],
      );
    }
  });

  it('folded heads (obsFold) and bare LF (bareLf) are reused too', () => {
    const folded = cat('POST /f HTTP/1.1\r\nUser-Agent: a\r\n  b\r\nContent-Length: 0\r\n\r\n');
    assert.ok(
      countReuse(() =>
        assertSameAtEverySplit(cat(warm(folded), folded), { lenient: { obsFold: true } }, undefined, warmBytes(folded)),
      ) > 0,
    );
    const bare = cat('GET /g HTTP/1.1\nHost: h\nAccept: */*\n\n');
    assert.ok(
      countReuse(() =>
        assertSameAtEverySplit(cat(warm(bare), bare), { lenient: { bareLf: true } }, undefined, warmBytes(bare)),
      ) > 0,
    );
  });

  it('an error after a reused head has the same code and offset, and nothing follows it', () => {
    const limited = cat('POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc');
    const tooBig = cat('POST /x HTTP/1.1\r\nContent-Length: 9\r\n\r\n');
    const log = assertSameAtEverySplit(
      cat(warm(limited), limited, tooBig, limited),
      { maxBodyBytes: 8 },
      undefined,
      warmBytes(limited),
    );
    assert.equal(log.at(-1), `off=${18 * limited.length + 34} error MW_HTTP_BODY_TOO_LARGE`);
    const message = cat(LIBPROCESS_HEAD, CHUNKED_AB);
    const badChunk = cat(warm(message), LIBPROCESS_HEAD, 'x\r\n');
    const log2 = assertSameAtEverySplit(badChunk, { expect: 'request' }, undefined, warmBytes(message));
    assert.equal(log2.at(-1), `off=${17 * message.length + LIBPROCESS_HEAD.length} error MW_HTTP_BAD_CHUNK_SIZE`);
    assert.equal(log2.filter((line) => line.includes(' error ')).length, 1);
  });

  it('a head kept after one start line is not taken for another; limits and request-only errors as when parsed', () => {
    const block = 'Content-Length: 1\r\nContent-Type: a/b\r\n\r\nz';
    const first = `POST /a HTTP/1.1\r\n${block}`;
    assertSameAtEverySplit(
      cat(warm(cat(first)), `POST /bb HTTP/1.1\r\n${block}HTTP/1.1 200 OK\r\n${block}`, first),
      {},
      undefined,
      warmBytes(first),
    );
    // The second head is one byte longer than the limit allows: refused at the same offset as when parsed.
    const log = assertSameAtEverySplit(
      cat(warm(cat(first)), `POST /bb HTTP/1.1\r\n${block}`),
      { maxHeaderBytes: first.length - 1 },
      undefined,
      warmBytes(first),
    );
    assert.equal(log.at(-1), `off=${18 * first.length - 1} error MW_HTTP_HEADERS_TOO_LARGE`);
    // A head valid as a 204 answer is kept; a request with the same header lines fails as a request would.
    const gzip = 'Transfer-Encoding: gzip\r\n\r\n';
    const answer = `HTTP/1.1 204 No Content\r\n${gzip}`;
    const log2 = assertSameAtEverySplit(
      cat(warm(cat(answer)), `POST /x HTTP/1.1\r\n${gzip}`),
      {},
      undefined,
      warmBytes(answer),
    );
    const valueAt = 17 * answer.length + 'POST /x HTTP/1.1\r\nTransfer-Encoding: '.length;
    assert.equal(log2.at(-1), `off=${valueAt} error MW_HTTP_BAD_TRANSFER_ENCODING`);
  });

  it('random streams of repeated, mutated heads: the same events with and without reuse (time-bounded)', () => {
    const parts = [
      LIBPROCESS_HEAD,
      CHUNKED_AB,
      CHUNKED_C,
      ACCEPTED,
      cat('POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Type: a/b\r\n\r\nq'),
      cat('HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 0\r\n\r\n'),
      cat('\r\n'),
    ];
    const stream = fc
      .tuple(
        fc.array(fc.nat(parts.length - 1), { minLength: 1, maxLength: 12 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 3 }),
      )
      .map(([picks, mutations]) => {
        // A warm-up of 17 copies of one message gets it kept; the mutations fall after it.
        const prefix = warm(cat(...picks.slice(0, 1).map((p) => parts[p]!)));
        const out = Array.from(cat(...picks.map((p) => parts[p]!)));
        for (const [at, b] of mutations) out[at % out.length] = b;
        return cat(prefix, Uint8Array.from(out));
      });
    const cuts = fc.array(fc.nat(), { maxLength: 6 });
    fc.assert(
      fc.property(stream, cuts, fc.boolean(), (data, cutAt, obsFold) => {
        const points = [...new Set(cutAt.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
        const pieces: Uint8Array[] = [];
        let from = 0;
        for (const p of points) {
          pieces.push(data.slice(from, p));
          from = p;
        }
        pieces.push(data.slice(from));
        const options: HttpDecoderOptions = { lenient: { obsFold } };
        assert.deepEqual(run(pieces, options), run([data], { ...options, headCache: false }));
      }),
      { numRuns: 20_000, interruptAfterTimeLimit: 1000, markInterruptAsFailure: false },
    );
  });
});

describe('KeptHead.sameBytes: 8-byte words (writes of 4 KiB or more) against bytes', () => {
  /** A kept head over `bytes` (only its bytes matter to sameBytes). */
  function keptOf(bytes: Uint8Array): KeptHead {
    const src = new Uint8Array(bytes.length + 3);
    src.set(bytes, 3);
    return new KeptHead(src, 3, bytes.length, false, '1.1', 'POST', 0, 0, 0, 0, 0, false, -1, 0, false, false, 0);
  }

  /** sameBytes at every position of a 4 KiB+ write at every byte offset of its ArrayBuffer, as the decoder calls it. */
  function assertAgrees(head: Uint8Array, variants: Uint8Array[]): void {
    const kept = keptOf(head);
    for (let shift = 0; shift < 8; shift++) {
      const memory = new ArrayBuffer(8200 + shift);
      const b = new Uint8Array(memory, shift, 8192);
      const words = new Float64Array(memory, 0, memory.byteLength >>> 3);
      for (let v = 0; v < variants.length; v++) {
        const at = (v * 37 + shift) % (8192 - head.length);
        b.fill(0x2e);
        b.set(variants[v]!, at);
        const equal = variants[v]!.every((x, i) => x === head[i]);
        assert.equal(kept.sameBytes(b, words, at), equal, `shift ${shift} variant ${v} at ${at}`);
        assert.equal(kept.sameBytes(b, undefined, at), equal, `bytes: shift ${shift} variant ${v}`);
      }
    }
  }

  /** The head itself, and a copy with each byte changed in turn (to a value that is one bit away). */
  function oneByteOff(head: Uint8Array): Uint8Array[] {
    const out = [head.slice()];
    for (let i = 0; i < head.length; i++) {
      const changed = head.slice();
      changed[i]! ^= 1 << (i % 8);
      out.push(changed);
    }
    return out;
  }

  it('agrees with a byte comparison at every alignment, for the head and for each byte changed', () => {
    assertAgrees(LIBPROCESS_HEAD, oneByteOff(LIBPROCESS_HEAD));
    assertAgrees(ACCEPTED, oneByteOff(ACCEPTED));
    for (const length of [8, 9, 15, 16, 17, 23]) {
      const head = cat('GET /'.padEnd(length - 4, 'x'), '\r\n\r\n').subarray(0, length);
      assertAgrees(head, oneByteOff(head));
    }
  });

  it('words that read as zero or NaN are compared byte by byte (equal doubles there need not be equal bytes)', () => {
    // obs-text 0xff: eight of them read as a NaN; a word of 0x00 bytes is +0 and equals -0 (0x80 last).
    const nan = cat('POST /n HTTP/1.1\r\nX: ', new Uint8Array(24).fill(0xff), '\r\n\r\n');
    const otherNan = nan.slice();
    otherNan[30] = 0xfe; // still a NaN word, another payload
    assertAgrees(nan, [...oneByteOff(nan), otherNan]);
    const zeros = cat('POST /z HTTP/1.1\r\n', new Uint8Array(24), '\r\n\r\n');
    const variants = [zeros.slice()];
    for (let i = 18; i < 42; i++) {
      const minusZero = zeros.slice();
      minusZero[i] = 0x80;
      variants.push(minusZero);
    }
    assertAgrees(zeros, variants);
  });

  it('a stream of 4 KiB+ writes at every byte offset: the same events with and without reuse', () => {
    const message = cat(LIBPROCESS_HEAD, CHUNKED_AB);
    const changed = cat(LIBPROCESS_HEAD, CHUNKED_C);
    changed[100] = 0x61;
    const stream = cat(warm(message, 40), changed, warm(message, 10), ACCEPTED, warm(message, 30));
    assert.ok(stream.length > 2 * 4096);
    const reference = run([stream.slice()], { headCache: false });
    for (let shift = 0; shift < 8; shift++) {
      const memory = new Uint8Array(stream.length + shift);
      memory.set(stream, shift);
      const inPlace = memory.subarray(shift);
      for (const cut of [0, 4096, 5000 + shift, stream.length - 4096]) {
        const pieces = [inPlace.subarray(0, cut), inPlace.subarray(cut)];
        const reused = countReuse(() => assert.deepEqual(run(pieces, {}), reference, `shift ${shift} cut ${cut}`));
        assert.ok(reused > 20, `shift ${shift} cut ${cut}: ${reused} reused`);
      }
    }
  });
});

describe('deriveFromHead', () => {
  it('computes once per kept head, for every message repeating it; afresh for other heads and plain objects', () => {
    const key = {};
    const other = {};
    for (const headCache of [true, false]) {
      let calls = 0;
      const derived: string[] = [];
      const decoder = new HttpDecoder(
        {
          onMessage: (m) => {
            const value = deriveFromHead(m, key, (h) => {
              calls++;
              return `${h.kind === 'request' ? h.target : ''} ${getHeader(h, 'Libprocess-From')}`;
            });
            derived.push(value);
          },
        },
        { headCache },
      );
      // 17 copies get the head kept (the 17th), the next 3 reuse it; then another head, then the first again.
      const message = cat(LIBPROCESS_HEAD, CHUNKED_AB);
      decoder.write(cat(warm(message, 20), 'POST /other HTTP/1.1\r\nContent-Length: 0\r\n\r\n', message));
      assert.equal(derived.length, 22);
      assert.deepEqual(new Set(derived), new Set(['/slave(1)/x.Y m@1.2.3.4:5', '/other undefined']));
      // With reuse: the 17th head is parsed and kept, the 18th reuses it and computes the value that the 19th and 20th
      // get; /other and the 22nd (not looked for right after a miss) are parsed afresh and compute theirs.
      assert.equal(calls, headCache ? 20 : 22);
    }
    // A head keeps the values of its last two keys (each computed once per kept head); a third key replaces the older
    // value, and every derivation stays right.
    const third = {};
    const seen: string[] = [];
    const computed = { a: 0, b: 0, c: 0 };
    const derive = (name: 'a' | 'b' | 'c') => () => {
      computed[name]++;
      return name;
    };
    const decoder = new HttpDecoder({
      onMessage: (m) => {
        seen.push(deriveFromHead(m, key, derive('a')));
        seen.push(deriveFromHead(m, other, derive('b')));
      },
    });
    decoder.write(warm(cat(LIBPROCESS_HEAD, CHUNKED_AB), 20));
    assert.deepEqual(seen, new Array(20).fill(['a', 'b']).flat());
    // Copies 1-17 are parsed afresh (17 computations each); the 18th computes for the kept head, the 19th and 20th reuse.
    assert.deepEqual(computed, { a: 18, b: 18, c: 0 });
    const cycled: string[] = [];
    const cycling = new HttpDecoder({
      onMessage: (m) => {
        for (const [k, name] of [
          [key, 'a'],
          [other, 'b'],
          [third, 'c'],
        ] as const)
          cycled.push(deriveFromHead(m, k, derive(name)));
      },
    });
    cycling.write(warm(cat(LIBPROCESS_HEAD, CHUNKED_AB), 20));
    assert.deepEqual(cycled, new Array(20).fill(['a', 'b', 'c']).flat());
    // Three keys in turn: each replaces the oldest of the two kept, so every message computes all three again.
    assert.deepEqual(computed, { a: 38, b: 38, c: 20 });
    const plain: HttpHead = {
      kind: 'request',
      method: 'GET',
      target: '/p',
      offset: 0,
      version: '1.1',
      headers: [],
      headerBytes: 16,
      framing: 'none',
    };
    let plainCalls = 0;
    for (let i = 0; i < 3; i++)
      assert.equal(
        deriveFromHead(plain, key, () => ++plainCalls),
        i + 1,
      );
  });
});

describe('chunk sizes', () => {
  it('read during the message (onChunk) and after it, one chunk or several, reused head or not', () => {
    const several = cat(LIBPROCESS_HEAD, '1\r\na\r\n2\r\nbc\r\n3\r\ndef\r\n0\r\n\r\n');
    const one = cat(LIBPROCESS_HEAD, CHUNKED_C);
    for (const headCache of [true, false]) {
      const log: string[] = [];
      const decoder = new HttpDecoder(
        {
          onChunk: (h, size) => {
            // Read after the first size only on odd sizes: reading makes the list, later sizes are appended to it.
            if (size % 2 === 1 && h.kind === 'request')
              log.push(`chunk ${size} [${(h as unknown as { chunks: number[] }).chunks}]`);
          },
          onMessage: (m) => log.push(`message [${m.chunks}] ${Object.isFrozen(m.chunks)}`),
        },
        { headCache },
      );
      decoder.write(cat(warm(one), several, one, cat('POST /n HTTP/1.1\r\nContent-Length: 0\r\n\r\n')));
      assert.deepEqual(log.slice(-6), [
        'chunk 1 [1]',
        'chunk 3 [1,2,3]',
        'message [1,2,3] false',
        'chunk 1 [1]',
        'message [1] false',
        'message [] true',
      ]);
    }
  });
});

describe('internLatin1', () => {
  it('spans that differ in one byte (a slot collision) each come back as their own text, again and again', () => {
    const spans = ['/slave(1)/X', '/slave(5)/X', '/slave(9)/X', 'slave(1)@10.0.0.1:5051', 'slave(7)@10.0.0.1:5051'];
    const bytes = spans.map((text) => cat(`.${text}.`));
    for (let round = 0; round < 3; round++) {
      for (let k = 0; k < spans.length; k++) {
        assert.equal(internLatin1(bytes[k]!, 1, bytes[k]!.length - 1), spans[k]);
      }
    }
  });
});

describe('SharedHeadCache (kept heads shared by decoders)', () => {
  const message = cat(LIBPROCESS_HEAD, CHUNKED_AB);
  const request = { expect: 'request' } as const;

  it('lineHash reads up to the first LF within reach, and nothing after it', () => {
    const line = ascii('GET / HTTP/1.1\r\n');
    const h = lineHash(cat(line, 'Host: a\r\n\r\n'), 0, 27);
    assert.ok(h >= 0 && h <= 0x7fffffff);
    assert.equal(lineHash(cat(line, 'X: other\r\n\r\n'), 0, 28), h);
    assert.equal(lineHash(cat('xy', line), 2, 18), h);
    // The start line of another target, or a line without its LF before `end`, hashes otherwise or not at all.
    assert.notEqual(lineHash(ascii('GET /a HTTP/1.1\r\n'), 0, 17), h);
    assert.equal(lineHash(line, 0, line.length - 1), NO_LINE_HASH);
    const long = ascii(`GET /${'x'.repeat(MAX_HASHED_LINE)} HTTP/1.1\r\n`);
    assert.equal(lineHash(long, 0, long.length), NO_LINE_HASH);
  });

  it('a head kept by one decoder is reused by the next one; events as parsed afresh at every split', () => {
    const cache = new SharedHeadCache();
    // The first sighting leaves a fingerprint, the second is kept, the third is found.
    assert.equal(
      countReuse(() => run([message, message], { ...request, headCache: cache })),
      0,
    );
    assert.equal(cache.kept, 1);
    assert.equal(
      countReuse(() => run([message], { ...request, headCache: cache })),
      1,
    );
    const input = cat(message, LIBPROCESS_HEAD, CHUNKED_C);
    const reference = run([input], { ...request, headCache: false });
    let reused = 0;
    for (const { label, pieces } of everySplit(input)) {
      reused += countReuse(() => assert.deepEqual(run(pieces, { ...request, headCache: cache }), reference, label));
    }
    assert.ok(reused > input.length, `${reused} reused`);
    // A head cut by a write is parsed afresh (and found kept already: nothing kept twice).
    assert.equal(cache.kept, 1);
  });

  it('decoders with other options use other tables: limits and expect hold as in a fresh parse', () => {
    const cache = new SharedHeadCache();
    run([message, message, ACCEPTED, ACCEPTED], { headCache: cache });
    assert.equal(cache.kept, 2);
    assert.equal(
      countReuse(() => run([message, ACCEPTED], { headCache: cache })),
      2,
    );
    for (const options of [
      { expect: 'request' },
      { expect: 'response' },
      { maxHeaderBytes: 100 },
      { maxHeaderCount: 3 },
      { lenient: { bareLf: true } },
    ] as HttpDecoderOptions[]) {
      for (const input of [message, ACCEPTED]) {
        const fresh = run([input], { ...options, headCache: false });
        assert.equal(
          countReuse(() => assert.deepEqual(run([input], { ...options, headCache: cache }), fresh)),
          0,
          JSON.stringify(options),
        );
      }
    }
    assert.ok(run([message], { maxHeaderBytes: 100, headCache: cache }).at(-1)!.endsWith('MW_HTTP_HEADERS_TOO_LARGE'));
  });

  it('small views of a large buffer (capture payloads) compare by words at every alignment: events as afresh', () => {
    const message2 = cat(LIBPROCESS_HEAD, CHUNKED_C);
    const changed = message2.slice();
    changed[120] ^= 0x01;
    const messages = [message, message, message2, changed, ACCEPTED, ACCEPTED, message, changed, message2, ACCEPTED];
    const stream = cat(...messages);
    const reference = run([stream], { headCache: false });
    for (let shift = 0; shift < 8; shift++) {
      // One 8 KiB buffer holding the stream at `shift`, written as views: one per message (a segment each), or cut
      // every 100-300 bytes.
      const memory = new Uint8Array(8192);
      memory.set(stream, shift);
      const perMessage: Uint8Array[] = [];
      for (let at = 0, k = 0; k < messages.length; at += messages[k]!.length, k++) {
        perMessage.push(memory.subarray(shift + at, shift + at + messages[k]!.length));
      }
      const cut: Uint8Array[] = [];
      for (let at = 0, k = 0; at < stream.length; k++) {
        const size = 100 + ((k * 37) % 200);
        cut.push(memory.subarray(shift + at, shift + Math.min(stream.length, at + size)));
        at += size;
      }
      const cache = new SharedHeadCache();
      const reused = countReuse(() => {
        for (const pieces of [perMessage, perMessage, cut]) {
          assert.deepEqual(run(pieces, { headCache: cache }), reference, `shift ${shift}`);
        }
      });
      // The second pass over whole messages finds every head kept in the first (the changed one too).
      assert.ok(reused >= messages.length, `shift ${shift}: ${reused} reused`);
    }
  });

  it('heads longer than MAX_SHARED_HEAD_BYTES are parsed every time, never kept: the table memory stays bounded', () => {
    const big = cat(
      `POST /master/x.Y HTTP/1.1\r\nX-Pad: ${'p'.repeat(MAX_SHARED_HEAD_BYTES)}\r\nContent-Length: 0\r\n\r\n`,
    );
    const limit = cat(
      `POST /master/x.Y HTTP/1.1\r\nX-Pad: ${'p'.repeat(MAX_SHARED_HEAD_BYTES - 57)}\r\nContent-Length: 0\r\n\r\n`,
    );
    assert.equal(limit.length, MAX_SHARED_HEAD_BYTES);
    const cache = new SharedHeadCache();
    const input = cat(big, big, big, big, limit, limit, limit);
    const reused = countReuse(() =>
      assert.deepEqual(run([input], { headCache: cache }), run([input], { headCache: false })),
    );
    assert.equal(cache.kept, 1);
    assert.equal(reused, 1);
  });

  it('heads with one start line share a bucket; the least recently used makes room; events as parsed afresh', () => {
    // Five senders of one message name and target: one start line, five heads (a bucket keeps four).
    const [a, b, c, d, e] = Array.from({ length: 5 }, (_, i) =>
      cat(
        `POST /master/x.Y HTTP/1.1\r\nLibprocess-From: s${'x'.repeat(i)}@10.0.0.1:5050\r\nContent-Length: 1\r\n\r\n${i}`,
      ),
    ) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    const cache = new SharedHeadCache();
    // Seen once, then kept (the bucket holds e d c b: a made room); e d c b found (b c d e); a kept anew in place of
    // e, and found; e kept anew in place of d, and found; d kept anew.
    const input = cat(a, b, c, d, e, a, b, c, d, e, e, d, c, b, a, a, e, e, d);
    const reused = countReuse(() =>
      assert.deepEqual(run([input], { headCache: cache }), run([input], { headCache: false })),
    );
    assert.equal(reused, 4 + 1 + 1);
    assert.equal(cache.kept, 5 + 3);
  });

  it('property: decoders sharing a cache, writes interleaved at random cuts, give the events of a fresh parse', () => {
    const pool = [
      message,
      cat(LIBPROCESS_HEAD, CHUNKED_C),
      cat(LIBPROCESS_HEAD.subarray(0, 40), 'Z', LIBPROCESS_HEAD.subarray(41), CHUNKED_AB),
      ACCEPTED,
      cat('POST /master/x.Y HTTP/1.1\r\nContent-Length: 2\r\n\r\nab'),
      cat('POST /master/x.Y HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc'),
      cat('GET /state HTTP/1.1\r\nHost: m\r\n\r\n'),
      cat('POST /bad HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n'),
    ];
    const reused = countReuse(() =>
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat(2), fc.nat(pool.length - 1)), { minLength: 1, maxLength: 40 }),
          fc.array(fc.nat(), { maxLength: 60 }),
          (sends, cutSeeds) => {
            const inputs: Uint8Array[][] = [[], [], []];
            for (const [d, m] of sends) inputs[d]!.push(pool[m]!);
            const streams = inputs.map((parts) => cat(...parts));
            const expected = streams.map((s) => run([s], { headCache: false }));
            // Each stream cut at random points; the pieces of the three decoders written in turn.
            const cache = new SharedHeadCache();
            const logs: string[][] = [[], [], []];
            const decoders = logs.map((log) => logDecoder(log, { headCache: cache }));
            const pieces = streams.map((s, d) =>
              cutAt(
                s,
                cutSeeds.filter((_, i) => i % 3 === d),
              ),
            );
            for (let round = 0; pieces.some((p) => round < p.length); round++) {
              for (let d = 0; d < 3; d++) if (round < pieces[d]!.length) decoders[d]!.write(pieces[d]![round]!);
            }
            for (const decoder of decoders) decoder.end();
            assert.deepEqual(logs, expected);
          },
        ),
        { numRuns: 300, seed: 28 },
      ),
    );
    assert.ok(reused > 50, `${reused} reused`);
  });
});

/** `bytes` cut at the given points (taken modulo its length, sorted). */
function cutAt(bytes: Uint8Array, seeds: number[]): Uint8Array[] {
  const cuts = [...new Set(seeds.map((s) => s % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(bytes.subarray(at, cut));
    at = cut;
  }
  return out;
}

/** A decoder that logs like run() into `log` (an error ends its log; writes after it are ignored). */
function logDecoder(log: string[], options: HttpDecoderOptions): { write(b: Uint8Array): void; end(): void } {
  let failed = false;
  const decoder = new HttpDecoder(
    {
      onHead: (h) => log.push(...describeHead(h)),
      onChunk: (_h, size, offset) => log.push(`off=${offset} chunk ${size}`),
      onMessage: (m) => log.push(`off=${m.end} message body=${toHexString(m.body)} chunks=[${m.chunks}]`),
    },
    options,
  );
  const guard = (f: () => void) => {
    if (failed) return;
    try {
      f();
    } catch (e) {
      if (!isMesosWireError(e)) throw e;
      failed = true;
      log.push(`off=${e.offset} error ${e.code}`);
    }
  };
  return { write: (b) => guard(() => decoder.write(b)), end: () => guard(() => decoder.end()) };
}

/** Which events a handler listens to (a one-chunk message after a kept head is taken in one step without onChunk). */
type Listening = 'message' | 'head, body, message' | 'head, streamed body, message';
const LISTENINGS: Listening[] = ['message', 'head, body, message', 'head, streamed body, message'];

/**
 * Events of `pieces` for a handler listening as `listening` says, each logged with every fact a reader sees at that
 * moment (the body and end of the message in progress too).
 */
function runListening(pieces: Uint8Array[], options: HttpDecoderOptions, listening: Listening = 'message'): string[] {
  const log: string[] = [];
  const facts = (m: HttpMessage) =>
    `end=${m.end} bodyOffset=${m.bodyOffset} body=${toHexString(m.body)} chunks=[${m.chunks}] trailers=${JSON.stringify(m.trailers)}`;
  const onMessage = (m: HttpMessage) => {
    log.push(...describeHead(m));
    log.push(`  message ${facts(m)}`);
  };
  const handler =
    listening === 'message'
      ? { onMessage }
      : {
          onHead: (h: HttpHead) => log.push(`head ${facts(h as HttpMessage)}`),
          onBody: (h: HttpHead, piece: Uint8Array, offset: number) =>
            log.push(`off=${offset} body ${toHexString(piece)}, so far ${facts(h as HttpMessage)}`),
          onMessage,
        };
  const decoder = new HttpDecoder(handler, { ...options, streamBodies: listening === 'head, streamed body, message' });
  return feedAll(decoder, pieces, log);
}

describe('HttpDecoder: one-chunk messages after a kept head (taken in one step by handlers without onChunk)', () => {
  // After the warm-up (the head kept), bodies of every shape: the one-step shape (one chunk, then the last chunk
  // and no trailers) and every shape next to it that the states must take instead.
  const bodies = [
    hex('310d0a630d0a300d0a0d0a'), // 1 byte
    cat('10\r\n', 'x'.repeat(16), '\r\n0\r\n\r\n'), // two hex digits
    cat('A\r\n', 'y'.repeat(10), '\r\n0\r\n\r\n'), // uppercase hex
    cat('02\r\nab\r\n0\r\n\r\n'), // a leading zero
    cat('0\r\n\r\n'), // no body
    cat('2;e=v\r\nab\r\n0\r\n\r\n'), // a chunk extension
    cat('2\r\nab\r\n0\r\nX-T: 1\r\n\r\n'), // a trailer
    cat('2\r\nab\r\n1\r\nc\r\n0\r\n\r\n'), // two chunks
  ];
  const stream = cat(warm(cat(LIBPROCESS_HEAD, CHUNKED_AB)), ...bodies.flatMap((b) => [LIBPROCESS_HEAD, b]));

  it('every body shape at every split, for each way of listening: the events of a fresh parse', () => {
    const whole = warmBytes(cat(LIBPROCESS_HEAD, CHUNKED_AB));
    const at = 17 * (LIBPROCESS_HEAD.length + CHUNKED_AB.length);
    for (const listening of LISTENINGS) {
      const reference = runListening([stream.slice()], { headCache: false }, listening);
      assert.equal(reference.filter((line) => line.startsWith('  message ')).length, 17 + bodies.length);
      // Literal facts of the first message after the warm-up (157-byte head, "1\r\nc\r\n0\r\n\r\n").
      const first = reference.filter((line) => line.startsWith('  message '))[17];
      const body = listening === 'head, streamed body, message' ? '' : '63';
      assert.equal(first, `  message end=${at + 168} bodyOffset=${at + 160} body=${body} chunks=[1] trailers=[]`);
      if (listening !== 'message') {
        const events = reference.filter((line) => !line.startsWith(' '));
        const third = events.indexOf(
          `off=${at + 160} body 63, so far end=-1 bodyOffset=${at + 160} body= chunks=[1] trailers=[]`,
        );
        assert.equal(events[third - 1], 'head end=-1 bodyOffset=undefined body= chunks=[] trailers=[]');
      }
      let reused = 0;
      for (const { label, pieces } of everySplit(stream.subarray(whole))) {
        const all = [stream.slice(0, whole), ...pieces];
        // Body pieces follow the writes: the reference is a fresh parse of the same writes.
        const fresh = runListening(all, { headCache: false }, listening);
        if (listening === 'message') assert.deepEqual(fresh, reference);
        reused += countReuse(() => {
          const cached = runListening(all, { expect: 'request' }, listening);
          if (JSON.stringify(cached) !== JSON.stringify(fresh)) assert.deepEqual(cached, fresh, label);
        });
        const shared = runListening(all, { expect: 'request', headCache: new SharedHeadCache() }, listening);
        if (JSON.stringify(shared) !== JSON.stringify(fresh)) assert.deepEqual(shared, fresh, `${label} shared`);
      }
      assert.ok(reused > 0);
    }
  });

  it('limits: the body limit and the chunk-size digits give the errors of a fresh parse, at the same offsets', () => {
    const big = cat(LIBPROCESS_HEAD, '3\r\nabc\r\n0\r\n\r\n');
    const long = cat(LIBPROCESS_HEAD, '10\r\n', 'z'.repeat(16), '\r\n0\r\n\r\n');
    const input = (last: Uint8Array) => cat(warm(cat(LIBPROCESS_HEAD, CHUNKED_AB)), last);
    const cases: [Uint8Array, HttpDecoderOptions, Listening, string][] = [
      [input(big), { maxBodyBytes: 3 }, 'message', 'message end='],
      [input(big), { maxBodyBytes: 2 }, 'message', 'MW_HTTP_BODY_TOO_LARGE'],
      [input(big), { maxBodyBytes: 2 }, 'head, body, message', 'MW_HTTP_BODY_TOO_LARGE'],
      // Streamed bodies are not collected: no body limit.
      [input(big), { maxBodyBytes: 2 }, 'head, streamed body, message', 'message end='],
      [input(long), { maxChunkSizeDigits: 2 }, 'message', 'message end='],
      [input(long), { maxChunkSizeDigits: 1 }, 'message', 'MW_HTTP_CHUNK_SIZE_OVERFLOW'],
      [input(long), { maxChunkSizeDigits: 1 }, 'head, streamed body, message', 'MW_HTTP_CHUNK_SIZE_OVERFLOW'],
    ];
    for (const [data, options, listening, outcome] of cases) {
      const label = `${JSON.stringify(options)} ${listening}`;
      const reference = runListening([data], { ...options, headCache: false }, listening);
      assert.ok(reference.at(-1)!.includes(outcome), `${label}: ${reference.at(-1)}`);
      for (const pieces of [[data], cutAt(data, [data.length - 20]), cutAt(data, [data.length - 1])]) {
        const fresh = runListening(pieces, { ...options, headCache: false }, listening);
        assert.equal(fresh.at(-1), reference.at(-1));
        assert.deepEqual(runListening(pieces, options, listening), fresh, label);
        assert.deepEqual(runListening(pieces, { ...options, headCache: new SharedHeadCache() }, listening), fresh);
      }
    }
  });

  it('a handler that throws in onHead or onBody fails the decoder as the states would (same error, nothing after)', () => {
    const data = cat(warm(cat(LIBPROCESS_HEAD, CHUNKED_AB)), LIBPROCESS_HEAD, CHUNKED_C);
    for (const where of ['onHead', 'onBody'] as const) {
      const outcome = (options: HttpDecoderOptions) => {
        const log: string[] = [];
        let messages = 0;
        const decoder = new HttpDecoder(
          {
            onHead: () => {
              if (where === 'onHead' && messages === 17) throw new Error('boom');
            },
            onBody: () => {
              if (where === 'onBody' && messages === 17) throw new Error('boom');
            },
            onMessage: (m) => {
              messages++;
              log.push(`message ${m.end}`);
            },
          },
          options,
        );
        try {
          decoder.write(data);
        } catch (e) {
          log.push(`threw ${(e as Error).message}; failed ${decoder.error?.code} at ${decoder.error?.offset}`);
        }
        // Failed: the next write throws the same error and delivers nothing.
        assert.throws(
          () => decoder.write(CHUNKED_C),
          (e) => e === decoder.error,
        );
        return log;
      };
      const reference = outcome({ headCache: false });
      assert.equal(reference.length, 18);
      assert.match(reference.at(-1)!, /^threw boom; failed MW_DECODER_FAILED at \d+$/);
      assert.deepEqual(outcome({}), reference);
      assert.deepEqual(outcome({ headCache: new SharedHeadCache() }), reference);
    }
  });

  it('property: libprocess streams with random bodies, cut at random: the events of a fresh parse', () => {
    const message = fc.oneof(
      fc
        .uint8Array({ minLength: 1, maxLength: 300 })
        .map((b) => cat(LIBPROCESS_HEAD, b.length.toString(16), '\r\n', b, '\r\n0\r\n\r\n')),
      fc.constantFrom(...bodies.map((b) => cat(LIBPROCESS_HEAD, b))),
      fc.constant(ACCEPTED),
    );
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        fc.constantFrom(...LISTENINGS),
        fc.boolean(),
        (messages, seeds, listening, shared) => {
          const data = cat(warm(cat(LIBPROCESS_HEAD, CHUNKED_AB)), ...messages);
          const options: HttpDecoderOptions = shared ? { headCache: new SharedHeadCache() } : {};
          const pieces = cutAt(data, seeds);
          assert.deepEqual(
            runListening(pieces, options, listening),
            runListening(pieces, { headCache: false }, listening),
          );
        },
      ),
      { numRuns: 2_000, interruptAfterTimeLimit: 2000, markInterruptAsFailure: false },
    );
  });
});
