/** Builds a Root from the test-only .proto files in test/proto/fixtures/. */
import { readdirSync, readFileSync } from 'node:fs';
import { buildRootFromSources, findType, type PbRoot, type PbType } from '../../src/proto/schema.ts';

const DIR = new URL('./fixtures/', import.meta.url);

let cached: PbRoot | undefined;

export function fixtureRoot(): PbRoot {
  if (cached === undefined) {
    const sources: Record<string, string> = {};
    for (const name of readdirSync(DIR)) {
      if (name.endsWith('.proto')) sources[name] = readFileSync(new URL(name, DIR), 'utf8');
    }
    cached = buildRootFromSources(sources).root;
  }
  return cached;
}

export function fixtureType(name: string): PbType {
  const t = findType(fixtureRoot(), name);
  if (t === undefined) throw new Error(`no fixture type ${name}`);
  return t;
}
