/** Loads the config document from a local file (JSON, or YAML by extension). */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { parseConfig, type LoadedConfig } from '../pipeline/config.js';

export async function loadConfigFile(path: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : (error as Error).message;
    throw new ConfigError(path, [{ path: '', message }], { cause: error });
  }
  return parseConfig(text, path);
}
