/**
 * `config diff <a> <b>`: what changed from one config document to another, rule by rule. Each side
 * is a local file, or (with --stage or --config-url) a version id of the stage's document or
 * `current`. An argument that names an existing file is that file.
 */
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type ConfigStore, describeVersion } from '../../lambdas/adapters/config-store.js';
import { UsageError } from '../../lambdas/errors.js';
import type { LoadedConfig } from '../../lambdas/pipeline/config.js';
import { diffConfigs, renderConfigDiff } from '../../lambdas/pipeline/config-diff.js';
import { loadLocalDocument, parseStored } from './config-documents.js';
import { hasLocation, openConfigStore } from './config-location.js';
import type { CliIo } from './io.js';
import { rejectEmptyOptions } from './options.js';

export async function configDiff(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { stage: { type: 'string' }, 'config-url': { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  rejectEmptyOptions(values);
  if (positionals.length !== 2)
    throw new UsageError('config diff takes two documents: files, version ids or "current" (see market-pulse config --help)');
  const files = await Promise.all(positionals.map(isFile));
  let store: ConfigStore | undefined;
  if (files.includes(false)) {
    const named = positionals.filter((_, index) => !files[index]).join(', ');
    if (!hasLocation(values))
      throw new UsageError(
        `no such file: ${named}; to compare versions of a stage's document, add --stage <stage> or --config-url s3://bucket/key`,
      );
    store = await openConfigStore(values, 'config diff');
  }
  const [before, after] = await Promise.all(
    positionals.map((name, index) => (files[index] ? fromFile(name, store) : fromStore(store!, name))),
  );
  io.out(`--- ${before!.label}`);
  io.out(`+++ ${after!.label}`);
  for (const line of renderConfigDiff(diffConfigs(before!.loaded.config, after!.loaded.config))) io.out(line);
}

async function isFile(name: string): Promise<boolean> {
  return (await stat(name).catch(() => undefined))?.isFile() ?? false;
}

async function fromFile(path: string, store: ConfigStore | undefined): Promise<{ label: string; loaded: LoadedConfig }> {
  // Read as the stage would read it when a stage is named, so a diff never shows what a push would refuse.
  return { label: path, loaded: (await loadLocalDocument(path, store)).loaded };
}

async function fromStore(store: ConfigStore, version: string): Promise<{ label: string; loaded: LoadedConfig }> {
  const stored = await store.read(version === 'current' ? undefined : version);
  if (stored === null) throw new UsageError(`${store.url} does not exist yet, so there is no current version to compare`);
  return { label: `${store.url} ${describeVersion(stored)}`, loaded: parseStored(stored, store) };
}
