// Runs the benchmarks one after another, each in its own process so that peak RSS is per benchmark.
//   npm run bench                 every benchmark with its defaults
//   npm run bench -- '^http'      only the files whose name matches the regex
// Extra flags after the pattern are passed to each benchmark (e.g. --runs 7).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const [pattern = '.', ...rest] = process.argv.slice(2);
const filter = new RegExp(pattern);
// Helper modules (corpora) are not benchmarks themselves.
const files = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('-corpus.ts') && filter.test(f))
  .sort();

let failed = 0;
for (const file of files) {
  process.stdout.write(`\n=== bench/${file}\n`);
  const result = spawnSync(process.execPath, ['--conditions=mesos-wire-source', `${here}${file}`, ...rest], {
    stdio: 'inherit',
  });
  if (result.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
