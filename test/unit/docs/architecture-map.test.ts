/**
 * docs/architecture.md's map of lambdas/pipeline/ names files and folders a newcomer will go and
 * open: each one it names must exist, so the map cannot drift from the tree unnoticed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const PIPELINE = 'lambdas/pipeline';

/** The text of the map: from its heading to the next heading. */
function pipelineMap(): string {
  const text = readFileSync('docs/architecture.md', 'utf8');
  const start = text.indexOf('### Inside `lambdas/pipeline/`');
  const end = text.indexOf('\n#', start + 1);
  return start === -1 ? '' : text.slice(start, end === -1 ? undefined : end);
}

/** Code spans that name a file (`x.ts`) or a folder (`x/`). */
function namedPaths(map: string): string[] {
  return [...map.matchAll(/`([\w./-]+(?:\.ts|\/))`/g)].map((match) => match[1]!);
}

/** A name in the map is relative to lambdas/pipeline/, a folder the map names, lambdas/ or the repository. */
function resolves(name: string, folders: readonly string[]): boolean {
  return [PIPELINE, ...folders.map((folder) => join(PIPELINE, folder)), 'lambdas', '.'].some((base) => existsSync(join(base, name)));
}

describe('docs/architecture.md, the pipeline map', () => {
  const names = namedPaths(pipelineMap());
  const folders = names.filter((name) => name.endsWith('/'));

  it('names the pipeline files it describes', () => {
    expect(names).toEqual(expect.arrayContaining(['run.ts', 'readers/', 'schema.ts', 'rules.ts', 'ranking/', 'outputs/']));
  });

  it('names only files and folders that exist', () => {
    expect(names.filter((name) => !resolves(name, folders))).toEqual([]);
  });

  it('would notice a file that is not there', () => {
    expect(resolves('ranking.ts', folders)).toBe(false);
  });
});
