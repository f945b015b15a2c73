/**
 * Publishes a run to a local folder, atomically:
 * files go into a hidden temporary folder beside the target, manifest last, each fsynced; the
 * folder is renamed into place in one step; only then does `latest.json` move (itself replaced by
 * rename). A published run folder is never overwritten, and a failed run leaves no trace.
 */
import { mkdir, mkdtemp, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PublishError, RunAlreadyPublishedError } from '../errors.js';
import { asOfFolder, LATEST_FILE, latestPointer, runFolder } from '../pipeline/latest-pointer.js';
import { MANIFEST_FILE } from '../pipeline/manifest.js';
import type { PublishedRun, PublishRequest, ResultSink } from '../pipeline/ports.js';

export class FsSink implements ResultSink {
  readonly description: string;

  constructor(
    private readonly root: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.description = `dir:${root}`;
  }

  async publish(request: PublishRequest): Promise<PublishedRun> {
    const dateDir = join(this.root, 'runs', asOfFolder(request.asOf));
    const runDir = join(dateDir, runFolder(request.runId));
    try {
      await mkdir(dateDir, { recursive: true });
    } catch (error) {
      throw new PublishError(`cannot create output folder ${dateDir}: ${reason(error)}`, { cause: error });
    }
    if (await exists(runDir)) throw new RunAlreadyPublishedError(`run ${request.runId} is already published at ${runDir}; published runs are never overwritten`);

    const staging = await mkdtemp(join(dateDir, `.staging-${request.runId}-`));
    try {
      for (const file of request.files) await writeDurably(join(staging, file.name), file.chunks);
      await writeDurably(join(staging, request.manifest.name), request.manifest.chunks);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw new PublishError(`writing run ${request.runId} under ${dateDir} failed: ${reason(error)}; latest.json was not changed`, { cause: error });
    }
    try {
      await rename(staging, runDir);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      if (isCode(error, 'ENOTEMPTY') || isCode(error, 'EEXIST')) {
        throw new RunAlreadyPublishedError(`run ${request.runId} was published at ${runDir} while this one was writing`, { cause: error });
      }
      throw new PublishError(`moving run ${request.runId} into ${runDir} failed: ${reason(error)}; latest.json was not changed`, { cause: error });
    }

    const latest = join(dateDir, LATEST_FILE);
    const pointer = latestPointer(request.asOf, request.runId, request.manifest, this.now());
    const body = Buffer.from(`${JSON.stringify(pointer, null, 2)}\n`);
    const pending = join(dateDir, `.${LATEST_FILE}.${request.runId}`);
    try {
      await writeDurably(pending, [body]);
      await rename(pending, latest);
    } catch (error) {
      await rm(pending, { force: true });
      throw new PublishError(`run ${request.runId} is complete at ${runDir}, but moving ${latest} to it failed: ${reason(error)}`, { cause: error });
    }
    return { location: runDir, latest };
  }

  async readManifest(asOf: string, runId: string): Promise<string | null> {
    const path = join(this.root, 'runs', asOfFolder(asOf), runFolder(runId), MANIFEST_FILE);
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if (isCode(error, 'ENOENT')) return null;
      throw error;
    }
  }
}

async function writeDurably(path: string, chunks: readonly Uint8Array[]): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    for (const chunk of chunks) await handle.write(chunk);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isCode(error, 'ENOENT')) return false;
    throw error;
  }
}

function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
