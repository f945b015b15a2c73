/**
 * The Athena table files of a run in a local folder (lambdas/pipeline/parquet/table-files.ts), by
 * the rules of docs/publishing.md: each file is created, never overwritten, and appears whole —
 * streamed and flushed under a hidden name in its folder, then linked to its name (a link fails if
 * the name exists, where a rename would replace it). A file already there with the same SHA-256 (a
 * retry) counts as written; other bytes are a run already published.
 */
import { createHash } from 'node:crypto';
import { link, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RunAlreadyPublishedError } from '../errors.js';
import type { PointerOutcome, PointerRetry } from '../pipeline/latest-pointer.js';
import { streamFile } from '../pipeline/outputs/stream-file.js';
import { followLatest, latestCopyFolder, latestCopyPath } from '../pipeline/parquet/table-files.js';
import type { PlacedFile, WrittenFile } from '../pipeline/ports.js';
import { stagingName } from './fs-leftovers.js';
import { createDurably, FsPointerStore, syncFolder } from './fs-pointer.js';

/** Writes the files in order; returns each as written (its size and SHA-256, for the manifest). */
export async function writeTableFiles(root: string, runId: string, files: readonly PlacedFile[]): Promise<WrittenFile[]> {
  const written: WrittenFile[] = [];
  for (const { path, file } of files) {
    const target = join(root, path);
    const folder = dirname(target);
    await mkdir(folder, { recursive: true });
    const temp = join(folder, stagingName(runId));
    let done: WrittenFile | undefined;
    try {
      done = await createDurably(temp, (write) => streamFile(file, write, written));
      await link(temp, target);
    } catch (error) {
      if (done === undefined || (error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const stored = createHash('sha256')
        .update(await readFile(target))
        .digest('hex');
      if (stored !== done.sha256) {
        throw new RunAlreadyPublishedError(
          `${target} already exists with other content: run ${runId} is already published; published files are never overwritten`,
          { cause: error },
        );
      }
    } finally {
      await rm(temp, { force: true });
    }
    await syncFolder(folder);
    written.push(done);
  }
  return written;
}

/** Brings `tables/latest/as-of=…/latest.json` up to the as-of folder's latest.json (see table-files.ts). */
export async function followLatestInFolder(
  root: string,
  asOf: string,
  latest: FsPointerStore,
  runId: string,
  retry: PointerRetry,
): Promise<PointerOutcome | null> {
  const folder = join(root, latestCopyFolder(asOf));
  await mkdir(folder, { recursive: true });
  const outcome = await followLatest(latest, new FsPointerStore(folder, join(root, latestCopyPath(asOf)), runId), retry);
  await syncFolder(folder);
  return outcome;
}
