/**
 * Reading a large CSV file on all cores (docs/architecture.md, "Reading on worker threads"): this
 * thread reads the file and cuts it into pieces at record ends (record-boundary.ts); the pieces are
 * dealt in turn to this thread and to one worker thread per other core, each parsing, validating,
 * applying the rules and preparing the piece's rows for ranking (chunk-rows.ts); this thread merges
 * the pieces in file order into the ranking tables, so the run's rows, their numbers and its outputs
 * are exactly those of a read on one thread (read-run.ts). This thread takes its share rather than only
 * merging: a worker per core beside it would leave the cores shared three ways and add a heap.
 *
 * Where cutting by quote count could be wrong (a quote where RFC 4180 allows none, a byte-order mark
 * at the start of a piece, no record end for many megabytes) or a piece's framing is bad, it gives
 * up and the run reads the file on one thread, which also reports any framing error with the line
 * numbers of the whole file. A worker that fails otherwise fails the run.
 */
import { open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { SourceError } from '../../errors.js';
import { SpillFile } from '../ranking/spill-file.js';
import { type ReadRowsElsewhere, type RowsJob, SortedRows } from '../sorted-rows.js';
import { SpareBuffers } from '../spare-buffers.js';
import { MIB } from '../text.js';
import { ChunkReader, type ChunkRows, type ChunkSetup } from './chunk-rows.js';
import type { PieceMessage } from './chunk-worker.js';
import { PARALLEL_MIN_BYTES, type ReaderThread, type Reply, readerFailure, readerThread, type StartedThreads } from './reader-threads.js';
import { lastRecordEnd } from './record-boundary.js';

export interface ParallelReadOptions {
  /** Files smaller than this are read on one thread: starting workers costs more than it saves. */
  readonly minBytes?: number;
  /** Threads reading pieces, this one included; the machine's available parallelism unless set. */
  readonly threads?: number;
  readonly pieceBytes?: number;
  /** The script each worker runs; chunk-worker's unless set (tests give workers that fail). */
  readonly workerScript?: URL;
  /** Worker threads started earlier (reader-threads.ts), used if there are as many as needed. */
  readonly started?: StartedThreads;
  /** Files at least this large have their rows' lines spilled to a temporary file (ranking/spill-file.ts). */
  readonly spillMinBytes?: number;
  /** Where the spill file goes; the system's temporary folder (TMPDIR) unless set. */
  readonly spillFolder?: string;
  /** Bytes of spilled lines read back at once (ranking/spilled-chunks.ts). */
  readonly windowBytes?: number;
}

/**
 * From this size on, a file's rows keep their lines in a spill file rather than in memory: the run
 * then holds each row's sort keys (~60 bytes), not its text (~140), at the cost of writing the
 * lines once and reading them back once per output (docs/architecture.md, "Lines spilled to disk").
 */
export const SPILL_MIN_BYTES = 64 * MIB;
const PIECE_BYTES = 4 * MIB;
/** Pieces cut and not yet merged, per thread: enough to keep every worker busy, few enough to bound memory. */
const IN_FLIGHT_PER_THREAD = 2;
/** No record end outside quotes in this many bytes: likely an unterminated quote; one thread reports it. */
const MAX_PIECE_BYTES = 64 * MIB;

/** Gives up on reading in pieces; the run reads the file on one thread. */
class ReadOnOneThread extends Error {}

/** The reader a run calls for a CSV file (run.ts `readRows`), or undefined when one thread reads it (read-run.ts). */
export function parallelCsvReader(path: string, options: ParallelReadOptions = {}): ReadRowsElsewhere {
  return async (job) => {
    if (job.config.dedupe) return undefined; // dedupe keeps the first of repeats in file order: one thread
    const threads = options.threads ?? availableParallelism();
    if (threads < 2) return undefined;
    const fileBytes = (await stat(path)).size;
    if (fileBytes < (options.minBytes ?? PARALLEL_MIN_BYTES)) return undefined;
    const setup: ChunkSetup = {
      source: job.source,
      headerLength: job.header.length,
      positions: job.mapping.positions,
      rules: job.config.rules,
      order: job.config.ranking.order,
      timeZone: job.config.window.timeZone,
      tally: job.config.outputs.report,
    };
    const sorted = new SortedRows(job.config);
    if (fileBytes >= (options.spillMinBytes ?? SPILL_MIN_BYTES)) spillLines(sorted, job, options);
    const pieceBytes = options.pieceBytes ?? PIECE_BYTES;
    // This thread's reader first: a setup no thread can read with fails before any worker starts.
    const local = new ChunkReader(setup);
    const workers = options.started?.take(threads - 1) ?? Array.from({ length: threads - 1 }, () => readerThread(options.workerScript));
    const pool = new ReaderPool(local, workers, setup, job.source, pieceBytes);
    try {
      return await readPieces(path, fileBytes, pool, sorted, job, pieceBytes);
    } catch (error) {
      await sorted.release();
      if (error instanceof ReadOnOneThread) return undefined;
      if (error instanceof SpillFailure) {
        job.onWarning?.(`${error.message}; reading the file again on one thread, its rows' lines held in memory`);
        return undefined;
      }
      throw error;
    } finally {
      await pool.close();
    }
  };
}

/** Has the rows keep their lines in a spill file; if none can be made, says why and keeps them in memory. */
function spillLines(sorted: SortedRows, job: RowsJob, options: ParallelReadOptions): void {
  let file: SpillFile;
  try {
    file = SpillFile.open(options.spillFolder);
  } catch (error) {
    job.onWarning?.(`${error instanceof Error ? error.message : String(error)}; the rows' lines are held in memory instead`);
    return;
  }
  sorted.spillLinesTo(file, options.windowBytes);
}

/** The spill file could not be written: the run reads the file again on one thread, in memory. */
class SpillFailure extends Error {}

/** Reads the file of `fileBytes` bytes (its size when the run looked) in pieces of `pieceBytes` into `sorted`. */
async function readPieces(
  path: string,
  fileBytes: number,
  pool: ReaderPool,
  sorted: SortedRows,
  job: RowsJob,
  pieceBytes: number,
): Promise<SortedRows> {
  const pending: (Piece | undefined)[] = [];
  // Per thread, the CUSIP keys it has numbered (ChunkRows.newGroupKeys), by its ids.
  const groupKeys = Array.from({ length: pool.size }, (): string[] => []);
  let merged = 0;
  const mergeNext = async (): Promise<void> => {
    const rows = await pending[merged]!();
    pending[merged++] = undefined;
    if (rows.misquoted) throw new ReadOnOneThread();
    // The first piece tells how many rows the whole file holds, nearly: the tables grow once.
    if (merged === 1) reserveLike(sorted, rows, fileBytes / Math.max(1, firstPieceBytes));
    const thread = pool.threadOf(merged - 1);
    merge(sorted, rows, groupKeys[thread]!, job, (lines) => pool.recycleLines(thread, lines));
  };
  let firstPieceBytes = 0;
  const send = (bytes: Uint8Array): void => {
    const index = pending.length;
    if (index === 0) firstPieceBytes = bytes.length;
    // A byte-order mark is dropped only at the start of the input: one at a piece's start must stay data.
    if (index > 0 && startsLikeByteOrderMark(bytes)) throw new ReadOnOneThread();
    pending.push(pool.read(index, bytes));
  };
  const file = await open(path, 'r');
  try {
    // Each piece is read into a buffer of its own (one an earlier piece was read into, when its
    // rows are out of it: ReaderPool.pieceBuffer), from the end of the last record of the piece before
    // (re-reading the few bytes after it), so no bytes are joined or copied before a worker gets
    // them, and the buffer moves to the worker rather than being copied. The next piece is being
    // read while this one is handed out and earlier ones are merged.
    const readAt = (position: number, size: number) => {
      const buffer = pool.pieceBuffer(size);
      const read = file.read(buffer, 0, size, position).then(({ bytesRead }) => ({
        bytes: buffer.subarray(0, bytesRead),
        whole: bytesRead < size,
      }));
      // Awaited on the next turn; if the run fails first, its failure is not to go unhandled.
      read.catch(() => {});
      return read;
    };
    let position = 0;
    let size = pieceBytes;
    let next = readAt(position, size);
    for (;;) {
      const { bytes, whole } = await next;
      if (bytes.length === 0) break;
      const end = whole ? bytes.length : lastRecordEnd(bytes);
      if (end <= 0) {
        // No record ends in the piece: read more of the file at once, up to a limit.
        if (size >= MAX_PIECE_BYTES) throw new ReadOnOneThread();
        size = Math.min(size * 2, MAX_PIECE_BYTES);
        next = readAt(position, size);
        continue;
      }
      position += end;
      size = pieceBytes;
      next = readAt(position, size);
      send(bytes.subarray(0, end));
      while (pending.length - merged >= pool.size * IN_FLIGHT_PER_THREAD) await mergeNext();
    }
    if (pending.length === 0) send(new Uint8Array(0));
    while (merged < pending.length) await mergeNext();
    try {
      await sorted.flush();
    } catch (error) {
      throw new SpillFailure(error instanceof Error ? error.message : String(error), { cause: error });
    }
    return sorted;
  } catch (error) {
    if (error instanceof ReadOnOneThread || error instanceof WorkerFailure || error instanceof SpillFailure) throw error;
    throw new SourceError(`${job.source}: reading failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    await file.close();
  }
}

/** Makes room in the tables for `scale` times the rows of the first piece, and a little more. */
function reserveLike(sorted: SortedRows, first: ChunkRows, scale: number): void {
  const estimate = (rows: number) => Math.ceil(rows * scale * 1.02) + 1024;
  sorted.kept.reserve(estimate(first.kept.count));
  sorted.excluded.reserve(estimate(first.excluded.count));
}

/**
 * Adds a piece's rows after those of the pieces before it; `groupKeys` are its thread's
 * (ChunkRows.newGroupKeys). `spilled` gets the piece's buffers of lines once they are in the spill file.
 */
function merge(sorted: SortedRows, rows: ChunkRows, groupKeys: string[], job: RowsJob, spilled: (lines: Uint8Array) => void): void {
  // A thread's pieces are merged in the order it read them, so its new keys follow those before.
  if (rows.firstNewGroup !== groupKeys.length) throw new Error("a piece was merged out of its thread's order");
  for (const key of rows.newGroupKeys) groupKeys.push(key);
  const before = sorted.read;
  sorted.kept.addPrepared(rows.kept, groupKeys, spilled);
  sorted.excluded.addPrepared(rows.excluded, groupKeys, spilled);
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

/** A piece's rows, when the merge comes to it. */
type Piece = () => Promise<ChunkRows>;

/** Reads pieces in turn on this thread and on `threads - 1` worker threads. */
class ReaderPool {
  private readonly waiting = new Map<number, { resolve: (rows: ChunkRows) => void; reject: (error: Error) => void }>();
  /** Where pieces are read into, given back once their rows are out of them. */
  private readonly pieceBuffers: SpareBuffers;
  /** Per worker: buffers of lines it prepared, now in the spill file, to go back with its next piece. */
  private readonly spareLines: ArrayBuffer[][];
  /** Why a worker failed: pieces sent after that fail at once. */
  private failure: string | undefined;

  constructor(
    private readonly local: ChunkReader,
    private readonly workers: readonly ReaderThread[],
    setup: ChunkSetup,
    private readonly source: string,
    pieceBytes: number,
  ) {
    const threads = workers.length + 1;
    // The pieces cut and not yet merged, one being read and one spare; none of a grown read's size.
    this.pieceBuffers = new SpareBuffers(threads * IN_FLIGHT_PER_THREAD + 2, pieceBytes);
    this.spareLines = workers.map(() => []);
    for (const worker of workers) {
      worker.listen(
        (reply) => this.reply(reply),
        (failure) => this.failAll(readerFailure(failure)),
      );
      worker.post({ setup });
    }
  }

  get size(): number {
    return this.workers.length + 1;
  }

  /** The thread that reads piece `index`: 0 is this one. */
  threadOf(index: number): number {
    return index % this.size;
  }

  /** Starts reading a piece on a worker, or keeps it for this thread to read when it is merged. */
  read(index: number, bytes: Uint8Array): Piece {
    const thread = this.threadOf(index);
    if (thread === 0) return async () => this.readHere(bytes, index === 0);
    const promise = new Promise<ChunkRows>((resolve, reject) => this.waiting.set(index, { resolve, reject }));
    if (this.failure !== undefined) this.failAll(this.failure);
    // Awaited in order later; a failure while earlier pieces are awaited must not count as unhandled.
    promise.catch(() => {});
    // The piece's buffer is its own (readPieces), so it moves to the worker without a copy.
    const spareLines = this.spareLines[thread - 1]!.splice(0);
    const message: PieceMessage = { index, bytes, startsWithHeader: index === 0, spareLines };
    this.workers[thread - 1]!.post(message, [bytes.buffer as ArrayBuffer, ...spareLines]);
    return () => promise;
  }

  /** A buffer to read a piece of `size` bytes into: one an earlier piece was read into, when there is one. */
  pieceBuffer(size: number): Buffer {
    return this.pieceBuffers.take(size);
  }

  /** Hands a buffer of lines prepared by `thread` back to it, once the lines are in the spill file. */
  recycleLines(thread: number, lines: Uint8Array): void {
    if (thread === 0) this.local.recycleLines([lines.buffer]);
    else this.spareLines[thread - 1]!.push(lines.buffer as ArrayBuffer);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
  }

  private readHere(bytes: Uint8Array, startsWithHeader: boolean): ChunkRows {
    try {
      const { rows } = this.local.read(bytes, startsWithHeader);
      // The rows' lines were copied out of the piece (PreparedRowsBuilder.finish): it can be read into again.
      this.pieceBuffers.give(bytes.buffer);
      return rows;
    } catch (error) {
      // Bad framing: read again on one thread, which reports it with the whole file's line numbers.
      if (error instanceof SourceError) throw new ReadOnOneThread();
      throw error;
    }
  }

  private reply({ index, rows, piece, failed }: Reply): void {
    if (piece !== undefined) this.pieceBuffers.give(piece.buffer);
    const waiter = this.waiting.get(index);
    this.waiting.delete(index);
    if (waiter === undefined) return;
    if (rows !== undefined) waiter.resolve(rows);
    else if (failed?.inputError) waiter.reject(new ReadOnOneThread());
    else waiter.reject(new WorkerFailure(`${this.source}: reading on a worker thread failed: ${failed?.message}`));
  }

  private failAll(reason: string): void {
    this.failure ??= reason;
    for (const waiter of this.waiting.values())
      waiter.reject(new WorkerFailure(`${this.source}: reading on a worker thread failed: ${reason}`));
    this.waiting.clear();
  }
}
