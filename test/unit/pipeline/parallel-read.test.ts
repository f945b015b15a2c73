/**
 * Reading a CSV file on worker threads (lambdas/pipeline/parallel/) gives the run exactly what one
 * thread gives: the same counts and the same bytes in every output (compared by the manifest's
 * SHA-256s), with pieces small enough that records, quoted line ends and rejected rows fall on every
 * kind of cut. Where the cut cannot be trusted the file is read on one thread; a worker that fails
 * fails the run.
 */
import { mkdtemp, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FileSource } from '../../../lambdas/adapters/file-source.js';
import { parseConfig } from '../../../lambdas/pipeline/config.js';
import { type ParallelReadOptions, parallelCsvReader } from '../../../lambdas/pipeline/parallel/parallel-read.js';
import { StartedThreads, startReaderThreads } from '../../../lambdas/pipeline/parallel/reader-threads.js';
import { lastRecordEnd } from '../../../lambdas/pipeline/parallel/record-boundary.js';
import { RowLineEncoder } from '../../../lambdas/pipeline/ranking/row-line.js';
import { SpillFile } from '../../../lambdas/pipeline/ranking/spill-file.js';
import { type RunRequest, runColors } from '../../../lambdas/pipeline/run.js';
import { resolveHeader } from '../../../lambdas/pipeline/schema.js';
import { SpareBuffers } from '../../../lambdas/pipeline/spare-buffers.js';
import { colorsCsv, HEADER } from '../../../scripts/colors-generator.js';
import { MemorySink } from '../../helpers/memory-ports.js';

const CONFIG = parseConfig(
  JSON.stringify({
    rules: [
      { name: 'unpriced', active: true, when: { column: 'PX', op: 'isEmpty' } },
      { name: 'jeff', active: true, when: { column: 'SOURCE', op: 'in', value: ['JEFF'] } },
    ],
    ranking: {
      order: [
        { column: 'SECTOR', direction: 'asc' },
        { column: 'RANK', direction: 'asc' },
        { column: 'PX', direction: 'desc' },
      ],
    },
  }),
  'test.json',
);
const PIECES = { minBytes: 0, pieceBytes: 4096, threads: 2 };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parallel-read-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, csv: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, csv);
  return path;
}

/** The run's manifest (the counts, per-input counts and every output's SHA-256: report.html holds the tally) and changes. */
async function run(path: string, readRows?: RunRequest['readRows'], progress?: number[], warnings?: string[], sink = new MemorySink()) {
  const { manifest, changes } = await runColors({
    source: new FileSource(path),
    sink,
    onWarning: (message) => warnings?.push(message),
    config: CONFIG,
    asOf: '2026-11-20',
    runId: 'RUNID',
    now: () => new Date(0),
    readRows,
    progressEvery: 500,
    onProgress: (rows) => progress?.push(rows),
  });
  return { counts: manifest.counts, manifest, changes };
}

/** Reads the file through the parallel reader alone: its rows, or undefined when it left them to one thread. */
async function readInPieces(
  path: string,
  timeZone = 'America/New_York',
  options: Pick<ParallelReadOptions, 'workerScript' | 'started'> = {},
) {
  const { config } = CONFIG;
  const header = HEADER.trim().split(',');
  return parallelCsvReader(path, { ...PIECES, ...options })({
    source: `file:${path}`,
    header,
    mapping: resolveHeader(header, path),
    config: { ...config, window: { ...config.window, timeZone } },
    progressEvery: 500,
  });
}

describe('reading a CSV file on worker threads', () => {
  it('gives the same counts and byte-identical outputs as one thread, quoted line ends and rejected rows included', async () => {
    const { csv } = colorsCsv({ rows: 3000, invalidRate: 0.02 });
    const lines = csv.split('\n');
    // Quoted fields holding line ends, commas and quotes, and a blank line, spread over the pieces.
    for (let at = 40; at < lines.length - 1; at += 97) {
      const fields = lines[at]!.split(',');
      if (fields.length !== 18) continue;
      fields[1] = `"LINE ONE\nLINE ""TWO"", ${at}"`;
      lines[at] = `${fields.join(',')}${at % 3 === 0 ? '\n' : ''}`;
    }
    const path = await file('colors.csv', lines.join('\n'));
    const progress: number[] = [];
    const progressOnOneThread: number[] = [];
    // This thread's pieces are ASCII: most of their rows' lines are their records, kept in the piece.
    const asRead = vi.spyOn(RowLineEncoder.prototype, 'rewriteAsRead');
    const parallel = await run(path, parallelCsvReader(path, PIECES), progress);
    expect(asRead.mock.results.filter((result) => result.type === 'return' && result.value === true).length).toBeGreaterThan(500);
    asRead.mockRestore();
    const single = await run(path, undefined, progressOnOneThread);
    expect(parallel).toEqual(single);
    expect(single.manifest.files.map((entry) => entry.name)).toContain('report.html');
    expect(progress).toEqual(progressOnOneThread);
    expect(single.counts.rejected).toBeGreaterThan(20);
    expect(single.counts.excluded).toBeGreaterThan(100);
    expect(progress.length).toBe(Math.floor(single.counts.read / 500));
    // And the pieces were really read on the workers, not handed back to one thread.
    const rows = await readInPieces(path);
    expect(rows?.read).toBe(single.counts.read);
    expect(rows?.rejected.map((row) => row.sourceRow)).toEqual(
      [...(rows?.rejected.map((row) => row.sourceRow) ?? [])].sort((a, b) => a - b),
    );
  });

  it('reads pieces decoded a slice at a time as one thread does, most rows kept as read', async () => {
    // ~1.4 MB in 256 KiB pieces: each piece is decoded in 64 KiB slices, records straddling them.
    const { csv } = colorsCsv({ rows: 10_000, invalidRate: 0.01 });
    const path = await file('slices.csv', csv);
    const asRead = vi.spyOn(RowLineEncoder.prototype, 'rewriteAsRead');
    const parallel = await run(path, parallelCsvReader(path, { ...PIECES, pieceBytes: 256 * 1024 }));
    const taken = asRead.mock.results.filter((result) => result.type === 'return' && result.value === true).length;
    asRead.mockRestore();
    // This thread reads every other piece (the spy sees only its own calls): nearly all their rows.
    expect(taken).toBeGreaterThan(parallel.counts.read * 0.45);
    expect(parallel).toEqual(await run(path));
  });

  it("counts the report's ranked rows per dealer and sector as one thread does, many spellings and ties included", async () => {
    const { csv } = colorsCsv({ rows: 3000 });
    const sourceAt = HEADER.trim().split(',').indexOf('SOURCE');
    const sectorAt = HEADER.trim().split(',').indexOf('SECTOR');
    // More distinct values than the tally lists before it switches to a Map, in spellings that merge
    // (case, spaces) with equal counts, so which spelling is shown cannot depend on the order counted.
    const lines = csv.split('\n').map((line, at) => {
      const fields = line.split(',');
      if (at === 0 || fields.length !== 18) return line;
      fields[sourceAt] = [`Dealer${at % 45}`, `DEALER${at % 45}`, ` dealer${at % 45} `, ''][at % 4]!;
      if (at % 7 === 0) fields[sectorAt] = at % 2 === 0 ? 'Corp' : 'CORP';
      return fields.join(',');
    });
    const path = await file('spellings.csv', lines.join('\n'));
    const rows = await readInPieces(path);
    const single = await run(path);
    expect(await run(path, parallelCsvReader(path, PIECES))).toEqual(single);
    // The tally was counted on the workers (report.html, compared above, shows it), over every ranked row.
    const bySource = rows?.tally?.bySource() ?? [];
    expect(bySource.length).toBeGreaterThanOrEqual(46);
    expect(bySource.reduce((sum, { rows }) => sum + rows, 0)).toBe(single.counts.ranked);
    expect(rows?.tally?.bySector().reduce((sum, { rows }) => sum + rows, 0)).toBe(single.counts.ranked);
  });

  it('reads the pieces into a few buffers, each filled again once its rows are out of it', async () => {
    const { csv } = colorsCsv({ rows: 3000 });
    const path = await file('reused.csv', csv);
    const pieceBytes = 4099;
    const takes = vi.spyOn(SpareBuffers.prototype, 'take');
    try {
      const parallel = await run(path, parallelCsvReader(path, { ...PIECES, pieceBytes }));
      // The buffers the pieces are read into: the pool asked for the pieces' size.
      const pools = new Set(takes.mock.contexts.filter((_, call) => takes.mock.calls[call]![0] === pieceBytes));
      expect(pools.size).toBe(1);
      const [pieces] = [...pools] as SpareBuffers[];
      expect(takes.mock.calls.filter(([size]) => size === pieceBytes).length).toBeGreaterThan(90);
      // Two threads, two pieces each in flight, one being read, one spare: not one per piece.
      expect(pieces!.fresh).toBeGreaterThan(2);
      expect(pieces!.fresh).toBeLessThanOrEqual(6);
      expect(parallel).toEqual(await run(path));
    } finally {
      takes.mockRestore();
    }
  });

  it('leaves a file with a quote inside an unquoted field to one thread, which reads it as always', async () => {
    const { csv } = colorsCsv({ rows: 400 });
    const lines = csv.split('\n');
    const fields = lines[5]!.split(',');
    fields[1] = 'AB"C';
    lines[5] = fields.join(',');
    const path = await file('misquoted.csv', lines.join('\n'));
    expect(await readInPieces(path)).toBeUndefined();
    const single = await run(path);
    expect(await run(path, parallelCsvReader(path, PIECES))).toEqual(single);
    expect(single.counts.rejected).toBe(1);
  });

  it('reads records longer than a piece, and a last record with no line end, as one thread does', async () => {
    const { csv } = colorsCsv({ rows: 600 });
    const lines = csv.split('\n').filter((line) => line !== '');
    // Three pieces' worth of TICKER in a few rows (one quoted over several lines), so a piece's
    // read must grow until a record ends in it.
    for (const at of [3, 250, 251]) {
      const fields = lines[at]!.split(',');
      fields[1] = at === 250 ? `"${'LONG\n'.repeat(2500)}"` : 'T'.repeat(3 * 4096);
      lines[at] = fields.join(',');
    }
    const path = await file('long-records.csv', lines.join('\n'));
    const rows = await readInPieces(path);
    const single = await run(path);
    expect(rows?.read).toBe(single.counts.read);
    expect(await run(path, parallelCsvReader(path, PIECES))).toEqual(single);
    expect(single.counts.read).toBe(lines.length - 1);
  });

  it('leaves an unterminated quote to one thread, which fails the run naming its line', async () => {
    const { csv } = colorsCsv({ rows: 200 });
    const path = await file('unterminated.csv', `${csv}1,"OPEN,X\n`);
    await expect(run(path, parallelCsvReader(path, PIECES))).rejects.toThrow(/unterminated quoted field starting on line 202/);
  });

  it.each([
    ['throws as it starts', 'throwing-worker.mjs', /reading on a worker thread failed: .*the worker broke/],
    ['exits', 'exiting-worker.mjs', /reading on a worker thread failed: the worker thread exited \(code 3\)/],
  ])('fails the run when a worker thread %s, and does not hang', async (_, script, message) => {
    const { csv } = colorsCsv({ rows: 300 });
    const path = await file(`worker-${script}.csv`, csv);
    const workerScript = new URL(`../../helpers/workers/${script}`, import.meta.url);
    await expect(readInPieces(path, 'America/New_York', { workerScript })).rejects.toThrow(message);
  });

  it('reads on threads started before the run was ready for them, and takes them once', async () => {
    const { csv } = colorsCsv({ rows: 600, invalidRate: 0.02 });
    const path = await file('started.csv', csv);
    const started = new StartedThreads(1);
    const single = await run(path);
    expect(await run(path, parallelCsvReader(path, { ...PIECES, started }))).toEqual(single);
    // The reader took them (and closed them when done): nothing is left to take or close.
    expect(started.take(1)).toBeUndefined();
    await started.close();
  });

  it('fails the run, without hanging, when a thread started early failed before the run took it', async () => {
    const { csv } = colorsCsv({ rows: 300 });
    const path = await file('started-broken.csv', csv);
    const started = new StartedThreads(1, new URL('../../helpers/workers/throwing-worker.mjs', import.meta.url));
    // Long enough for the thread to have failed with nobody listening yet.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(readInPieces(path, 'America/New_York', { started })).rejects.toThrow(
      /reading on a worker thread failed: .*the worker broke/,
    );
  });

  it('starts threads early only for a file large enough to be read on several threads', async () => {
    const small = await file('small.csv', 'a\n');
    const large = join(dir, 'large.csv');
    await writeFile(large, '');
    await truncate(large, 8 * 1024 * 1024);
    expect(startReaderThreads(small, 2)).toBeUndefined();
    expect(startReaderThreads(join(dir, 'missing.csv'), 2)).toBeUndefined();
    expect(startReaderThreads(large, 1)).toBeUndefined();
    const started = startReaderThreads(large, 3);
    expect(started).toBeInstanceOf(StartedThreads);
    // Threads nobody took are stopped by close, so the process can exit.
    expect(started!.take(1)).toBeUndefined();
    await started!.close();
    expect(started!.take(2)).toBeUndefined();
  });

  it('fails on a config no thread can read with, before any worker starts', async () => {
    const { csv } = colorsCsv({ rows: 300 });
    const path = await file('bad-zone.csv', csv);
    await expect(readInPieces(path, 'Not/AZone')).rejects.toThrow(/unknown time zone "Not\/AZone"/);
  });
});

describe("reading a large CSV file with its rows' lines spilled to disk", () => {
  const SPILLED = { ...PIECES, spillMinBytes: 0, windowBytes: 4096 };

  it('gives byte-identical outputs, reading the lines back a window at a time, and frees the spill file', async () => {
    const { csv } = colorsCsv({ rows: 3000, invalidRate: 0.02 });
    const path = await file('spilled.csv', csv);
    const spillFolder = await mkdtemp(join(dir, 'spill-'));
    const appended = vi.spyOn(SpillFile.prototype, 'append');
    const closed = vi.spyOn(SpillFile.prototype, 'close');
    try {
      const warnings: string[] = [];
      const spilled = await run(path, parallelCsvReader(path, { ...SPILLED, spillFolder }), undefined, warnings);
      // Each piece's kept and excluded lines (~430 KB in 4 KiB pieces), then freed with the run.
      expect(appended.mock.calls.length).toBeGreaterThan(100);
      expect(closed).toHaveBeenCalledTimes(1);
      expect(warnings).toEqual([]);
      expect(spilled).toEqual(await run(path));
      expect(await readdir(spillFolder)).toEqual([]);
    } finally {
      appended.mockRestore();
      closed.mockRestore();
    }
  });

  it("fills this thread's buffers of lines again once they are in the spill file", async () => {
    const { csv } = colorsCsv({ rows: 3000 });
    const path = await file('spilled-reused.csv', csv);
    const linePools = async (options: ParallelReadOptions) => {
      const takes = vi.spyOn(SpareBuffers.prototype, 'take');
      try {
        const result = await run(path, parallelCsvReader(path, options));
        const pools = new Set(
          takes.mock.contexts.filter((_, call) => takes.mock.calls[call]![0] !== options.pieceBytes),
        ) as Set<SpareBuffers>;
        const taken = takes.mock.calls.filter(([size]) => size !== options.pieceBytes).length;
        return { result, pools: [...pools], taken };
      } finally {
        takes.mockRestore();
      }
    };
    const spilled = await linePools(SPILLED);
    const kept = await linePools({ ...PIECES, spillMinBytes: Number.POSITIVE_INFINITY });
    expect(spilled.result).toEqual(kept.result);
    // This thread's pieces' kept and excluded lines (its ChunkReader's pool; a worker's is its own).
    expect(spilled.pools).toHaveLength(1);
    expect(spilled.taken).toBeGreaterThan(100);
    expect(spilled.pools[0]!.fresh).toBeLessThanOrEqual(6);
    // Lines kept in memory stay where they are: every buffer is fresh.
    expect(kept.pools[0]!.fresh).toBe(kept.taken);
  });

  it('frees the spill file when publishing fails', async () => {
    const { csv } = colorsCsv({ rows: 1000 });
    const path = await file('spilled-unpublished.csv', csv);
    const closed = vi.spyOn(SpillFile.prototype, 'close');
    const failing = new MemorySink();
    failing.publish = async () => {
      throw new Error('the sink is down');
    };
    try {
      await expect(run(path, parallelCsvReader(path, SPILLED), undefined, undefined, failing)).rejects.toThrow('the sink is down');
      expect(closed).toHaveBeenCalledTimes(1);
    } finally {
      closed.mockRestore();
    }
  });

  it('keeps the lines in memory, saying why, when no spill file can be made', async () => {
    const { csv } = colorsCsv({ rows: 1000 });
    const path = await file('unspilled.csv', csv);
    const missing = join(dir, 'no-such-folder');
    const warnings: string[] = [];
    const result = await run(path, parallelCsvReader(path, { ...SPILLED, spillFolder: missing }), undefined, warnings);
    expect(warnings).toEqual([
      expect.stringMatching(new RegExp(`${missing} could not be created .*ENOENT.*the rows' lines are held in memory instead`)),
    ]);
    expect(result).toEqual(await run(path));
  });

  it('reads the file again on one thread, saying why, when the spill file cannot be written', async () => {
    const { csv } = colorsCsv({ rows: 1000 });
    const path = await file('spill-full.csv', csv);
    const flush = vi
      .spyOn(SpillFile.prototype, 'flush')
      .mockRejectedValueOnce(
        new Error("the temporary file for rows' lines in /tmp could not be written (ENOSPC: no space left on device)"),
      );
    const closed = vi.spyOn(SpillFile.prototype, 'close');
    try {
      const warnings: string[] = [];
      const result = await run(path, parallelCsvReader(path, SPILLED), undefined, warnings);
      expect(warnings).toEqual([expect.stringMatching(/could not be written \(ENOSPC.*\); reading the file again on one thread/)]);
      expect(closed).toHaveBeenCalledTimes(1);
      expect(result).toEqual(await run(path));
    } finally {
      flush.mockRestore();
      closed.mockRestore();
    }
  });
});

describe('lastRecordEnd', () => {
  const end = (text: string) => lastRecordEnd(Buffer.from(text));
  it('cuts after the last line feed outside quotes', () => {
    expect(end('a,b\nc,d\ne')).toBe(8);
    expect(end('a,"x\ny"\nb,"p\nq')).toBe(8);
    expect(end('a,"say ""hi""\n"\n')).toBe(16);
    expect(end('a,"open\n')).toBe(-1);
    expect(end('no line end')).toBe(-1);
  });
});
