/**
 * Runs the llhttp-style spec fixtures in test/http/fixtures/*.md: under each `## heading`, an optional
 * `<!-- meta={...} -->` (decoder options), a ```http block (the input) and a ```log block (the expected events).
 * Every case is fed whole, split at every byte and cut into every chunk size (assertEverySplit).
 */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { HttpDecoderOptions } from '../../src/http/decoder.ts';
import { assertEverySplit } from './harness.ts';

interface Fixture {
  name: string;
  input: Uint8Array;
  expected: string[];
  options: HttpDecoderOptions;
}

/** The input block: real line breaks are dropped, escapes give the bytes. */
function inputBytes(block: string): Uint8Array {
  const text = block.replace(/\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\') {
      out.push(text.charCodeAt(i));
      continue;
    }
    const next = text[++i];
    if (next === 'r') out.push(0x0d);
    else if (next === 'n') out.push(0x0a);
    else if (next === 't') out.push(0x09);
    else if (next === '\\') out.push(0x5c);
    else if (next === 'x') {
      out.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else throw new Error(`unknown escape \\${next}`);
  }
  return Uint8Array.from(out);
}

function parseFixtures(markdown: string): Fixture[] {
  const fixtures: Fixture[] = [];
  const lines = markdown.split('\n');
  let heading = '';
  let options: HttpDecoderOptions = {};
  let input: Uint8Array | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('## ')) {
      heading = line.slice(3);
      options = {};
    } else if (line.startsWith('<!-- meta=')) {
      options = JSON.parse(line.slice('<!-- meta='.length, line.lastIndexOf('-->')).trim()) as HttpDecoderOptions;
    } else if (line === '```http' || line === '```log') {
      const body: string[] = [];
      for (i++; lines[i] !== '```'; i++) body.push(lines[i]!);
      if (line === '```http') input = inputBytes(body.join('\n'));
      else {
        assert.ok(input, `${heading}: a log block without input`);
        const same = fixtures.filter((f) => f.name.startsWith(heading)).length;
        fixtures.push({ name: same === 0 ? heading : `${heading} (${same + 1})`, input, expected: body, options });
        input = undefined;
        options = {};
      }
    }
  }
  return fixtures;
}

const dir = new URL('./fixtures/', import.meta.url);
for (const file of readdirSync(dir).filter((f) => f.endsWith('.md'))) {
  describe(`fixtures/${file}`, () => {
    const fixtures = parseFixtures(readFileSync(new URL(file, dir), 'utf8'));
    it('has cases', () => assert.ok(fixtures.length > 0));
    for (const f of fixtures) {
      it(f.name, () => assertEverySplit(f.input, f.expected, f.options));
    }
  });
}
