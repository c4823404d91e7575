/** stringifyJson (render/body.ts): JSON.stringify's output with RawJson texts spliced in, checked against both. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RawJson, stringifyEventJson, stringifyJson } from '../../src/cli/render/body.ts';

/** The replacer-based splice stringifyJson used before (the reference: JSON.stringify itself does the walking). */
function spliced(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    const original = this[key];
    if (original instanceof RawJson) {
      raws.push(original.text);
      return `\u0000raw:${raws.length - 1}\u0000`;
    }
    return v;
  });
  return raws.length === 0 ? text : text.replace(/"\\u0000raw:(\d+)\\u0000"/g, (_m, i: string) => raws[Number(i)]!);
}

class WithToJson {
  readonly at: number;
  constructor(at: number) {
    this.at = at;
  }
  toJSON(key: string): unknown {
    return { key, at: this.at, raw: new RawJson('[1,2]') };
  }
}

/** JSON-ish values plus what JSON.stringify treats specially: undefined, functions, toJSON, typed arrays, RawJson. */
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 1 }),
    fc.constant(undefined),
    fc.constant(() => 1),
    fc.double(),
    fc.integer().map((n) => new WithToJson(n)),
    fc.integer().map((n) => new Uint8Array([n & 0xff, 1])),
    fc.jsonValue({ maxDepth: 2 }).map((v) => new RawJson(JSON.stringify(v))),
    fc.constant(new RawJson('18446744073709551615')),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 4 }),
  ),
}));

describe('stringifyJson', () => {
  it('equals the replacer-based splice for arbitrary values (fast-check)', () => {
    fc.assert(
      fc.property(value, (v) => {
        assert.equal(stringifyJson(v), spliced(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('equals JSON.stringify when there is no RawJson (fast-check)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        assert.equal(stringifyJson(v), JSON.stringify(v));
      }),
      { numRuns: 1000 },
    );
  });

  it('literal cases: exact 64-bit integers, dropped members, nulls in arrays, key order, toJSON key', () => {
    const event = {
      type: 'message',
      offset: 0,
      body: new RawJson('{"n":18446744073709551615}'),
      skipped: undefined,
      list: [undefined, () => 0, new RawJson('-1')],
      nested: { at: new WithToJson(7) },
    };
    assert.equal(
      stringifyJson(event),
      '{"type":"message","offset":0,"body":{"n":18446744073709551615},"list":[null,null,-1],' +
        '"nested":{"at":{"key":"at","at":7,"raw":[1,2]}}}',
    );
    assert.equal(stringifyJson(new RawJson('1')), '1');
  });
});

describe('stringifyEventJson', () => {
  /** Strings that try to look like the body member or its stand-in. */
  const tricky = fc.constantFrom(
    '"body":"\u0000mesos-wire body\u0000"',
    '\u0000mesos-wire body\u0000',
    'x","body":',
    '\\',
    '"',
  );
  const text = fc.oneof(fc.string({ maxLength: 6 }), tricky);
  const event = fc.record(
    {
      type: fc.constantFrom('message', 'request', 'response', 'record'),
      offset: fc.nat(),
      from: text,
      name: text,
      body: value,
      headers: fc.array(fc.record({ name: text, value: text }), { maxLength: 3 }),
      more: value,
    },
    { requiredKeys: ['type', 'offset', 'body'] },
  );

  it('equals stringifyJson and the replacer-based splice for event-shaped objects (fast-check)', () => {
    fc.assert(
      fc.property(event, (e) => {
        const expected = spliced(e);
        assert.equal(stringifyEventJson(e), expected);
        assert.equal(stringifyJson(e), expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('literal cases: the body spliced after strings that mimic it; a RawJson elsewhere; the object left as it was', () => {
    const body = new RawJson('{"n":18446744073709551615}');
    const e: Record<string, unknown> = { type: 'message', from: '"body":"\u0000mesos-wire body\u0000"', body };
    assert.equal(
      stringifyEventJson(e),
      '{"type":"message","from":"\\"body\\":\\"\\u0000mesos-wire body\\u0000\\"","body":{"n":18446744073709551615}}',
    );
    assert.equal(e.body, body);
    const nested = { type: 'record', body: null, ids: [new RawJson('18446744073709551615')] };
    assert.equal(stringifyEventJson(nested), '{"type":"record","body":null,"ids":[18446744073709551615]}');
    assert.equal(
      stringifyEventJson({ type: 'message', body: new RawJson('1'), after: new RawJson('2') }),
      '{"type":"message","body":1,"after":2}',
    );
  });
});
