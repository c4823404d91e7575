import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { renderErrorDocs } from '../scripts/gen-error-docs.ts';

describe('docs/errors.md', () => {
  it('matches the error table (regenerate: node scripts/gen-error-docs.ts)', () => {
    const onDisk = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    assert.equal(onDisk, renderErrorDocs());
  });
});
