/**
 * The layering of docs/architecture.md, checked on the sources: each layer imports only the layers below it,
 * and libvips (sharp) is reached only through src/io, so every decode, encode and resize has one home.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../src');

/** Lower ranks sit below higher ones; a layer may import its own rank or lower. */
const RANK: Record<string, number> = {
  core: 0, io: 1, store: 1, engines: 2, providers: 3, pipeline: 4, batch: 5, server: 5, cli: 6,
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every `from '…'` specifier of a file (static imports and re-exports, and dynamic `import('…')`). */
function specifiers(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return [...text.matchAll(/\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => (m[1] ?? m[2])!);
}

const layerOf = (path: string) => relative(SRC, path).split(sep)[0]!;
const sources = files(SRC).filter((f) => layerOf(f) in RANK);

describe('architecture', () => {
  it('knows every folder of src/ (a new layer gets a rank here and a line in docs/architecture.md)', () => {
    const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory()).sort();
    expect(folders).toEqual(Object.keys(RANK).sort());
  });

  it('has no upward import: each layer imports only its own rank or lower', () => {
    const upward: string[] = [];
    for (const file of sources) {
      const from = layerOf(file);
      for (const spec of specifiers(file).filter((s) => s.startsWith('.'))) {
        const to = layerOf(join(file, '..', spec));
        if (to in RANK && RANK[to]! > RANK[from]!) upward.push(`${relative(SRC, file)} → ${spec}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('reaches sharp only through src/io', () => {
    const outside = sources.filter((f) => layerOf(f) !== 'io' && specifiers(f).includes('sharp')).map((f) => relative(SRC, f));
    expect(outside).toEqual([]);
  });

  it('the scan sees imports: src/io imports sharp and src/cli imports the server', () => {
    expect(sources.filter((f) => specifiers(f).includes('sharp')).map((f) => relative(SRC, f)).sort()).toEqual([join('io', 'image.ts'), join('io', 'resample.ts')]);
    expect(sources.some((f) => layerOf(f) === 'cli' && specifiers(f).some((s) => s.includes('/server/')))).toBe(true);
  });
});
