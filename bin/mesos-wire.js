#!/usr/bin/env node
// Entry point of the mesos-wire CLI. Runs the TypeScript sources directly in a
// checkout (Node >= 22.18 strips types natively) and the built dist/ when installed.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `mesos-wire needs Node.js >= 22.18 (this is ${process.versions.node}). ` +
      "In a checkout, run it through npm (npx mesos-wire ...), which puts the project's own Node first on PATH.\n",
  );
  process.exit(70);
}

const source = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const useSource = existsSync(source) && !source.includes('/node_modules/');
const entry = useSource ? '../src/cli/main.ts' : '../dist/cli/main.js';
const { main } = await import(entry);
await main(process.argv);
