/**
 * Loads the config document from a local file (JSON, or YAML by extension). The file is read in
 * chunks up to the size cap, so a wrong path (a device such as /dev/zero, a pipe, a huge log)
 * fails fast with the limit named instead of being read whole.
 */
import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { type LoadedConfig, parseConfig } from '../pipeline/config.js';
import { checkConfigSize, decodeConfigBytes, readConfigBytes } from '../pipeline/config-document.js';

export async function loadConfigFile(path: string): Promise<LoadedConfig> {
  let bytes: Buffer;
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const stats = await handle.stat();
    if (stats.isDirectory()) throw new ConfigError(path, [{ path: '', message: 'is a directory, not a file' }]);
    // A regular file's size is known up front; devices and pipes report 0 and are capped while read.
    checkConfigSize(stats.size, path);
    const stream = createReadStream(path, { fd: handle, highWaterMark: 64 * 1024 });
    handle = undefined; // the stream owns and closes it now
    bytes = await readConfigBytes(stream, path);
  } catch (error) {
    await handle?.close();
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : (error as Error).message;
    throw new ConfigError(path, [{ path: '', message }], { cause: error });
  }
  return parseConfig(decodeConfigBytes(bytes, path), path);
}
