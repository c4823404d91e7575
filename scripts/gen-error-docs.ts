// Writes docs/errors.md from the error table in src/errors.ts.
// Run: node scripts/gen-error-docs.ts   (test/docs.test.ts fails when the file is stale)
import { writeFileSync } from 'node:fs';
import { ERROR_CODES } from '../src/errors.ts';

/** The Markdown text of docs/errors.md. */
export function renderErrorDocs(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, text]) => `| \`${code}\` | ${text} |`);
  return [
    '# Error codes',
    '',
    'Every error mesos-wire reports is a `MesosWireError` with one of these stable codes and, where it applies, the',
    'absolute byte offset where the problem was found (`error.offset`). Match on `code`, never on the message text;',
    '`isMesosWireError(value)` recognises these errors even across two installed copies of the package.',
    '',
    'Generated from `src/errors.ts` by `node scripts/gen-error-docs.ts`.',
    '',
    '| code | meaning |',
    '| --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorDocs());
}
