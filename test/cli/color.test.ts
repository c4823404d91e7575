import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { colorLevel } from '../../src/cli/render/color.ts';

describe('colorLevel', () => {
  const cases: [Record<string, string>, boolean, number][] = [
    [{}, true, 1],
    [{}, false, 0],
    [{ TERM: 'dumb' }, true, 0],
    [{ NO_COLOR: '1' }, true, 0],
    [{ NO_COLOR: '' }, true, 1],
    [{ FORCE_COLOR: '0' }, true, 0],
    [{ FORCE_COLOR: 'false' }, true, 0],
    [{ FORCE_COLOR: '1' }, false, 1],
    [{ FORCE_COLOR: '' }, false, 1],
    [{ FORCE_COLOR: 'true' }, false, 1],
    [{ FORCE_COLOR: '3' }, false, 3],
    [{ FORCE_COLOR: '9' }, false, 3],
    [{ FORCE_COLOR: '2', NO_COLOR: '1' }, false, 2],
  ];
  for (const [env, tty, level] of cases) {
    it(`${JSON.stringify(env)} tty=${tty} -> ${level}`, () => assert.equal(colorLevel(env, tty), level));
  }
});
