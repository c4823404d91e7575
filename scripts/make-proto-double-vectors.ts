// Regenerates fixtures/proto/rapidjson-doubles.tsv: doubles (as IEEE-754 bits in hex) and the text RapidJSON's
// Writer::Double prints for them, the serializer Mesos writes JSON numbers with. test/proto/double-format.test.ts
// compares formatDouble with every row, so npm test needs neither a compiler nor RapidJSON.
//
// Run by hand: node scripts/make-proto-double-vectors.ts [--count N]
// Needs g++ and RapidJSON's headers (Debian: apt-get install g++ rapidjson-dev). Infinity and NaN are not in the
// file: stock RapidJSON refuses them (Mesos patches them in; tests cover those with literals).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = fileURLToPath(new URL('../fixtures/proto/rapidjson-doubles.tsv', import.meta.url));

// Reads one hex bit pattern per line, prints Writer::Double's output per line.
const PRINTER = `#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <string>
int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    uint64_t bits = std::stoull(line, nullptr, 16);
    double value;
    std::memcpy(&value, &bits, sizeof value);
    rapidjson::StringBuffer out;
    rapidjson::Writer<rapidjson::StringBuffer> writer(out);
    std::cout << (writer.Double(value) ? out.GetString() : "REFUSED") << "\\n";
  }
}
`;

/** A deterministic corpus: random bit patterns, random short decimals, floats widened, powers of ten, edges. */
function corpus(count: number): number[] {
  const values: number[] = [];
  let seed = 0x5eed;
  const next = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  const view = new DataView(new ArrayBuffer(8));
  while (values.length < count * 0.4) {
    view.setUint32(0, next());
    view.setUint32(4, next());
    const v = view.getFloat64(0);
    if (Number.isFinite(v)) values.push(v);
  }
  while (values.length < count * 0.8) {
    values.push(Number(`${next() % 100000000}e${(next() % 50) - 25}`));
    values.push(Math.fround(Number(`${next() % 100000}e${(next() % 12) - 6}`)));
  }
  for (let e = -324; e <= 308 && values.length < count; e += 3) values.push(Number(`1e${e}`), Number(`1.5e${e}`));
  values.push(0.1, 0.2, 0.3, 1 / 3, Math.PI, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 2 ** 64, 1e20, 1e21, 123e18, 1e-6, 1e-7);
  values.push(1.234e-6, Number.MIN_VALUE, Number.MAX_VALUE, 2.2250738585072014e-308, Math.fround(0.1), 1700000000.5);
  return [...values, ...values.slice(0, 200).map((v) => -v), -0, 0];
}

function hexBits(v: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  return view.getBigUint64(0).toString(16).padStart(16, '0');
}

const countArg = process.argv.indexOf('--count');
const count = countArg > 0 ? Number(process.argv[countArg + 1]) : 3000;
const dir = mkdtempSync(join(tmpdir(), 'mw-rapidjson-'));
try {
  writeFileSync(join(dir, 'printer.cpp'), PRINTER);
  const cc = spawnSync('g++', ['-O2', '-o', join(dir, 'printer'), join(dir, 'printer.cpp')], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`g++ failed (is rapidjson-dev installed?): ${cc.stderr}`);
  const bits = corpus(count).map(hexBits);
  const run = spawnSync(join(dir, 'printer'), { input: `${bits.join('\n')}\n`, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`printer failed: ${run.stderr}`);
  const texts = run.stdout.trimEnd().split('\n');
  const rows = bits.map((b, i) => `${b}\t${texts[i]}`);
  writeFileSync(OUT, `# bits (hex)\tRapidJSON Writer::Double\n${rows.join('\n')}\n`);
  process.stdout.write(`wrote ${rows.length} rows to ${OUT}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
