/**
 * Config documents for the config commands, validated exactly as run-colors will read them: the
 * bytes go through the same decoder and parser as lambdas/adapters/s3-config.ts, with the stage's
 * object URL as the source, so JSON or YAML is decided by the stage's key, not by the local name.
 */
import { readFile } from 'node:fs/promises';
import { loadConfigFile } from '../../lambdas/adapters/config-file.js';
import type { ConfigStore, StoredConfig } from '../../lambdas/adapters/config-store.js';
import { ConfigError } from '../../lambdas/errors.js';
import { type LoadedConfig, parseConfig } from '../../lambdas/pipeline/config.js';
import { decodeConfigBytes } from '../../lambdas/pipeline/config-document.js';

const isYaml = (name: string) => /\.ya?ml$/i.test(name);

export interface LocalDocument {
  readonly bytes: Buffer;
  readonly loaded: LoadedConfig;
}

/** A local file, checked on its own and then as the stage's object would be read. */
export async function loadLocalDocument(path: string, store?: ConfigStore): Promise<LocalDocument> {
  const local = await loadConfigFile(path);
  if (store === undefined) return { bytes: await readFile(path), loaded: local };
  if (isYaml(path) !== isYaml(store.key)) {
    const [reads, is] = isYaml(store.key) ? ['YAML', 'JSON'] : ['JSON', 'YAML'];
    throw new ConfigError(path, [
      { path: '', message: `the stage reads ${store.url} as ${reads} (by its name), and this file is ${is}; convert it first` },
    ]);
  }
  const bytes = await readFile(path);
  return { bytes, loaded: parseAs(bytes, store, path) };
}

/** A stored version (or the current one), validated; `label` names it in errors. */
export function parseStored(stored: StoredConfig, store: ConfigStore): LoadedConfig {
  return parseAs(stored.bytes, store, `${store.url} version ${stored.versionId ?? '(unversioned)'}`);
}

function parseAs(bytes: Buffer, store: ConfigStore, label: string): LoadedConfig {
  try {
    return parseConfig(decodeConfigBytes(bytes, store.url), store.url);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(label, error.issues, { cause: error });
    throw error;
  }
}
