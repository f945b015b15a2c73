/** Every relative link in the README and docs/ points at a file that exists (anchors and URLs aside). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const documents = [
  'README.md',
  ...readdirSync('docs')
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name)),
];
const LINK = /\[[^\]]*\]\(([^)\s]+)\)/g;

function relativeLinks(text: string): string[] {
  return [...text.matchAll(LINK)].map((match) => match[1]!).filter((target) => !/^[a-z]+:/i.test(target) && !target.startsWith('#'));
}

describe('documentation links', () => {
  it.each(documents)('%s links only to files that exist', (document) => {
    const missing = relativeLinks(readFileSync(document, 'utf8'))
      .map((target) => join(dirname(document), target.split('#')[0]!))
      .filter((path) => !existsSync(path));
    expect(missing).toEqual([]);
  });

  it('finds the links it checks', () => {
    expect(relativeLinks('see [rules](rules.md#ops), [AWS](https://aws.amazon.com) and [top](#top)')).toEqual(['rules.md#ops']);
  });
});
