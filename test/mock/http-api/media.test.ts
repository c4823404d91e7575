import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acceptsMediaType, negotiateContentType } from '../../../src/mock/http-api/index.ts';

test('acceptsMediaType follows Request::acceptsMediaType (wire-protocol.md §4.2)', () => {
  const cases: [string | undefined, string, boolean][] = [
    [undefined, 'application/json', true],
    ['application/json', 'application/json', true],
    ['APPLICATION/JSON', 'application/json', true],
    ['application/x-protobuf', 'application/json', false],
    ['application/*', 'application/json', true],
    ['*/*', 'application/x-protobuf', true],
    ['*/*, text/html;q=0', 'text/html', false],
    ['application/json;q=0', 'application/json', false],
    ['application/json;q=0.001', 'application/json', true],
    ['application/json;q=bad', 'application/json', true],
    ['application/json;q=', 'application/json', true],
    ['application/json;q=-1', 'application/json', false],
    ['application/json;Q=0', 'application/json', false],
    ['application/json;level=1;q=0', 'application/json', false],
    // The exact type decides before the wildcards, whichever comes first in the header.
    ['*/*, application/json;q=0', 'application/json', false],
    ['application/json;q=0, */*', 'application/x-protobuf', true],
    // Spaces, tabs and newlines are removed before splitting.
    ['text/html ,\tapplication/json ; q=1', 'application/json', true],
    ['application', 'application/json', false],
    ['', 'application/json', false],
  ];
  for (const [accept, type, expected] of cases) {
    assert.equal(acceptsMediaType(accept, type), expected, `${accept} / ${type}`);
  }
});

test('negotiateContentType prefers JSON, then protobuf', () => {
  assert.equal(negotiateContentType(undefined), 'application/json');
  assert.equal(negotiateContentType('application/x-protobuf, application/json'), 'application/json');
  assert.equal(negotiateContentType('application/x-protobuf'), 'application/x-protobuf');
  assert.equal(negotiateContentType('text/plain'), undefined);
});
