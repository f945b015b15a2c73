/**
 * `latest.json`: the pointer a reader follows to an as-of date's newest complete run
 * (docs/publishing.md). It names a run only after that run's manifest is stored, and it only ever
 * moves forward: it is written by compare-and-swap, and only by a run newer than the one it names
 * (run ids are time-ordered ULIDs, so "newer" is "greater id").
 *
 * The sinks differ only in how they read and conditionally write the pointer ({@link PointerStore});
 * the protocol itself — decide, swap, re-read on a lost race, retry on failure, and say exactly what
 * is visible when it gives up — is {@link movePointerForward}, the same for S3 and folders.
 */
import { createHash } from 'node:crypto';
import { MANIFEST_FILE } from './manifest.js';

export const LATEST_FILE = 'latest.json';

export interface LatestPointer {
  readonly asOf: string;
  readonly runId: string;
  /** The manifest's path relative to the as-of folder, e.g. `run-id=…/manifest.json`. */
  readonly manifest: string;
  readonly manifestSha256: string;
  readonly publishedAt: string;
}

/** A run whose manifest is stored: everything latest.json needs to name it. */
export interface StoredRun {
  readonly asOf: string;
  readonly runId: string;
  /** SHA-256 (hex) of the stored manifest's bytes. */
  readonly manifestSha256: string;
  /** The run wrote Athena table files (its manifest lists a `tables/` path): the copy of latest.json follows the pointer. */
  readonly tables?: boolean;
}

/** Where latest.json stands after a run's publish. */
export type PointerOutcome =
  /** It names this run. */
  | { readonly status: 'current' }
  /** It names a newer run, and was left so: the pointer never goes back. */
  | { readonly status: 'newer'; readonly runId: string }
  /** The run is published but held back: the pointer was not touched. */
  | { readonly status: 'held-back'; readonly reason: string };

export function runFolder(runId: string): string {
  return `run-id=${runId}`;
}

export function asOfFolder(asOf: string): string {
  return `as-of=${asOf}`;
}

/** The stored run a manifest's text describes, as latest.json names it. */
export function storedRun(asOf: string, runId: string, manifestText: string): StoredRun {
  const run = { asOf, runId, manifestSha256: createHash('sha256').update(manifestText, 'utf8').digest('hex') };
  return listsTableFiles(manifestText) ? { ...run, tables: true } : run;
}

function listsTableFiles(manifestText: string): boolean {
  try {
    const files = (JSON.parse(manifestText) as { files?: { path?: unknown }[] }).files;
    return Array.isArray(files) && files.some((file) => typeof file?.path === 'string');
  } catch {
    return false;
  }
}

export function latestPointer(run: StoredRun, publishedAt: Date): LatestPointer {
  return {
    asOf: run.asOf,
    runId: run.runId,
    manifest: `${runFolder(run.runId)}/${MANIFEST_FILE}`,
    manifestSha256: run.manifestSha256,
    publishedAt: publishedAt.toISOString(),
  };
}

export function renderPointer(pointer: LatestPointer): Buffer {
  return Buffer.from(`${JSON.stringify(pointer, null, 2)}\n`);
}

/** The pointer in a latest.json's text, or null when the text is not one (then any run may replace it). */
export function parsePointer(text: string): LatestPointer | null {
  try {
    const value = JSON.parse(text) as Partial<LatestPointer> | null;
    return typeof value?.runId === 'string' && value.runId !== '' ? (value as LatestPointer) : null;
  } catch {
    return null;
  }
}

/** What a run does about the pointer it found: write itself, or leave it (it names this run or a newer one). */
export function pointerDecision(current: LatestPointer | null, runId: string): 'write' | PointerOutcome {
  if (current === null || current.runId < runId) return 'write';
  return current.runId === runId ? { status: 'current' } : { status: 'newer', runId: current.runId };
}

/** latest.json as compare-and-swap sees it. `Version` is whatever the store compares (an ETag, the file's text). */
export interface PointerStore<Version> {
  /** The pointer with its version; `pointer` is null when the content is not a pointer. Null when absent. */
  read(): Promise<{ readonly pointer: LatestPointer | null; readonly version: Version } | null>;
  /** Writes only if latest.json is still at `expected` (null: still absent); 'changed' when it was not. */
  write(pointer: LatestPointer, expected: Version | null): Promise<'written' | 'changed'>;
}

export interface PointerRetry {
  /** Attempts in all when reading or writing fails (not counting lost races). */
  readonly attempts: number;
  /** Delay before the second attempt, doubled for each further one. */
  readonly delayMs: number;
  /** Errors worth another attempt; default all (an abort at the deadline, for example, is not). */
  readonly retryable?: (error: unknown) => boolean;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_POINTER_RETRY: PointerRetry = { attempts: 3, delayMs: 100 };

/** Lost races (the pointer changed between read and write) tolerated before giving up. */
export const MAX_POINTER_RACES = 10;

/**
 * Moving the pointer failed. `seen` is the pointer as last read (null: absent; undefined: never
 * read); `uncertain` is true when a write failed in a way that may still have been applied and no
 * later read could tell.
 */
export class PointerMoveError extends Error {
  constructor(
    message: string,
    readonly seen: LatestPointer | null | undefined,
    readonly uncertain: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PointerMoveError';
  }
}

/**
 * Makes latest.json name `run` unless it names `run` or a newer run already. Retries failed reads
 * and writes (bounded), re-reads after every lost race, and, before giving up, reads once more so
 * that the error says exactly what readers see.
 */
export async function movePointerForward<Version>(
  store: PointerStore<Version>,
  run: StoredRun,
  pointerAt: () => LatestPointer,
  retry: PointerRetry = DEFAULT_POINTER_RETRY,
): Promise<PointerOutcome> {
  const sleep = retry.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const retryable = retry.retryable ?? (() => true);
  let seen: LatestPointer | null | undefined;
  let unconfirmedWrite = false;
  let failures = 0;
  let races = 0;
  let lastError: unknown;
  for (;;) {
    let writing = false;
    try {
      const current = await store.read();
      seen = current?.pointer ?? null;
      unconfirmedWrite = false;
      const decision = pointerDecision(seen, run.runId);
      if (decision !== 'write') return decision;
      writing = true;
      if ((await store.write(pointerAt(), current?.version ?? null)) === 'written') return { status: 'current' };
      if (++races >= MAX_POINTER_RACES) {
        throw new PointerMoveError(`${LATEST_FILE} changed under every one of ${races} compare-and-swap attempts`, seen, false);
      }
      // Someone else moved it between our read and write: read again and decide again.
      await sleep(Math.random() * retry.delayMs);
    } catch (error) {
      if (error instanceof PointerMoveError) throw error;
      lastError = error;
      if (writing) unconfirmedWrite = true;
      if (++failures >= retry.attempts || !retryable(error)) break;
      await sleep(retry.delayMs * 2 ** (failures - 1));
    }
  }
  return finalCheck(store, run, lastError, seen, unconfirmedWrite, retryable);
}

/** One last read, so that a failure reports what is visible rather than what might be. */
async function finalCheck<Version>(
  store: PointerStore<Version>,
  run: StoredRun,
  lastError: unknown,
  seen: LatestPointer | null | undefined,
  unconfirmedWrite: boolean,
  retryable: (error: unknown) => boolean,
): Promise<PointerOutcome> {
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  if (!retryable(lastError)) throw new PointerMoveError(reason, seen, unconfirmedWrite, { cause: lastError });
  try {
    const current = (await store.read())?.pointer ?? null;
    const decision = pointerDecision(current, run.runId);
    if (decision !== 'write') return decision;
    throw new PointerMoveError(reason, current, false, { cause: lastError });
  } catch (error) {
    if (error instanceof PointerMoveError) throw error;
    throw new PointerMoveError(reason, seen, unconfirmedWrite, { cause: lastError });
  }
}
