/**
 * The worker threads that read pieces of a CSV file (chunk-worker.ts) for parallel-read.ts. A
 * worker takes ~0.15 s to boot and compile its code; the CLI starts its threads as soon as it knows
 * the input is a large CSV file ({@link startReaderThreads}), so they boot while the run loads its
 * config and opens its input, and are ready when the first pieces are cut. Their setup (the
 * columns, rules, ranking) follows as their first message, once the run knows it.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { MIB } from '../text.js';
import { workerScript } from '../worker-script.js';
import type { ChunkRows, ChunkSetup } from './chunk-rows.js';
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

/** One worker thread; a failure before anyone listens (it may fail as it boots) is kept for its listener. */
export class ReaderThread {
  private readonly worker: Worker;
  private failure: string | undefined;
  private onReply: ((reply: Reply) => void) | undefined;
  private onFailure: ((reason: string) => void) | undefined;
  private closing = false;

  constructor(script: URL | undefined) {
    const { url, evaluated } = script === undefined ? workerScript('chunk-worker', import.meta.url) : { url: script, evaluated: false };
    this.worker = new Worker(url, { eval: evaluated, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    this.worker.on('message', (reply: Reply) => this.onReply?.(reply));
    this.worker.on('error', (error) => this.fail(error.message));
    this.worker.on('exit', (code) => {
      if (!this.closing) this.fail(`the worker thread exited (code ${code})`);
    });
  }

  /** Sends the thread its setup and listens to it: replies to pieces, and its failure (at once if it has failed). */
  start(setup: ChunkSetup, onReply: (reply: Reply) => void, onFailure: (reason: string) => void): void {
    this.onReply = onReply;
    this.onFailure = onFailure;
    if (this.failure !== undefined) {
      onFailure(this.failure);
      return;
    }
    const message: SetupMessage = { setup };
    this.worker.postMessage(message);
  }

  /** Sends a piece; `transfer` moves its buffers to the thread. */
  read(message: PieceMessage, transfer: ArrayBuffer[]): void {
    this.worker.postMessage(message, transfer);
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }

  private fail(reason: string): void {
    this.failure ??= reason;
    this.onFailure?.(reason);
  }
}

/** Threads started before the run is ready for them; a reader takes them, or the run closes them. */
export class StartedThreads {
  private threads: ReaderThread[] | undefined;

  constructor(count: number, script?: URL) {
    this.threads = Array.from({ length: count }, () => new ReaderThread(script));
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
