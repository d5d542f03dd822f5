import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Rule {
  name: string;
  from: { path?: string[] };
  to: { path?: string[] };
}

/** The layers as .dependency-cruiser.cjs enforces them, top first ('root' for src/*.ts and types). */
function enforcedLayers(): string[][] {
  const config = createRequire(import.meta.url)(path.join(ROOT, '.dependency-cruiser.cjs')) as {
    forbidden: Rule[];
  };
  const upward = config.forbidden.filter((r) => r.name.startsWith('no-upward-from-'));
  const name = (p: string) => (p.endsWith('$') ? 'root' : p.replace(/^\^src\/|\/$/g, ''));
  const layers = [upward[0]!.to.path!, ...upward.map((r) => r.from.path!)];
  return layers.map((paths) => [
    ...new Set(paths.map(name).map((n) => (n === 'types' ? 'root' : n))),
  ]);
}

/** The layer block of ARCHITECTURE.md: the first column of each line, `a · b` per layer. */
function documentedLayers(): string[][] {
  const text = readFileSync(path.join(ROOT, 'ARCHITECTURE.md'), 'utf8');
  const section = text.split('## Layers')[1]!;
  const block = section.split('```')[1]!;
  return block
    .split('\n')
    .filter((line) => /^\S/.test(line))
    .map((line) => {
      const head = line.split(/\s{2,}/)[0]!;
      return head.includes('.ts') ? ['root'] : head.split(' · ');
    });
}

describe('ARCHITECTURE.md', () => {
  it('draws the layers exactly as .dependency-cruiser.cjs enforces them', () => {
    expect(documentedLayers()).toEqual(enforcedLayers());
  });

  it('places every folder of src/ in a layer', () => {
    const folders = readdirSync(path.join(ROOT, 'src'), { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== 'types')
      .map((e) => e.name);
    const placed = enforcedLayers().flat();
    expect(folders.filter((f) => !placed.includes(f))).toEqual([]);
  });
});
