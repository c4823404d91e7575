/**
 * Writes the GENERATED capture fixtures into fixtures/pcap/generated/ from the
 * definitions in test/helpers/pcap-fixtures.ts, and the session captures into
 * fixtures/pcap/sessions/ from test/pipeline/session-fixtures.ts (the tests check the
 * committed files still match them). The REAL captures come from scripts/make-pcap-fixtures.sh.
 *
 *   node scripts/make-pcap-fixtures.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATED_PCAP_FIXTURES } from '../test/helpers/pcap-fixtures.ts';
import { SESSION_PCAP_FIXTURES } from '../test/pipeline/session-fixtures.ts';

for (const [folder, fixtures] of [
  ['generated', GENERATED_PCAP_FIXTURES],
  ['sessions', SESSION_PCAP_FIXTURES],
] as const) {
  const dir = join(import.meta.dirname, '..', 'fixtures', 'pcap', folder);
  mkdirSync(dir, { recursive: true });
  for (const fixture of fixtures) {
    const bytes = fixture.bytes();
    writeFileSync(join(dir, fixture.name), bytes);
    process.stdout.write(
      `${folder}/${fixture.name.padEnd(32)} ${String(bytes.length).padStart(6)} bytes  ${fixture.description}\n`,
    );
  }
}
