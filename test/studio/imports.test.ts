/**
 * The studio's web app (web/src) sees maskedit only through `maskedit/client` (src/client.ts): every import,
 * re-export, dynamic import and `new URL(…, import.meta.url)` in web/src is either `maskedit/client` or a
 * relative path that stays inside web/. And the client stays browser-safe: it re-exports pure core modules
 * and, as types only, the studio's HTTP contract.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEB = join(ROOT, 'web');

function files(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx|js|mjs)$/.test(name) ? [p] : [];
  });
}

/** Every module specifier a source file names: imports, re-exports, `import('…')`, `import x = require('…')`, `new URL('…', import.meta.url)`. */
function specifiers(source: string): string[] {
  const info = ts.preProcessFile(source, true, true);
  const out = info.importedFiles.map((f) => f.fileName);
  for (const m of source.matchAll(/new\s+URL\(\s*(['"`])([^'"`]+)\1\s*,\s*import\.meta\.url/g)) out.push(m[2]!);
  return out;
}

/** Why `spec`, named in `file`, is not allowed; null when it is. */
function refusal(file: string, spec: string): string | null {
  if (spec === 'maskedit/client') return null;
  if (!spec.startsWith('./') && !spec.startsWith('../')) return `${spec} is not maskedit/client`;
  const target = resolve(dirname(file), spec);
  return target.startsWith(WEB + sep) ? null : `${spec} leaves web/ (${relative(ROOT, target)})`;
}

const SOURCES = files(join(WEB, 'src'));

describe('web/src imports only maskedit/client and its own files', () => {
  it('found the web app', () => {
    expect(SOURCES.map((f) => relative(WEB, f))).toEqual(expect.arrayContaining(['src/main.ts', 'src/api.ts', 'src/analysis.worker.ts', 'src/png.ts']));
  });

  it.each(SOURCES.map((f) => [relative(ROOT, f), f]))('%s', (_rel, file) => {
    const refused = specifiers(readFileSync(file, 'utf8')).map((s) => refusal(file, s)).filter((r) => r !== null);
    expect(refused).toEqual([]);
  });

  it('uses maskedit/client (the check sees the imports at all)', () => {
    const all = SOURCES.flatMap((f) => specifiers(readFileSync(f, 'utf8')));
    expect(all).toContain('maskedit/client');
    expect(all).toContain('./analysis.worker.ts');
  });

  // The check itself: each of these, written in web/src/main.ts, is refused.
  it.each([
    ["import { diagnose } from '../../src/core/doctor.js';", '../../src/core/doctor.js leaves web/ (src/core/doctor.js)'],
    ["import type { StudioConfig } from '../../src/studio/contract.js';", '../../src/studio/contract.js leaves web/ (src/studio/contract.js)'],
    ["export { edit } from 'maskedit';", 'maskedit is not maskedit/client'],
    ["const m = await import('maskedit/server');", 'maskedit/server is not maskedit/client'],
    ["import sharp from 'sharp';", 'sharp is not maskedit/client'],
    ["import '../../src/core/codes.js';", '../../src/core/codes.js leaves web/ (src/core/codes.js)'],
    ["new Worker(new URL('../../src/engines/heal.ts', import.meta.url));", '../../src/engines/heal.ts leaves web/ (src/engines/heal.ts)'],
  ])('refuses %s', (source, why) => {
    const file = join(WEB, 'src', 'main.ts');
    expect(specifiers(source).map((s) => refusal(file, s))).toEqual([why]);
  });

  it.each([
    ["import { diagnose } from 'maskedit/client';"],
    ["import { MaskBuffer } from './mask.js';"],
    ["import './styles.css';"],
    ["new Worker(new URL('./analysis.worker.ts', import.meta.url), { type: 'module' });"],
  ])('allows %s', (source) => {
    const file = join(WEB, 'src', 'main.ts');
    expect(specifiers(source).map((s) => refusal(file, s))).toEqual([null]);
  });
});

describe('maskedit/client stays browser-safe', () => {
  const client = readFileSync(join(ROOT, 'src', 'client.ts'), 'utf8');
  it('re-exports pure core modules, and the studio contract as types only', () => {
    const specs = specifiers(client);
    expect(specs.length).toBeGreaterThan(10);
    expect(specs.filter((s) => !/^\.\/core\/[\w-]+\.js$/.test(s))).toEqual(['./studio/contract.js']);
    expect(client).toMatch(/^export type \* from '\.\/studio\/contract\.js';$/m);
  });

  it('the contract has no imports (it is shared by the server and the page)', () => {
    expect(specifiers(readFileSync(join(ROOT, 'src', 'studio', 'contract.ts'), 'utf8'))).toEqual([]);
  });
});
