/**
 * Publishes a run to a local folder, by the same rules as S3 (docs/publishing.md): the files are
 * written into a hidden staging folder beside the target as they are rendered, manifest last, each
 * flushed to disk; the folder is renamed into place in one step (the run is then complete); then
 * latest.json moves forward to it by a lock-free compare-and-swap (./fs-pointer.ts), and the as-of
 * folder is flushed.
 *
 * Folders and files get the permissions the umask gives (not 0700), so whoever may read latest.json
 * may read the run it names. A published run folder is never overwritten. A failure says exactly
 * what is visible (PublishError.visible), and leftovers of interrupted runs are removed by the next
 * run (./fs-leftovers.ts).
 */
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PublishError, RunAlreadyPublishedError } from '../errors.js';
import { type Log, silentLog } from '../log.js';
import {
  asOfFolder,
  DEFAULT_POINTER_RETRY,
  LATEST_FILE,
  latestPointer,
  movePointerForward,
  type PointerOutcome,
  type PointerRetry,
  runFolder,
  type StoredRun,
} from '../pipeline/latest-pointer.js';
import { MANIFEST_FILE } from '../pipeline/manifest.js';
import type { OutputFile, PublishedRun, PublishRequest, ResultSink } from '../pipeline/ports.js';
import { pointerNotMoved, runNotPublished } from '../pipeline/publish-outcome.js';
import type { FileHasher } from './file-hash-thread.js';
import { stagingName, sweepLeftovers } from './fs-leftovers.js';
import { createFlushing, FsPointerStore, newestPromotableRun, syncFolder, writeDurably } from './fs-pointer.js';
import { followLatestInFolder, writeTableFiles } from './fs-table-files.js';
import { WrittenFiles } from './fs-written-files.js';

export interface FsSinkOptions {
  readonly now?: () => Date;
  readonly log?: Log;
  /** Retries of the latest.json move when reading or writing it fails. */
  readonly pointerRetry?: PointerRetry;
  /**
   * Hashes each data file once written (file-hash-thread.ts: on another core, the CLI), while the
   * next is rendered; without it, files are hashed as they are rendered.
   */
  readonly hasher?: FileHasher;
}

interface RunPaths {
  readonly dateDir: string;
  readonly runDir: string;
  readonly latest: string;
}

export class FsSink implements ResultSink {
  readonly description: string;
  private readonly now: () => Date;
  private readonly log: Log;
  private readonly pointerRetry: PointerRetry;
  private readonly hasher: FileHasher | undefined;

  constructor(
    private readonly root: string,
    options: FsSinkOptions = {},
  ) {
    this.description = `dir:${root}`;
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? silentLog;
    this.pointerRetry = { ...DEFAULT_POINTER_RETRY, ...options.pointerRetry };
    this.hasher = options.hasher;
  }

  async publish(request: PublishRequest): Promise<PublishedRun> {
    const paths = this.paths(request.asOf, request.runId);
    try {
      await mkdir(paths.dateDir, { recursive: true });
    } catch (error) {
      throw runNotPublished(request.runId, `cannot create output folder ${paths.dateDir}: ${reason(error)}`, 'nothing', error);
    }
    await sweepLeftovers(paths.dateDir, this.log);
    const manifest = await this.store(request, paths);

    if (request.holdBack !== null) {
      this.log.info('run held back: latest.json not moved', { location: paths.runDir, reason: request.holdBack });
      await this.syncDateFolder(request.runId, paths, { status: 'held-back', reason: request.holdBack });
      return { location: paths.runDir, latest: paths.latest, pointer: { status: 'held-back', reason: request.holdBack } };
    }
    const tables = (request.tableFiles ?? []).length > 0;
    return this.movePointer({
      asOf: request.asOf,
      runId: request.runId,
      manifestSha256: manifest.sha256,
      ...(tables ? { tables } : {}),
    });
  }

  async readManifest(asOf: string, runId: string): Promise<string | null> {
    const path = join(this.paths(asOf, runId).runDir, MANIFEST_FILE);
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return null;
      throw error;
    }
  }

  async movePointer(run: StoredRun): Promise<PublishedRun> {
    const paths = this.paths(run.asOf, run.runId);
    const store = new FsPointerStore(paths.dateDir, paths.latest, run.runId);
    const move = (target: StoredRun) => movePointerForward(store, target, () => latestPointer(target, this.now()), this.pointerRetry);
    let pointer: PointerOutcome;
    try {
      pointer = await move(run);
    } catch (error) {
      throw pointerNotMoved(run.runId, paths.runDir, paths.latest, reason(error), error);
    }
    // Close the race the re-check leaves open: this run's rename may have covered a newer run's pointer.
    const newer = pointer.status === 'current' ? await this.newerRun(run, paths) : null;
    if (newer) {
      this.log.warn('a newer run was published meanwhile; moving latest.json on to it', { runId: run.runId, newer: newer.runId });
      try {
        await move(newer);
      } catch (error) {
        throw new PublishError(
          `run ${run.runId} is complete at ${paths.runDir} and ${paths.latest} names it, ` +
            `but the newer run ${newer.runId}, published meanwhile, could not be made the latest: ${reason(error)}`,
          { cause: error, visible: 'pointer-unknown' },
        );
      }
      pointer = { status: 'newer', runId: newer.runId };
    }
    await this.syncDateFolder(run.runId, paths, pointer);
    if (run.tables) await this.followLatest(run, store);
    return { location: paths.runDir, latest: paths.latest, pointer };
  }

  /**
   * The Athena copy of latest.json follows it (docs/queries.md). The run and latest.json are
   * settled by now: a failure here is logged, not thrown, and the copy is brought up by the next
   * run or retry of the date.
   */
  private async followLatest(run: StoredRun, latest: FsPointerStore): Promise<void> {
    try {
      await followLatestInFolder(this.root, run.asOf, latest, run.runId, this.pointerRetry);
    } catch (error) {
      this.log.warn('the tables/latest copy of latest.json was not brought up to date; the next run of the date does it', {
        asOf: run.asOf,
        error: reason(error),
      });
    }
  }

  private paths(asOf: string, runId: string): RunPaths {
    const dateDir = join(this.root, 'runs', asOfFolder(asOf));
    return { dateDir, runDir: join(dateDir, runFolder(runId)), latest: join(dateDir, LATEST_FILE) };
  }

  /** Whether the run folder exists already with this manifest (a retry of this run): then it is finished, not overwritten. */
  private async alreadyStored(request: PublishRequest, manifest: OutputFile, paths: RunPaths): Promise<boolean> {
    let stored: Buffer;
    try {
      stored = await readFile(join(paths.runDir, MANIFEST_FILE));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw runNotPublished(request.runId, `cannot check ${paths.runDir}: ${reason(error)}`, 'unknown', error);
    }
    if (stored.equals(joined(manifest))) return true;
    throw new RunAlreadyPublishedError(
      `run ${request.runId} is already published at ${paths.runDir} with another manifest; published runs are never overwritten`,
    );
  }

  /**
   * Writes the run into a staging folder, each data file streamed as it is rendered, then the
   * manifest; renames the folder into place and returns the manifest. A run folder that already
   * holds this manifest (a retry of this run) is kept as it is; the rename cannot replace it.
   */
  private async store(request: PublishRequest, paths: RunPaths): Promise<OutputFile> {
    const staging = join(paths.dateDir, stagingName(request.runId));
    let manifest: OutputFile;
    // Each data file is flushed while the next is rendered; all are on disk before the folder is.
    const flushing: Promise<void>[] = [];
    try {
      // The Athena table files first: the run folder's rename, manifest inside, is what completes the run.
      const tables = await writeTableFiles(this.root, request.runId, request.tableFiles ?? []);
      // mkdir, not mkdtemp: mkdtemp makes 0700 folders, and the run folder must be as readable as latest.json.
      await mkdir(staging);
      this.hasher?.warm();
      const written = new WrittenFiles(this.hasher);
      for (const file of request.files) {
        const path = join(staging, checkedName(file.name));
        const before = file.readsEarlierFiles ? await written.all() : written.known;
        const { result, flushed } = await createFlushing(path, (write) => written.stream(file, write, before));
        written.add(result, path);
        flushing.push(flushed);
      }
      manifest = request.manifest([...(await written.all()), ...tables]);
      await writeDurably(join(staging, checkedName(manifest.name)), manifest.chunks);
      await Promise.all(flushing);
      await syncFolder(staging);
    } catch (error) {
      // No file is removed under a flush still running.
      await Promise.allSettled(flushing);
      await rm(staging, { recursive: true, force: true }).catch(() => undefined);
      if (error instanceof RunAlreadyPublishedError) throw error;
      throw runNotPublished(
        request.runId,
        `writing run ${request.runId} under ${paths.dateDir} failed: ${reason(error)}`,
        'nothing',
        error,
      );
    }
    try {
      await rename(staging, paths.runDir);
    } catch (error) {
      // What the folder shows decides, not what the call said: the rename may have happened.
      await rm(staging, { recursive: true, force: true }).catch(() => undefined);
      if (await this.alreadyStored(request, manifest, paths)) return manifest;
      throw runNotPublished(request.runId, `moving run ${request.runId} into ${paths.runDir} failed: ${reason(error)}`, 'nothing', error);
    }
    return manifest;
  }

  private async newerRun(run: StoredRun, paths: RunPaths): Promise<StoredRun | null> {
    try {
      return await newestPromotableRun(paths.dateDir, run.asOf, run.runId);
    } catch (error) {
      this.log.warn('could not look for runs published meanwhile', { dateDir: paths.dateDir, error: reason(error) });
      return null;
    }
  }

  /** Flushes the as-of folder, which makes the run folder's and latest.json's renames durable. */
  private async syncDateFolder(runId: string, paths: RunPaths, pointer: PointerOutcome): Promise<void> {
    const { attempts, delayMs } = this.pointerRetry;
    for (let attempt = 1; ; attempt++) {
      try {
        return await syncFolder(paths.dateDir);
      } catch (error) {
        if (attempt >= attempts) throw this.notFlushed(runId, paths, pointer, error);
        await new Promise((resolve) => setTimeout(resolve, delayMs * 2 ** (attempt - 1)));
      }
    }
  }

  private notFlushed(runId: string, paths: RunPaths, pointer: PointerOutcome, error: unknown): PublishError {
    const names = pointer.status === 'current';
    return new PublishError(
      `run ${runId} is complete at ${paths.runDir}${names ? ` and ${paths.latest} names it` : ''}, ` +
        `but flushing ${paths.dateDir} to disk failed: ${reason(error)}; ` +
        `after a crash ${names ? `${LATEST_FILE} may name the run before it` : 'the run folder may be missing'}`,
      { cause: error, visible: names ? 'pointer-unknown' : 'stored' },
    );
  }
}

/** A file name of the run, refused if it would land outside the run folder. */
function checkedName(name: string): string {
  if (name === '' || name === '.' || name === '..' || /[/\\]/.test(name))
    throw new Error(`${JSON.stringify(name)} is not a valid output file name`);
  return name;
}

function joined(file: OutputFile): Buffer {
  return Buffer.concat(file.chunks.map((chunk) => Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
