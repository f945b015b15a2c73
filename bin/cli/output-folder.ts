/**
 * `--out <folder>` is checked before the run reads anything: the folder, or the nearest folder above
 * it that exists, must take a new entry. That is tried for real — a probe folder made and removed at
 * once — because permission bits do not tell (root, read-only mounts, pseudo-filesystems). It also
 * keeps a run away from /proc and the like, where Node's recursive mkdir never returns: procfs
 * answers ENOENT for the folder being made, which mkdir takes for a missing parent, forever.
 */
import { mkdtemp, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PublishError } from '../../lambdas/errors.js';

export async function checkOutputFolder(out: string): Promise<void> {
  const folder = await nearestExisting(out);
  let probe: string;
  try {
    probe = await mkdtemp(join(folder, '.market-pulse-write-check-'));
  } catch (error) {
    throw new PublishError(`cannot write under --out ${out}: ${folder} does not take new folders (${describe(error)}); nothing was run`, {
      cause: error,
    });
  }
  await rmdir(probe);
}

/** `out` itself if it exists, else the closest folder above it that does. */
async function nearestExisting(out: string): Promise<string> {
  for (let path = resolve(out); ; path = dirname(path)) {
    try {
      if ((await stat(path)).isDirectory()) return path;
      throw new PublishError(`cannot write under --out ${out}: ${path} is a file, not a folder; nothing was run`);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A missing folder (or a file where a folder should be, ENOTDIR) is created by the run: look further up.
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(path) !== path) continue;
      if (error instanceof PublishError) throw error;
      throw new PublishError(`cannot write under --out ${out}: ${path}: ${describe(error)}; nothing was run`, { cause: error });
    }
  }
}

function describe(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code ?? message;
}
