import { existsSync } from 'node:fs';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../lambdas/adapters/config-file.js';
import { ConfigError } from '../../../lambdas/errors.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'market-pulse-config-file-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(path: string): Promise<ConfigError> {
  const error = await loadConfigFile(path).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loadConfigFile', () => {
  it('reads a JSON file with a UTF-8 BOM, hashing its bytes as they are', async () => {
    const path = join(dir, 'desk.json');
    await writeFile(path, '\uFEFF{"rules": [], "version": "v1"}\n');
    const loaded = await loadConfigFile(path);
    expect(loaded.config.version).toBe('v1');
    expect(loaded.source).toBe(path);
  });

  it.runIf(existsSync('/dev/zero'))('stops reading /dev/zero at the size limit and names it', async () => {
    // A device reports size 0, so only the capped read can stop it (read whole, it would take ~1 GB of memory first).
    const error = await failure('/dev/zero');
    expect(error.message).toBe(
      'invalid config /dev/zero: the document is larger than 4 MiB, the most a config document may be (is this the right file?)',
    );
  });

  it('refuses a large regular file from its size, before reading it', async () => {
    const path = join(dir, 'huge.json');
    await writeFile(path, '');
    await truncate(path, 1024 ** 3); // sparse: 1 GiB of zeros that take no disk
    expect((await failure(path)).message).toContain('larger than 4 MiB');
  });

  it('names a missing file, a directory and a file that is not UTF-8', async () => {
    expect((await failure(join(dir, 'absent.json'))).message).toBe(`invalid config ${join(dir, 'absent.json')}: file not found`);
    expect((await failure(dir)).message).toBe(`invalid config ${dir}: is a directory, not a file`);
    const latin1 = join(dir, 'latin1.yaml');
    await writeFile(latin1, Buffer.from('rules: []\nversion: caf\xe9\n', 'latin1'));
    expect((await failure(latin1)).message).toBe(
      `invalid config ${latin1}: the document is not valid UTF-8 (first bad byte at offset 22); save it as UTF-8`,
    );
  });
});
