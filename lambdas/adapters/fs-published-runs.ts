/**
 * The runs published in a local folder, read for a report's comparisons (PublishedRuns,
 * lambdas/pipeline/report/previous-runs.ts) at the paths FsSink writes. A missing file is absent;
 * any other failure is thrown for the report to note.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asOfFolder, LATEST_FILE, runFolder } from '../pipeline/latest-pointer.js';
import type { PublishedRuns } from '../pipeline/report/previous-runs.js';

export class FsPublishedRuns implements PublishedRuns {
  constructor(private readonly root: string) {}

  readLatest(asOf: string): Promise<Uint8Array | null> {
    return readIfPresent(join(this.root, 'runs', asOfFolder(asOf), LATEST_FILE));
  }

  readRunFile(asOf: string, runId: string, name: string): Promise<Uint8Array | null> {
    return readIfPresent(join(this.root, 'runs', asOfFolder(asOf), runFolder(runId), name));
  }
}

async function readIfPresent(path: string): Promise<Uint8Array | null> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`reading ${path} failed: ${(error as Error).message}`, { cause: error });
  }
}
