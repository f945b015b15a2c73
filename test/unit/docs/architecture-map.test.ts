/**
 * docs/architecture.md's maps of lambdas/pipeline/ and lambdas/adapters/ name files and folders a
 * newcomer will go and open: each one they name must exist, so a map cannot drift from the tree
 * unnoticed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The text of a map: from its heading to the next heading. */
function mapOf(folder: string): string {
  const text = readFileSync('docs/architecture.md', 'utf8');
  const start = text.indexOf(`### Inside \`${folder}/\``);
  const end = text.indexOf('\n#', start + 1);
  return start === -1 ? '' : text.slice(start, end === -1 ? undefined : end);
}

/** Code spans that name a file (`x.ts`) or a folder (`x/`). */
function namedPaths(map: string): string[] {
  return [...map.matchAll(/`([\w./-]+(?:\.ts|\/))`/g)].map((match) => match[1]!);
}

/** A name in a map is relative to the map's folder, a folder the map names, lambdas/ or the repository. */
function resolves(root: string, name: string, folders: readonly string[]): boolean {
  return [root, ...folders.map((folder) => join(root, folder)), 'lambdas', '.'].some((base) => existsSync(join(base, name)));
}

const MAPS = [
  { root: 'lambdas/pipeline', names: ['run.ts', 'readers/', 'schema.ts', 'rules.ts', 'ranking/', 'outputs/'] },
  { root: 'lambdas/adapters', names: ['oracle/', 'session.ts', 's3/', 'objects.ts', 's3-sink.ts', 'fs-sink.ts'] },
];

describe.each(MAPS)('docs/architecture.md, the map of $root', ({ root, names: expected }) => {
  const names = namedPaths(mapOf(root));
  const folders = names.filter((name) => name.endsWith('/'));

  it('names the files it describes', () => {
    expect(names).toEqual(expect.arrayContaining(expected));
  });

  it('names only files and folders that exist', () => {
    expect(names.filter((name) => !resolves(root, name, folders))).toEqual([]);
  });

  it('would notice a file that is not there', () => {
    expect(resolves(root, 'ranking.ts', folders)).toBe(false);
  });
});
