/**
 * Test harness for the HTTP decoder: runs an input through HttpDecoder and renders the events as an llhttp-style log
 * (`off=<offset> <event> ...`), so that every way of splitting the input can be compared with one expected log.
 * Body pieces are not logged one by one (their cut depends on the split); the harness checks instead that the pieces
 * are contiguous and add up to the message body.
 */

import assert from 'node:assert/strict';
import { isMesosWireError } from '../../src/errors.ts';
import { HttpDecoder, type HttpDecoderOptions } from '../../src/http/decoder.ts';
import type { HttpHead, HttpMessage } from '../../src/http/types.ts';
import { everySplit, toHexString } from '../helpers/bytes.ts';

export interface RunOptions {
  /** Call end() after the last piece (default true). */
  end?: boolean;
  /** After an error, log it, call resync() and go on with the next pieces. */
  resync?: boolean;
}

function printable(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b < 0x20 || b > 0x7e) return false;
  return true;
}

/** `"text"` for printable bodies, `hex:...` otherwise. */
export function showBytes(bytes: Uint8Array): string {
  return printable(bytes) ? JSON.stringify(String.fromCharCode(...bytes)) : `hex:${toHexString(bytes)}`;
}

function headLine(h: HttpHead): string {
  const framing = h.framing === 'content-length' ? `content-length(${h.contentLength})` : h.framing;
  const start =
    h.kind === 'request'
      ? `request ${h.method} ${h.target} HTTP/${h.version}`
      : `response HTTP/${h.version} ${h.status} ${JSON.stringify(h.reason)}`;
  return `off=${h.offset} ${start} framing=${framing} headerBytes=${h.headerBytes}`;
}

function messageLine(m: HttpMessage, body: Uint8Array): string {
  let line = `off=${m.end} message body=${showBytes(body)}`;
  if (m.framing === 'chunked') line += ` chunks=[${m.chunks.join(',')}]`;
  if (m.trailers.length > 0) line += ` trailers=${m.trailers.map((t) => `${t.name}: ${t.value}`).join(' | ')}`;
  return line;
}

/** Decode `pieces` in order and return the event log; checks the invariants every run must keep. */
export function decodeLog(pieces: Uint8Array[], options: HttpDecoderOptions = {}, run: RunOptions = {}): string[] {
  const log: string[] = [];
  let bodyParts: Uint8Array[] = [];
  let nextBodyOffset = -1;
  let current: HttpHead | undefined;
  const decoder = new HttpDecoder(
    {
      onHead(h) {
        assert.equal(current, undefined, 'onHead while a message is open');
        current = h;
        log.push(headLine(h));
        for (const { name, value } of h.headers) log.push(`  header ${name}: ${value}`);
        nextBodyOffset = -1;
        bodyParts = [];
      },
      onChunk(h, size, offset) {
        assert.equal(h, current);
        log.push(`off=${offset} chunk size=${size}`);
      },
      onBody(h, piece, offset) {
        assert.equal(h, current);
        assert.ok(piece.length > 0, 'empty body piece');
        if (nextBodyOffset >= 0 && h.framing !== 'chunked')
          assert.equal(offset, nextBodyOffset, 'body pieces contiguous');
        nextBodyOffset = offset + piece.length;
        bodyParts.push(piece.slice());
      },
      onMessage(m) {
        assert.equal(m, current, 'onMessage gets the object onHead got');
        current = undefined;
        const joined = new Uint8Array(Buffer.concat(bodyParts));
        if (options.streamBodies) {
          // Bodies are only streamed: log what onBody saw.
          assert.equal(m.body.length, 0, 'streamBodies collects nothing');
          log.push(messageLine(m, joined));
        } else {
          assert.equal(toHexString(joined), toHexString(m.body), 'onBody pieces add up to the body');
          log.push(messageLine(m, m.body));
        }
        assert.equal(m.end - m.offset >= m.headerBytes + joined.length, true, 'end covers head and body');
      },
    },
    options,
  );
  const fail = (e: unknown): void => {
    if (!isMesosWireError(e)) throw e;
    log.push(`off=${e.offset} error ${e.code}`);
    assert.equal(decoder.error, e);
    current = undefined;
  };
  for (const piece of pieces) {
    for (;;) {
      try {
        if (decoder.error === undefined) decoder.write(piece);
        else {
          // Failed and not resyncing: writes re-throw the same error and emit nothing.
          const before = log.length;
          assert.throws(
            () => decoder.write(piece),
            (e) => e === decoder.error,
          );
          assert.equal(log.length, before);
        }
        break;
      } catch (e) {
        fail(e);
        // resync() may run into the next error in the rest of the failed write: resync again until it settles.
        while (run.resync) {
          try {
            decoder.resync();
            break;
          } catch (again) {
            fail(again);
          }
        }
        break;
      }
    }
  }
  if (run.end !== false && decoder.error === undefined) {
    try {
      decoder.end();
    } catch (e) {
      fail(e);
    }
  }
  return log;
}

/** Bytes from a test string (chars as bytes). */
export function bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** Assert that every split of `input` gives `expected` (the whole input first, for a readable diff). */
export function assertEverySplit(
  input: Uint8Array,
  expected: string[],
  options: HttpDecoderOptions = {},
  run: RunOptions = {},
): void {
  assert.deepEqual(decodeLog([input.slice()], options, run), expected, 'whole input');
  for (const { label, pieces } of everySplit(input)) {
    const log = decodeLog(pieces, options, run);
    if (JSON.stringify(log) !== JSON.stringify(expected)) assert.deepEqual(log, expected, label);
  }
}
