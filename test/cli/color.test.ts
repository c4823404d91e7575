import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backgroundColorNames, Chalk, foregroundColorNames, modifierNames, underlineColorNames } from 'chalk';
import { chalkFor, colorLevel, MODEL_NAMES, STYLE_NAMES } from '../../src/cli/render/color.ts';

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

describe('chalkFor at level 0 (no chalk loaded)', () => {
  const real = new Chalk({ level: 0 }) as unknown as Record<string, unknown> & ((...texts: unknown[]) => string);
  const plain = chalkFor({ isTTY: false }, {}) as unknown as typeof real;
  const valued = { valueOf: () => 7, toString: () => 'text' };
  const argumentLists: unknown[][] = [
    [],
    ['a'],
    [''],
    [42],
    [undefined],
    [null],
    [valued],
    ['a\nb'],
    ['a', 'b'],
    [undefined, null],
    [valued, 1],
    ['a', 2, undefined, 'd'],
  ];
  type Call = (...texts: unknown[]) => string;

  it('knows every style and colour model chalk has', () => {
    assert.deepEqual(
      [...STYLE_NAMES].sort(),
      [...modifierNames, ...foregroundColorNames, ...backgroundColorNames, ...underlineColorNames].sort(),
    );
    for (const name of MODEL_NAMES) assert.equal(typeof real[name], 'function', name);
    assert.equal(plain.level, 0);
  });

  it('gives what chalk gives: the instance, every style, chained styles, models, visible', () => {
    for (const texts of argumentLists) {
      assert.equal(plain(...texts), real(...texts));
      for (const name of [...STYLE_NAMES, 'visible']) {
        const [p, r] = [plain[name] as Record<string, Call> & Call, real[name] as Record<string, Call> & Call];
        assert.equal(p(...texts), r(...texts), `${name}(${texts.length} args)`);
        for (const next of ['bold', 'visible', 'red']) {
          assert.equal(p[next]!(...texts), r[next]!(...texts), `${name}.${next}`);
        }
      }
      for (const name of MODEL_NAMES) {
        const p = (plain[name] as (...a: unknown[]) => Record<string, Call> & Call)(1, 2, 3);
        const r = (real[name] as (...a: unknown[]) => Record<string, Call> & Call)(1, 2, 3);
        assert.equal(p(...texts), r(...texts), name);
        assert.equal(p.dim!(...texts), r.dim!(...texts), `${name}.dim`);
      }
    }
  });

  it('colour levels above 0 are chalk itself', () => {
    const c = chalkFor({ isTTY: true }, { FORCE_COLOR: '1' });
    assert.equal(c.level, 1);
    assert.equal(c.red('x'), new Chalk({ level: 1 }).red('x'));
  });
});
