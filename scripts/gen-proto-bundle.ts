/**
 * Generates src/proto/gen/bundle.json from every .proto file under proto/ (the include
 * root). Run after editing proto/: `node scripts/gen-proto-bundle.ts`. A test checks that
 * the committed bundle equals what this script produces.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRootFromSources } from '../src/proto/schema.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
/** The include root of the schema files. */
export const PROTO_DIR = join(REPO, 'proto');
/** Where the generated bundle is written. */
export const BUNDLE_PATH = join(REPO, 'src', 'proto', 'gen', 'bundle.json');

/** Every .proto file under `dir`, keyed by its import path (forward slashes). */
export function readProtoSources(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.proto'))
        out[relative(dir, path).split(sep).join('/')] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** The bundle text for the given proto directory, plus the builder's warnings. */
export function generateBundle(dir: string = PROTO_DIR): { text: string; warnings: string[]; files: string[] } {
  const sources = readProtoSources(dir);
  const { root, warnings } = buildRootFromSources(sources);
  const json = root.toJSON({ keepComments: false }) as Record<string, unknown>;
  const files = Object.keys(sources).sort();
  return { text: `${JSON.stringify({ files, root: json })}\n`, warnings, files };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { text, warnings, files } = generateBundle();
  writeFileSync(BUNDLE_PATH, text);
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  process.stderr.write(`wrote ${relative(REPO, BUNDLE_PATH)}: ${files.length} files, ${text.length} bytes\n`);
}
