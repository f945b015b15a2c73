/** `config history`: the versions of the stage's config document, newest first, with who and why. */
import { parseArgs } from 'node:util';
import type { ConfigVersionEntry } from '../../lambdas/adapters/config-store.js';
import { UsageError } from '../../lambdas/errors.js';
import { openConfigStore } from './config-location.js';
import type { CliIo } from './io.js';
import { parseCount, rejectEmptyOptions } from './options.js';

export async function configHistory(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { stage: { type: 'string' }, 'config-url': { type: 'string' }, limit: { type: 'string', default: '20' } },
    strict: true,
    allowPositionals: true,
  });
  rejectEmptyOptions(values);
  if (positionals.length > 0) throw new UsageError(`config history takes no arguments besides its options (got ${positionals.join(' ')})`);
  const limit = parseCount(values.limit, 'limit', 1000, 'a number of versions');
  const store = await openConfigStore(values, 'config history');
  const versions = await store.history(limit);
  if (versions.length === 0) {
    io.out(`${store.url} has no versions: nothing was ever pushed there (or the bucket is not versioned)`);
    return;
  }
  io.out(`${store.url}: ${versions.length} version(s), newest first`);
  for (const line of table(versions)) io.out(line);
}

function table(versions: readonly ConfigVersionEntry[]): string[] {
  const rows = versions.map((entry) => [
    `${entry.versionId}${entry.isLatest ? ' (current)' : ''}`,
    entry.lastModified
      ? entry.lastModified
          .toISOString()
          .replace('T', ' ')
          .replace(/\.\d+Z$/, 'Z')
      : '-',
    entry.deleted ? '-' : (entry.note.changedBy ?? '(not recorded)'),
    entry.deleted
      ? '(deleted: run-colors finds no document here)'
      : (entry.note.message ?? '(not recorded: not pushed with market-pulse config push)'),
  ]);
  const header = ['VERSION', 'TIME (UTC)', 'BY', 'MESSAGE'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ');
  return [line(header), ...rows.map(line)];
}
