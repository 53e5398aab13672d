/**
 * Writes the table of docs/codes.md from src/core/codes.ts (between the `codes:begin` / `codes:end` markers).
 * `npm run docs:codes` after adding a row; test/core/codes.test.ts fails while the page is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODES } from '../src/core/codes.js';

const page = join(import.meta.dirname, '../docs/codes.md');
const rows = Object.entries(CODES).map(([code, r]) => {
  const link = r.docs.replace(/^docs\//, '');
  return `| \`${code}\` | ${r.severity} | ${r.status} | ${r.apiCode === null ? 'null' : `\`${r.apiCode}\``} | ${r.param === null ? '' : `\`${r.param}\``} | ${r.repairable ? 'yes' : ''} | [${link}](${link}) |`;
});
const table = ['| code | severity | HTTP | OpenAI `code` | `param` | `--fix` | explained in |', '|---|---|---|---|---|---|---|', ...rows].join('\n');
const text = readFileSync(page, 'utf8');
const next = text.replace(/(<!-- codes:begin -->)[\s\S]*?(<!-- codes:end -->)/, `$1\n${table}\n$2`);
writeFileSync(page, next);
console.log(`docs/codes.md: ${rows.length} codes`);
