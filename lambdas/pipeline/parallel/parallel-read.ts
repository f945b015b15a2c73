/**
 * Reading a large CSV file on all cores (docs/architecture.md, "Reading on worker threads"): this
 * thread reads the file and cuts it into pieces at record ends (record-boundary.ts); worker threads
 * parse, validate, apply the rules and prepare each piece's rows for ranking (chunk-rows.ts); this
 * thread merges the pieces in file order into the ranking tables, so the run's rows, their numbers
 * and its outputs are exactly those of a read on one thread (run.ts).
 *
 * Where cutting by quote count could be wrong (a quote where RFC 4180 allows none, a byte-order mark
 * at the start of a piece, no record end for many megabytes) or a piece's framing is bad, it gives
 * up and the run reads the file on one thread, which also reports any framing error with the line
 * numbers of the whole file. A worker that fails otherwise fails the run.
 */
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SourceError } from '../../errors.js';
import { type ReadRowsElsewhere, type RowsJob, SortedRows } from '../sorted-rows.js';
import { MIB } from '../text.js';
import type { ChunkRows, ChunkSetup } from './chunk-rows.js';
import type { PieceMessage } from './chunk-worker.js';
import { lastRecordEnd } from './record-boundary.js';

export interface ParallelReadOptions {
  /** Files smaller than this are read on one thread: starting workers costs more than it saves. */
  readonly minBytes?: number;
  /** Worker threads; the machine's available parallelism unless set. */
  readonly workers?: number;
  readonly pieceBytes?: number;
}

export const PARALLEL_MIN_BYTES = 8 * MIB;
const PIECE_BYTES = 4 * MIB;
/** Pieces sent and not yet merged, per worker: enough to keep every thread busy, few enough to bound memory. */
const IN_FLIGHT_PER_WORKER = 3;
/** No record end outside quotes in this many bytes: likely an unterminated quote; one thread reports it. */
const MAX_CARRY_BYTES = 64 * MIB;

/** Gives up on reading in pieces; the run reads the file on one thread. */
class ReadOnOneThread extends Error {}

/** The reader run.ts calls for a CSV file (run.ts `readRows`), or undefined when one thread reads it. */
export function parallelCsvReader(path: string, options: ParallelReadOptions = {}): ReadRowsElsewhere {
  return async (job) => {
    if (job.config.dedupe) return undefined; // dedupe keeps the first of repeats in file order: one thread
    const workers = options.workers ?? availableParallelism();
    if (workers < 2 || (await stat(path)).size < (options.minBytes ?? PARALLEL_MIN_BYTES)) return undefined;
    const setup: ChunkSetup = {
      source: job.source,
      headerLength: job.header.length,
      positions: job.mapping.positions,
      rules: job.config.rules,
      order: job.config.ranking.order,
      timeZone: job.config.window.timeZone,
      tally: job.config.outputs.report,
    };
    const pool = new WorkerPool(workers, setup, job.source);
    try {
      return await readPieces(path, pool, job, options.pieceBytes ?? PIECE_BYTES);
    } catch (error) {
      if (error instanceof ReadOnOneThread) return undefined;
      throw error;
    } finally {
      await pool.close();
    }
  };
}

async function readPieces(path: string, pool: WorkerPool, job: RowsJob, pieceBytes: number): Promise<SortedRows> {
  const sorted = new SortedRows(job.config);
  const pending: (Promise<ChunkRows> | undefined)[] = [];
  let merged = 0;
  const mergeNext = async (): Promise<void> => {
    const rows = await pending[merged]!;
    pending[merged++] = undefined;
    if (rows.misquoted) throw new ReadOnOneThread();
    merge(sorted, rows, job);
  };
  const send = (bytes: Uint8Array): void => {
    const index = pending.length;
    // A byte-order mark is dropped only at the start of the input: one at a piece's start must stay data.
    if (index > 0 && startsLikeByteOrderMark(bytes)) throw new ReadOnOneThread();
    pending.push(pool.read(index, bytes));
  };
  const stream = createReadStream(path, { highWaterMark: pieceBytes });
  try {
    let carry: Buffer | undefined;
    for await (const data of stream as AsyncIterable<Buffer>) {
      const bytes = carry === undefined ? data : Buffer.concat([carry, data]);
      const end = lastRecordEnd(bytes);
      if (end <= 0) {
        if (bytes.length > MAX_CARRY_BYTES) throw new ReadOnOneThread();
        carry = bytes;
        continue;
      }
      send(bytes.subarray(0, end));
      carry = end < bytes.length ? bytes.subarray(end) : undefined;
      while (pending.length - merged >= pool.size * IN_FLIGHT_PER_WORKER) await mergeNext();
    }
    if (carry !== undefined || pending.length === 0) send(carry ?? new Uint8Array(0));
    while (merged < pending.length) await mergeNext();
    return sorted;
  } catch (error) {
    if (error instanceof ReadOnOneThread || error instanceof WorkerFailure) throw error;
    throw new SourceError(`${job.source}: reading failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    stream.destroy();
  }
}

/** Adds a piece's rows after those of the pieces before it. */
function merge(sorted: SortedRows, rows: ChunkRows, job: RowsJob): void {
  const before = sorted.read;
  sorted.kept.addPrepared(rows.kept);
  sorted.excluded.addPrepared(rows.excluded);
  if (rows.tally !== undefined) sorted.tally?.addCounts(rows.tally);
  for (const list of rows.excludedBy) sorted.countExcluded(rows.ruleLists[list]!);
  for (const row of rows.rejected) sorted.rejected.push({ ...row, sourceRow: row.sourceRow + before });
  sorted.read += rows.read;
  // Reported at each multiple of progressEvery the piece passes, as the read loop on one thread reports.
  for (let step = Math.floor(before / job.progressEvery) + 1; step * job.progressEvery <= sorted.read; step++) {
    job.onProgress?.(step * job.progressEvery);
  }
}

function startsLikeByteOrderMark(bytes: Uint8Array): boolean {
  const [a, b, c] = bytes;
  return (a === 0xef && b === 0xbb && c === 0xbf) || (a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff);
}

/** A worker thread failed other than on the input's framing: the run fails with it. */
class WorkerFailure extends Error {}

interface Reply {
  readonly index: number;
  readonly rows?: ChunkRows;
  readonly failed?: { readonly inputError: boolean; readonly message: string };
}

class WorkerPool {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve: (rows: ChunkRows) => void; reject: (error: Error) => void }>();
  private closing = false;

  constructor(
    count: number,
    setup: ChunkSetup,
    private readonly source: string,
  ) {
    const script = workerScript();
    this.workers = Array.from({ length: count }, () => {
      const worker = new Worker(script.script, { workerData: setup, eval: script.eval });
      worker.on('message', (reply: Reply) => this.reply(reply));
      worker.on('error', (error) => this.failAll(`${error.message}`));
      worker.on('exit', (code) => {
        if (!this.closing) this.failAll(`the worker thread exited (code ${code})`);
      });
      return worker;
    });
  }

  get size(): number {
    return this.workers.length;
  }

  read(index: number, bytes: Uint8Array): Promise<ChunkRows> {
    const promise = new Promise<ChunkRows>((resolve, reject) => this.waiting.set(index, { resolve, reject }));
    // Awaited in order later; a failure while earlier pieces are awaited must not count as unhandled.
    promise.catch(() => {});
    const copy = new Uint8Array(bytes); // its own buffer, so it can be moved
    const message: PieceMessage = { index, bytes: copy, startsWithHeader: index === 0 };
    this.workers[index % this.workers.length]!.postMessage(message, [copy.buffer]);
    return promise;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private reply({ index, rows, failed }: Reply): void {
    const waiter = this.waiting.get(index);
    this.waiting.delete(index);
    if (waiter === undefined) return;
    if (rows !== undefined) waiter.resolve(rows);
    else if (failed?.inputError) waiter.reject(new ReadOnOneThread());
    else waiter.reject(new WorkerFailure(`${this.source}: reading on a worker thread failed: ${failed?.message}`));
  }

  private failAll(reason: string): void {
    for (const waiter of this.waiting.values())
      waiter.reject(new WorkerFailure(`${this.source}: reading on a worker thread failed: ${reason}`));
    this.waiting.clear();
  }
}

/**
 * The worker's script: `chunk-worker.mjs` beside the CLI's bundle (scripts/build-cli.ts builds it
 * as an entry of its own; this module may sit in dist/chunks/), or the TypeScript source when run
 * from source (tests), loaded after registering tsx in the worker.
 */
function workerScript(): { script: string | URL; eval?: boolean } {
  for (const candidate of ['./chunk-worker.mjs', '../chunk-worker.mjs']) {
    const url = new URL(candidate, import.meta.url);
    if (existsSync(url)) return { script: url };
  }
  const source = new URL('./chunk-worker.ts', import.meta.url);
  if (!existsSync(source)) throw new Error(`chunk-worker.mjs is missing beside ${import.meta.url}: rebuild the CLI (npm run build)`);
  const load = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source.href)}); })`;
  return { script: load, eval: true };
}
