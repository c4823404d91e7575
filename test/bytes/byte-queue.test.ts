import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { latin1String } from '../../src/bytes/ascii.ts';
import { ByteQueue } from '../../src/bytes/byte-queue.ts';
import { ascii, everySplit } from '../helpers/bytes.ts';

describe('ByteQueue', () => {
  it('finds bytes and takes spans across every split of the input', () => {
    const input = ascii('abc\r\ndefgh\r\n');
    for (const { label, pieces } of everySplit(input)) {
      const q = new ByteQueue();
      for (const p of pieces) q.push(p);
      assert.equal(q.length, input.length, label);
      assert.equal(q.indexOf(0x0a), 4, label);
      assert.equal(q.indexOf(0x0a, 5), 11, label);
      assert.equal(q.indexOf(0x0a, 5, 11), -1, label);
      assert.equal(q.byteAt(6), 0x65, label);
      assert.deepEqual(q.take(5), ascii('abc\r\n'), label);
      assert.equal(q.offset, 5, label);
      assert.equal(q.indexOf(0x0a), 6, label);
      q.skip(2);
      assert.deepEqual(q.peek(3), ascii('fgh'), label);
      assert.deepEqual(q.takeAll(), ascii('fgh\r\n'), label);
      assert.equal(q.length, 0, label);
      assert.equal(q.offset, input.length, label);
    }
  });

  it('returns a view, not a copy, when the span lies in one chunk', () => {
    const q = new ByteQueue();
    const chunk = ascii('hello world');
    q.push(chunk);
    const view = q.take(5);
    assert.equal(view.buffer, chunk.buffer);
  });

  it('refuses to read beyond what is buffered', () => {
    const q = new ByteQueue();
    q.push(ascii('ab'));
    assert.throws(() => q.take(3), { code: 'MW_INTERNAL' });
  });
});

describe('latin1String', () => {
  it('maps every byte to the char with the same code, 0x80-0x9f included', () => {
    const all = Uint8Array.from({ length: 256 * 40 }, (_, i) => i & 0xff);
    const text = latin1String(all);
    assert.equal(text.length, all.length);
    for (let i = 0; i < all.length; i++) assert.equal(text.charCodeAt(i), all[i]);
    assert.equal(latin1String(all, 0x80, 0x82), '\u0080\u0081');
  });
});
