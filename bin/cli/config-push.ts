/**
 * `config push` and `config rollback`: validate a document as run-colors will read it, then make it
 * the current version with If-Match on the version read. Both end in {@link replaceDocument}.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ConfigConflictError, type ConfigStore, describeVersion, type StoredConfig } from '../../lambdas/adapters/config-store.js';
import { UsageError } from '../../lambdas/errors.js';
import type { LoadedConfig } from '../../lambdas/pipeline/config.js';
import { diffConfigs, renderConfigDiff } from '../../lambdas/pipeline/config-diff.js';
import { loadLocalDocument, parseStored } from './config-documents.js';
import { callerArn, openConfigStore } from './config-location.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { rejectEmptyOptions } from './options.js';

/** S3 keeps at most 2 KB of metadata per object, the caller's ARN included. */
const MAX_MESSAGE_LENGTH = 1000;

const LOCATION = { stage: { type: 'string' }, 'config-url': { type: 'string' }, message: { type: 'string', short: 'm' } } as const;

export async function configPush(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: LOCATION, strict: true, allowPositionals: true });
  rejectEmptyOptions(values);
  if (positionals.length !== 1) throw new UsageError('config push takes exactly one file (see market-pulse config --help)');
  const message = checkMessage(values.message, 'config push needs -m "<why>": every version records why it was made');
  const store = await openConfigStore(values, 'config push');
  const file = positionals[0]!;
  const document = await loadLocalDocument(file, store);
  io.out(`${file}: valid as run-colors reads ${store.url} (${ruleCount(document.loaded)})`);
  return replaceDocument(store, document, message, io, `config diff ${locationArgs(values)} current ${file}`);
}

export async function configRollback(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...LOCATION, to: { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  rejectEmptyOptions(values);
  if (positionals.length > 0) throw new UsageError(`config rollback takes no file, only --to <version> (got ${positionals.join(' ')})`);
  if (values.to === undefined) throw new UsageError('config rollback needs --to <version>: a version id from market-pulse config history');
  const message = checkMessage(values.message ?? `rollback to ${values.to}`, '');
  const store = await openConfigStore(values, 'config rollback');
  const target = await store.read(values.to);
  // Validated now, with today's rules: an old version that no longer passes is not made current.
  const loaded = parseStored(target!, store);
  io.out(`${describeVersion(target!)}: valid as run-colors reads it today (${ruleCount(loaded)})`);
  return replaceDocument(store, { bytes: target!.bytes, loaded }, message, io, `config history ${locationArgs(values)}`);
}

/**
 * Makes `document` the current version unless it already is, with If-Match on the version read
 * first, and prints what changed against it. A conflict leaves both versions as they were.
 */
async function replaceDocument(
  store: ConfigStore,
  document: { bytes: Buffer; loaded: LoadedConfig },
  message: string,
  io: CliIo,
  seeChanges: string,
): Promise<number> {
  const current = await store.read();
  if (current !== null && sha256(current.bytes) === sha256(document.bytes)) {
    io.out(`${store.url} already holds this document (${describeVersion(current)}); nothing to do`);
    return EXIT.ok;
  }
  const changedBy = await callerArn();
  let versionId: string | null;
  try {
    versionId = await store.replace(document.bytes, current?.etag ?? null, { changedBy, message });
  } catch (error) {
    if (!(error instanceof ConfigConflictError)) throw error;
    io.err(`market-pulse: ${error.message}`);
    io.err(`  someone else changed it since this command read it; your change is not lost, only not applied.`);
    io.err(`  see what changed: market-pulse ${seeChanges}`);
    io.err(`  then fold their change into yours and run this command again.`);
    return EXIT.conflict;
  }
  io.out(`${store.url}: version ${versionId ?? '(unversioned: turn on bucket versioning to keep history)'} is current, by ${changedBy}`);
  io.out(current === null ? '  (the first version)' : `  changes against ${describeVersion(current)}:`);
  if (current !== null) for (const line of changesSince(current, store, document.loaded)) io.out(`  ${line}`);
  return EXIT.ok;
}

function changesSince(previous: StoredConfig, store: ConfigStore, next: LoadedConfig): string[] {
  try {
    return renderConfigDiff(diffConfigs(parseStored(previous, store).config, next.config));
  } catch (error) {
    return [`(the previous version does not validate today, so there is no rule-by-rule diff: ${(error as Error).message})`];
  }
}

function checkMessage(message: string | undefined, missing: string): string {
  if (message === undefined) throw new UsageError(missing);
  if (message.length > MAX_MESSAGE_LENGTH)
    throw new UsageError(`--message is ${message.length} characters; keep it to ${MAX_MESSAGE_LENGTH} (S3 metadata is small)`);
  return message;
}

function ruleCount({ config }: LoadedConfig): string {
  return `${config.rules.length} rules, ${config.rules.filter((rule) => rule.active).length} active`;
}

function locationArgs(values: { stage?: string | undefined; 'config-url'?: string | undefined }): string {
  return values.stage !== undefined ? `--stage ${values.stage}` : `--config-url ${values['config-url']}`;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
