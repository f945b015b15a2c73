/**
 * The worker threads that read pieces of a CSV file (chunk-worker.ts) for parallel-read.ts. A
 * worker takes ~0.15 s to boot and compile its code; the CLI starts its threads as soon as it knows
 * the input is a large CSV file ({@link startReaderThreads}), so they boot while the run loads its
 * config and opens its input, and are ready when the first pieces are cut. Their setup (the
 * columns, rules, ranking) follows as their first message, once the run knows it.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { MIB } from '../text.js';
import { type ThreadFailure, WorkerThread, workerScript } from '../worker-thread.js';
import type { ChunkRows } from './chunk-rows.js';
import type { PieceMessage, SetupMessage } from './chunk-worker.js';

export const PARALLEL_MIN_BYTES = 8 * MIB;
/**
 * A worker's young generation, in MiB. V8 sizes it for a main thread (semi-spaces up to 16 MiB);
 * a worker's garbage is each piece's field strings, dead before the next piece, and 8 MiB keeps the
 * run's peak ~30 MiB lower at no measured cost (docs/benchmarks.md, "Reading on both cores").
 */
const WORKER_YOUNG_GENERATION_MB = 8;

/** What a worker posts back for a piece. */
export interface Reply {
  readonly index: number;
  readonly rows?: ChunkRows;
  /** The piece's bytes, handed back once read, for the next pieces to be read into. */
  readonly piece?: Uint8Array;
  readonly failed?: { readonly inputError: boolean; readonly message: string };
}

/** A reading thread: sent its setup, then pieces (chunk-worker.ts). */
export type ReaderThread = WorkerThread<SetupMessage | PieceMessage, Reply>;

/** Starts a reading thread running chunk-worker's script, or `script` (tests give ones that fail). */
export function readerThread(script?: URL): ReaderThread {
  return new WorkerThread(script ?? workerScript('chunk-worker', import.meta.url), {
    maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB,
  });
}

/** How a failed reading thread is named in the run's error (after "reading on a worker thread failed: "). */
export function readerFailure(failure: ThreadFailure): string {
  return 'error' in failure ? failure.error : `the worker thread exited (code ${failure.exitCode})`;
}

/** Threads started before the run is ready for them; a reader takes them, or the run closes them. */
export class StartedThreads {
  private threads: ReaderThread[] | undefined;

  constructor(count: number, script?: URL) {
    this.threads = Array.from({ length: count }, () => readerThread(script));
  }

  /** The threads, if there are `count` of them and they were not taken yet. */
  take(count: number): ReaderThread[] | undefined {
    if (this.threads?.length !== count) return undefined;
    const threads = this.threads;
    this.threads = undefined;
    return threads;
  }

  /** Stops the threads no reader took. */
  async close(): Promise<void> {
    const threads = this.threads ?? [];
    this.threads = undefined;
    await Promise.all(threads.map((thread) => thread.close()));
  }
}

/**
 * Starts the worker threads a read of the CSV file at `path` will use (parallel-read.ts), when
 * it is large enough to be read on several threads; undefined otherwise. The caller closes them.
 */
export function startReaderThreads(path: string, threads = availableParallelism()): StartedThreads | undefined {
  if (threads < 2) return undefined;
  let bytes: number;
  try {
    bytes = statSync(path).size;
  } catch {
    return undefined; // the run reports a missing file in its own words
  }
  return bytes < PARALLEL_MIN_BYTES ? undefined : new StartedThreads(threads - 1);
}
