import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { OutputBuffer } from '../../src/cli/output-buffer.ts';

/** A stream that records each write as bytes; `slow` makes it need a drain after every write. */
function recorder(slow = false): { stream: Writable; writes: Buffer[] } {
  const writes: Buffer[] = [];
  const stream = new Writable({
    highWaterMark: slow ? 1 : 16 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      writes.push(Buffer.from(chunk));
      if (slow) setImmediate(callback);
      else callback();
    },
  });
  return { stream, writes };
}

describe('OutputBuffer', () => {
  it('gathers lines into buffers of its size, in order, and hands on the rest at flush', async () => {
    const { stream, writes } = recorder();
    const output = new OutputBuffer(stream, 16);
    output.add('{"a":1}\n'); // 8 bytes
    output.add('{"b":2}\n'); // 16: full only in the worst case of 3 bytes per character, so it fits
    assert.equal(writes.length, 0);
    output.add('x\n'); // no room left: the first 16 bytes go out
    assert.deepEqual(
      writes.map((w) => w.toString()),
      ['{"a":1}\n{"b":2}\n'],
    );
    await output.flush();
    assert.deepEqual(
      writes.map((w) => w.toString()),
      ['{"a":1}\n{"b":2}\n', 'x\n'],
    );
    await output.flush(); // nothing held: nothing written
    assert.equal(writes.length, 2);
  });

  it('multi-byte characters are never split across buffers; a line longer than a buffer goes alone', async () => {
    const { stream, writes } = recorder();
    const output = new OutputBuffer(stream, 8);
    output.add('ab'); // 2 bytes
    output.add('é€'); // 2 + 3 bytes: fits (7)
    output.add('😀'); // 4 bytes: does not fit in the 1 left
    output.add('0123456789'); // longer than a buffer: the held bytes go, then the line by itself
    await output.flush();
    assert.deepEqual(
      writes.map((w) => w.toString('utf8')),
      ['abé€', '😀', '0123456789'],
    );
    assert.equal(Buffer.concat(writes).toString('hex'), Buffer.from('abé€😀0123456789').toString('hex'));
  });

  it('the bytes written are the UTF-8 of all text added, for any text and buffer size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 30 }),
        fc.integer({ min: 4, max: 64 }),
        async (texts, size) => {
          const { stream, writes } = recorder();
          const output = new OutputBuffer(stream, size);
          for (const text of texts) output.add(text);
          await output.flush();
          assert.deepEqual(Buffer.concat(writes), Buffer.from(texts.join(''), 'utf8'));
          // Each write is a buffer's worth at most, or one text too long for a buffer, written alone.
          for (const w of writes) {
            if (w.length > size) assert.ok(texts.some((t) => Buffer.from(t).equals(w)));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('flush waits until a slow stream has drained', async () => {
    const { stream, writes } = recorder(true);
    const output = new OutputBuffer(stream, 8);
    output.add('abcdefgh');
    output.add('ijkl');
    let flushed = false;
    const done = output.flush().then(() => {
      flushed = true;
    });
    assert.equal(flushed, false);
    await done;
    assert.equal(stream.writableNeedDrain, false);
    assert.equal(Buffer.concat(writes).toString(), 'abcdefghijkl');
  });
});
