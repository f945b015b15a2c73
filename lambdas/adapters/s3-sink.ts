/**
 * Publishes a run to S3 (docs/publishing.md): every object of the run is created with
 * `If-None-Match: *` (published objects are never overwritten), data files first, `manifest.json`
 * last — its presence is what "complete" means — and then the as-of date's `latest.json` moves
 * forward to it by compare-and-swap (`If-Match` on the ETag read, `If-None-Match: *` when absent).
 *
 * Retries are safe by content: an object that already holds exactly the bytes being written counts
 * as written, so a retry after a lost response, or a later attempt of the same run id, finishes the
 * run instead of failing on its own leftovers. When a step fails, the error says exactly what
 * readers can see (PublishError.visible); a stored run is finished by the next attempt of its id.
 *
 * Data files are streamed as they are rendered (./s3/object-upload.ts): a small one is one PutObject,
 * a large one a multipart upload completed create-only; an upload that fails is aborted.
 *
 * Partial objects of a failed run are left in place, not deleted: without a manifest and a pointer
 * no reader finds them, and deleting would need s3:DeleteObject on the output prefix, which least
 * privilege keeps away from the function (a lifecycle rule can expire them).
 */
import { PublishError, RunAlreadyPublishedError } from '../errors.js';
import { type Log, silentLog } from '../log.js';
import { JSON_CONTENT_TYPE } from '../names.js';
import {
  asOfFolder,
  DEFAULT_POINTER_RETRY,
  LATEST_FILE,
  type LatestPointer,
  latestPointer,
  movePointerForward,
  PointerMoveError,
  type PointerRetry,
  type PointerStore,
  parsePointer,
  renderPointer,
  runFolder,
  type StoredRun,
} from '../pipeline/latest-pointer.js';
import { MANIFEST_FILE } from '../pipeline/manifest.js';
import { streamFile } from '../pipeline/outputs/stream-file.js';
import { followLatest, latestCopyPath } from '../pipeline/parquet/table-files.js';
import type { DataFile, OutputFile, PublishedRun, PublishRequest, ResultSink, WrittenFile } from '../pipeline/ports.js';
import { pointerNotMoved, runNotPublished } from '../pipeline/publish-outcome.js';
import { describeS3Error, isAborted } from './s3/errors.js';
import {
  MAX_PUT_BYTES,
  type ObjectBody,
  ObjectExistsError,
  objectBody,
  outputFileBody,
  type S3Destination,
  S3Objects,
} from './s3/objects.js';
import { checkBucketName, joinKey, normalizePrefix, s3Url } from './s3-location.js';

/** Kept back from the Lambda's remaining time, so a publish cut short can still be reported. */
const DEADLINE_RESERVE_MS = 3_000;

export interface S3SinkOptions extends S3Destination {
  /** The Lambda's remaining time in ms: every request is cancelled {@link DEADLINE_RESERVE_MS} before it runs out. */
  readonly remainingTimeMs?: () => number;
  readonly now?: () => Date;
  readonly log?: Log;
  /** How many times a put answered 409 ConditionalRequestConflict is tried again (default 2). */
  readonly conflictRetries?: number;
  /** Delay before the first retry after a 409, doubled for each further one (default 200 ms). */
  readonly conflictRetryDelayMs?: number;
  /** Retries of the latest.json move when reading or writing it fails. */
  readonly pointerRetry?: PointerRetry;
  /** Part size of the multipart uploads of large data files (default 8 MiB; S3 takes 5 MiB at least). */
  readonly partBytes?: number;
}

interface RunKeys {
  readonly location: string;
  readonly latestKey: string;
  readonly latest: string;
  readonly runKey: string;
}

export class S3Sink implements ResultSink {
  readonly description: string;
  private readonly objects: S3Objects;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly now: () => Date;
  private readonly log: Log;
  private readonly pointerRetry: PointerRetry;

  constructor(options: S3SinkOptions) {
    this.bucket = checkBucketName(options.bucket);
    this.prefix = normalizePrefix(options.prefix);
    this.description = s3Url(this.bucket, this.prefix);
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? silentLog;
    const remaining = options.remainingTimeMs;
    this.objects = new S3Objects({
      client: options.client,
      bucket: this.bucket,
      kmsKeyId: options.kmsKeyId,
      log: this.log,
      conflictRetries: options.conflictRetries,
      conflictRetryDelayMs: options.conflictRetryDelayMs,
      partBytes: options.partBytes,
      signal: remaining ? () => AbortSignal.timeout(Math.max(1, remaining() - DEADLINE_RESERVE_MS)) : undefined,
    });
    this.pointerRetry = { ...DEFAULT_POINTER_RETRY, ...options.pointerRetry, retryable: (error) => !isAborted(error) };
  }

  async publish(request: PublishRequest): Promise<PublishedRun> {
    const keys = this.keys(request.asOf, request.runId);
    // Everything that can be checked without S3 is checked before the first byte is written.
    checkNames(
      request.runId,
      request.files.map((file) => file.name),
    );
    const tableFiles = (request.tableFiles ?? []).map(({ path, file }) => ({ key: joinKey(this.prefix, path), file }));
    const written: WrittenFile[] = [];
    for (const file of request.files) written.push(await this.writeDataFile(request.runId, `${keys.runKey}/${file.name}`, file, written));
    // The Athena table files, create-only like the data files, before the manifest completes the run.
    const tablesWritten: WrittenFile[] = [];
    for (const { key, file } of tableFiles) tablesWritten.push(await this.writeDataFile(request.runId, key, file, tablesWritten));
    const manifest = request.manifest([...written, ...tablesWritten]);
    checkManifest(request.runId, manifest, written);
    await this.writeManifest(request.runId, keys, outputFileBody(manifest));
    this.log.info('stored run in S3', { location: keys.location, objects: request.files.length + tableFiles.length + 1 });

    const tables = tableFiles.length > 0;
    const run: StoredRun = {
      asOf: request.asOf,
      runId: request.runId,
      manifestSha256: manifest.sha256,
      ...(tables ? { tables } : {}),
    };
    if (request.holdBack !== null) {
      this.log.info('run held back: latest.json not moved', { location: keys.location, reason: request.holdBack });
      return { location: keys.location, latest: keys.latest, pointer: { status: 'held-back', reason: request.holdBack } };
    }
    return this.movePointer(run);
  }

  async readManifest(asOf: string, runId: string): Promise<string | null> {
    const key = `${this.keys(asOf, runId).runKey}/${MANIFEST_FILE}`;
    try {
      return (await this.objects.read(key))?.text ?? null;
    } catch (error) {
      throw new PublishError(`reading ${s3Url(this.bucket, key)} failed: ${describeS3Error(error)}`, { cause: error, visible: 'unknown' });
    }
  }

  async movePointer(run: StoredRun): Promise<PublishedRun> {
    const keys = this.keys(run.asOf, run.runId);
    const store = new S3PointerStore(this.objects, keys.latestKey);
    try {
      const pointer = await movePointerForward(store, run, () => latestPointer(run, this.now()), this.pointerRetry);
      this.log.info('latest.json settled', { latest: keys.latest, runId: run.runId, pointer });
      if (run.tables) await this.followLatest(run, store);
      return { location: keys.location, latest: keys.latest, pointer };
    } catch (error) {
      if (!(error instanceof PointerMoveError)) throw error;
      const reason = error.cause instanceof Error ? describeS3Error(error.cause) : error.message;
      const denied = store.readDenied ? `; reading ${keys.latest} was denied (HTTP 403): the role needs s3:GetObject on it` : '';
      throw pointerNotMoved(run.runId, keys.location, keys.latest, `${reason}${denied}`, error);
    }
  }

  /**
   * The Athena copy of latest.json follows it (docs/queries.md). The run and latest.json are
   * settled by now: a failure here is logged, not thrown, and the copy is brought up by the next
   * run or retry of the date.
   */
  private async followLatest(run: StoredRun, latest: S3PointerStore): Promise<void> {
    const key = joinKey(this.prefix, latestCopyPath(run.asOf));
    try {
      await followLatest(latest, new S3PointerStore(this.objects, key), this.pointerRetry);
    } catch (error) {
      const cause = error instanceof PointerMoveError && error.cause instanceof Error ? error.cause : error;
      this.log.warn('the tables/latest copy of latest.json was not brought up to date; the next run of the date does it', {
        key,
        error: describeS3Error(cause),
      });
    }
  }

  private keys(asOf: string, runId: string): RunKeys {
    const dateKey = joinKey(this.prefix, `runs/${asOfFolder(asOf)}`);
    const runKey = `${dateKey}/${runFolder(runId)}`;
    const latestKey = `${dateKey}/${LATEST_FILE}`;
    return { runKey, location: s3Url(this.bucket, runKey), latestKey, latest: s3Url(this.bucket, latestKey) };
  }

  /** Streams `file` (`before` precedes it: ports.ts DataFile.render) into create-only `key`; returns its size and SHA-256. */
  private async writeDataFile(runId: string, key: string, file: DataFile, before: readonly WrittenFile[]): Promise<WrittenFile> {
    const upload = this.objects.upload(key, file.contentType);
    try {
      const written = await streamFile(file, (chunk, done) => upload.write(chunk, done), before);
      const result = await upload.finish(written.bytes, written.sha256);
      if (result === 'existing')
        this.log.info('run object already holds these exact bytes (an earlier attempt of this run); keeping it', { key });
      return written;
    } catch (error) {
      await upload.abort();
      if (error instanceof ObjectExistsError) {
        throw new RunAlreadyPublishedError(
          `${s3Url(this.bucket, key)} already exists with other content: an earlier attempt of run ${runId} wrote different data, ` +
            'or the run is published; published objects are never overwritten. ' +
            'Nothing of this attempt is visible; latest.json was not changed',
          { cause: error },
        );
      }
      throw runNotPublished(runId, `writing ${s3Url(this.bucket, key)} failed: ${describeS3Error(error)}`, 'nothing', error);
    }
  }

  /** Creates the manifest; when that fails without an answer, asks S3 whether it was stored anyway. */
  private async writeManifest(runId: string, keys: RunKeys, manifest: ObjectBody): Promise<void> {
    const key = `${keys.runKey}/${MANIFEST_FILE}`;
    const url = s3Url(this.bucket, key);
    let failure: unknown;
    try {
      const result = await this.objects.create(key, manifest);
      if (result === 'existing')
        this.log.info('manifest already stored with these exact bytes (a retry of this run); finishing it', { key });
      return;
    } catch (error) {
      if (error instanceof ObjectExistsError) throw otherManifest(runId, url, error);
      failure = error;
    }
    let stored: Awaited<ReturnType<S3Objects['compare']>>;
    try {
      stored = await this.objects.compare(key, manifest.body.length, manifest.sha256);
    } catch (checkError) {
      throw runNotPublished(
        runId,
        `writing ${url} failed (${describeS3Error(failure)}) ` +
          `and asking S3 whether it was stored failed too (${describeS3Error(checkError)})`,
        'unknown',
        failure,
      );
    }
    if (stored === 'same') {
      this.log.warn('the manifest write reported a failure but S3 stored it: the run is complete', {
        key,
        error: describeS3Error(failure),
      });
      return;
    }
    if (stored === 'different') throw otherManifest(runId, url, failure);
    throw runNotPublished(runId, `writing ${url} failed: ${describeS3Error(failure)}`, 'nothing', failure);
  }
}

/** The run's file names as the protocol needs them: distinct (a repeat would meet our own If-None-Match) and plain. */
function checkNames(runId: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of [...names, MANIFEST_FILE]) {
    const where = `run ${runId}: file ${JSON.stringify(name)}`;
    if (seen.has(name)) throw new PublishError(`${where} appears twice; nothing was written`);
    if (name === '' || name.includes('/') || name === LATEST_FILE)
      throw new PublishError(`${where} is not a valid output file name; nothing was written`);
    seen.add(name);
  }
}

/** The manifest as the protocol needs it: its own name, a valid checksum and the size it claims. */
function checkManifest(runId: string, manifest: OutputFile, written: readonly WrittenFile[]): void {
  const where = `run ${runId}: manifest ${JSON.stringify(manifest.name)}`;
  const visible = 'the data files are stored but nothing of the run is visible; latest.json was not changed';
  if (manifest.name !== MANIFEST_FILE || written.some((file) => file.name === manifest.name))
    throw new PublishError(`${where} is not named ${MANIFEST_FILE}; ${visible}`);
  if (!/^[0-9a-f]{64}$/i.test(manifest.sha256))
    throw new PublishError(`${where} has no valid SHA-256 (${JSON.stringify(manifest.sha256)}); ${visible}`);
  const held = manifest.chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  if (held !== manifest.bytes) throw new PublishError(`${where} claims ${manifest.bytes} bytes but holds ${held}; ${visible}`);
  if (held > MAX_PUT_BYTES) throw new PublishError(`${where} is ${held} bytes, over the 5 GiB single-upload limit; ${visible}`);
}

function otherManifest(runId: string, url: string, cause: unknown): RunAlreadyPublishedError {
  return new RunAlreadyPublishedError(
    `run ${runId} is already published: ${url} exists with another manifest; published runs are never overwritten`,
    { cause },
  );
}

/** latest.json in S3: its ETag is the version compared. */
class S3PointerStore implements PointerStore<string> {
  /** Whether a read answered 403 (taken as absent); explains a conditional write that keeps failing. */
  readDenied = false;

  constructor(
    private readonly objects: S3Objects,
    private readonly key: string,
  ) {}

  async read(): Promise<{ pointer: LatestPointer | null; version: string } | null> {
    const stored = await this.objects.read(this.key, () => (this.readDenied = true));
    return stored === null ? null : { pointer: parsePointer(stored.text), version: stored.etag };
  }

  write(pointer: LatestPointer, expected: string | null): Promise<'written' | 'changed'> {
    return this.objects.swap(this.key, objectBody(renderPointer(pointer), JSON_CONTENT_TYPE), expected);
  }
}
