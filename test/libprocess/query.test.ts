import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMesosWireError } from '../../src/errors.ts';
import { percentDecode } from '../../src/libprocess/classify.ts';
import { decodeQuery } from '../../src/libprocess/query.ts';

const entries = (target: string): [string, string][] => [...decodeQuery(target)].sort(([a], [b]) => (a < b ? -1 : 1));

describe('decodeQuery (libprocess http::query::decode)', () => {
  it('decoder_tests.cpp Request: ?key1=value1&key2=value2#fragment', () => {
    assert.deepEqual(entries('/path/file.json?key1=value1&key2=value2#fragment'), [
      ['key1', 'value1'],
      ['key2', 'value2'],
    ]);
  });

  it('http_tests.cpp QueryEncodeDecode: "", bare keys, escapes in either order', () => {
    assert.deepEqual(entries('/'), []);
    assert.deepEqual(entries('/?'), []);
    assert.deepEqual(entries('/?d'), [['d', '']]);
    assert.deepEqual(entries('/?a%26b%3Dc=d%26e%3Dfg'), [['a&b=c', 'd&e=fg']]);
    const expected: [string, string][] = [
      ['a()', 'b%20'],
      ['c~/asdf', '%asdf'],
    ];
    assert.deepEqual(entries('/?c%7E%2Fasdf=%25asdf&a()=b%2520'), expected);
    assert.deepEqual(entries('/?a()=b%2520&c%7E%2Fasdf=%25asdf'), expected);
  });

  it('";" separates too, empty parts are skipped, the first "=" splits, a later key wins', () => {
    assert.deepEqual(entries('/x?a=1;;b=2&&a=3&c==d'), [
      ['a', '3'],
      ['b', '2'],
      ['c', '=d'],
    ]);
    assert.deepEqual(entries('/x?a+b=c+d'), [['a b', 'c d']]);
  });

  it('decoder_tests.cpp InvalidQueryArgs: ?%x=%y&key2=value2 fails at the first "%"', () => {
    const target = '/path/file.json?%x=%y&key2=value2#fragment';
    assert.throws(
      () => decodeQuery(target),
      (e: unknown) => isMesosWireError(e) && e.code === 'MW_LIBPROCESS_BAD_QUERY' && e.offset === 16,
    );
    // A bad value escape: the offset points at its "%" in the target.
    assert.throws(
      () => decodeQuery('/a?k=v%zz'),
      (e: unknown) => isMesosWireError(e) && e.code === 'MW_LIBPROCESS_BAD_QUERY' && e.offset === 6,
    );
    // The fragment is not part of the query.
    assert.deepEqual(entries('/a?k=v#%zz'), [['k', 'v']]);
  });
});

describe('percentDecode: http_tests.cpp Encode vector', () => {
  // "a" then $&+,/:;=?@ space "<>#%{}|\^~[]` and the bytes 0x19 0x80 0xFF 0x00.
  const decoded = 'a$&+,/:;=?@ "<>#%{}|\\^~[]`\x19\x80\xff\x00';
  const encoded = 'a%24%26%2B%2C%2F%3A%3B%3D%3F%40%20%22%3C%3E%23%25%7B%7D%7C%5C%5E%7E%5B%5D%60%19%80%FF%00';

  it('decodes the encoded form, and the variant with "+" for the space', () => {
    assert.equal(decoded.length, 30);
    assert.equal(percentDecode(encoded), decoded);
    assert.equal(percentDecode(encoded.replace('%20', '+')), decoded);
  });
});
