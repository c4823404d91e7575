import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, isMesosWireError, MesosWireError } from '../src/errors.ts';

describe('error table', () => {
  it('has MW_-prefixed codes with a description each', () => {
    for (const [code, text] of Object.entries(ERROR_CODES)) {
      assert.match(code, /^MW_[A-Z0-9_]+$/);
      assert.ok(text.length > 10, code);
    }
  });

  it('recognises its errors by brand and by code', () => {
    const e = new MesosWireError('MW_HTTP_TRUNCATED', 'stream ended', { offset: 7 });
    assert.ok(isMesosWireError(e));
    assert.equal(e.offset, 7);
    assert.ok(isMesosWireError({ code: 'MW_HTTP_TRUNCATED' }));
    assert.ok(!isMesosWireError(new Error('x')));
    assert.ok(!isMesosWireError({ code: 'MW_NOT_A_CODE' }));
    assert.deepEqual(e.toJSON(), { code: 'MW_HTTP_TRUNCATED', offset: 7, message: 'stream ended' });
  });
});
