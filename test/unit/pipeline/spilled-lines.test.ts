/**
 * Rows' lines laid out by bucket of their CUSIP key and spilled to a temporary file
 * (lambdas/pipeline/ranking/line-buckets.ts, spill-file.ts, spilled-chunks.ts): the buckets keep the
 * groups' order, a ranking whose lines are on disk, read back a window at a time (as small as one
 * bucket), is the reference ranking, and the spill file leaves nothing behind.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { COLUMNS, type ColumnName } from '../../../lambdas/pipeline/columns.js';
import { BUCKETS, bucketOf } from '../../../lambdas/pipeline/ranking/line-buckets.js';
import { DEFAULT_RANKING_ORDER } from '../../../lambdas/pipeline/ranking/order.js';
import { PreparedRowsBuilder } from '../../../lambdas/pipeline/ranking/prepared-rows.js';
import { SpillFile } from '../../../lambdas/pipeline/ranking/spill-file.js';
import { SpilledChunks } from '../../../lambdas/pipeline/ranking/spilled-chunks.js';
import { RankingTable } from '../../../lambdas/pipeline/ranking/table.js';
import { compareText } from '../../../lambdas/pipeline/text.js';
import { TextIds } from '../../../lambdas/pipeline/text-ids.js';
import { rankThroughPreparedRows, referenceGroups } from '../../helpers/ranking-reference.js';
import { colorRow } from '../../helpers/rows.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spilled-lines-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `use` with a spill file in the test folder, closed afterwards however `use` ends. */
async function withSpillFile(use: (spill: SpillFile) => Promise<void>): Promise<void> {
  const spill = SpillFile.open(dir);
  try {
    await use(spill);
  } finally {
    await spill.close();
  }
}

/** A batch's bucket offsets (SpilledChunks.add): each key's bucket of lines ends at its offset; keys in bucket order. */
function bucketStarts(...ends: readonly [key: string, end: number][]): Int32Array {
  const starts = new Int32Array(BUCKETS + 1);
  for (const [key, end] of ends) starts.fill(end, bucketOf(key) + 1);
  return starts;
}

describe('bucketOf', () => {
  it('never gives a key that sorts first a higher bucket, for any text', () => {
    const key = fc.oneof(
      fc.string({ unit: fc.constantFrom('0', '9', 'A', 'Z', '#', '*', '@', '[', 'a', ' ', 'é', '\uFF01', '😀'), maxLength: 4 }),
      fc.string({ unit: 'binary', maxLength: 3 }),
      fc.string({ unit: 'grapheme', maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.array(key, { minLength: 2, maxLength: 30 }), (keys) => {
        const sorted = [...keys].sort(compareText);
        const buckets = sorted.map(bucketOf);
        for (const bucket of buckets) expect(bucket >= 0 && bucket < BUCKETS).toBe(true);
        for (let at = 1; at < buckets.length; at++) expect(buckets[at]).toBeGreaterThanOrEqual(buckets[at - 1]!);
      }),
      { numRuns: 2000 },
    );
  });

  it('tells CUSIPs apart by their first two characters', () => {
    const buckets = ['037833100', '03783310', '0H2', '912828XG0', '91282', 'G0177J108', 'G1', 'GA'].map(bucketOf);
    expect(new Set(buckets).size).toBe(6);
    expect(bucketOf('037833100')).toBe(bucketOf('03783310'));
    expect(bucketOf('G0177J108')).toBeLessThan(bucketOf('GA'));
  });
});

// Well-formed text only: rows prepared on a reading thread come from UTF-8 bytes, which hold no lone surrogate.
const text = fc.option(fc.constantFrom('a', 'A', ' a', 'b,c', 'say "x"', '\uFF01', '😀', 'é', 'line\nend'), { nil: null });
const rowArb = fc.record({
  MESSAGE_ID: fc.constantFrom('1', '01', '9007199254740993', '1234567890123456789'),
  CUSIP: fc.constantFrom('abc', 'ABC ', 'a1', '0AB', '9', '#X', 'xyz', 'é1', '\uFF01', '😀'),
  DATE: fc.constantFrom('2026-11-20', '2026-11-20T09:00:00'),
  RANK: fc.option(fc.constantFrom('1', '2', '01'), { nil: null }),
  // Two decimals with one double, which only their text tells apart (DecimalKey's flags).
  PX: fc.option(fc.constantFrom('99.5', '99.50', '100', '1e2', '100.0000000000000001', '100.00000000000000001'), { nil: null }),
  TICKER: text,
  SOURCE: text,
  BIAS: text,
});
const col = (fields: readonly (string | null)[], column: ColumnName) => fields[COLUMNS.indexOf(column)] ?? null;

describe('a ranking whose lines are spilled to disk', () => {
  it('is the reference ranking, read back a window at a time, down to one bucket per window', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArb, { maxLength: 120 }),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom(1, 300, 4096, undefined),
        async (fields, batchRows, windowBytes) => {
          const rows = fields.map((f) => colorRow(f));
          await withSpillFile(async (spill) => {
            const { ranked, groups } = await rankThroughPreparedRows(rows, DEFAULT_RANKING_ORDER, { batchRows, spill, windowBytes });
            const expected = referenceGroups(rows, DEFAULT_RANKING_ORDER);
            expect(groups).toBe(expected.length);
            expect(ranked.map((r) => r.row.text)).toEqual(expected.flat().map((row) => row.text));
            expect(ranked.map((r) => r.parentMessageId)).toEqual(
              expected.flatMap((group) => group.map((_, i) => (i === 0 ? null : col(group[0]!.text, 'MESSAGE_ID')))),
            );
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('is the same ranking as lines kept in memory', async () => {
    const rows = Array.from({ length: 600 }, (_, at) =>
      colorRow({
        MESSAGE_ID: String(1000 + (at % 37)),
        CUSIP: ['037833100', '912828XG0', 'G0177J108', 'a1b2', '#1'][at % 5]! + String(at % 11),
        DATE: '2026-11-20T09:00:00',
        RANK: String(1 + (at % 3)),
        PX: at % 7 === 0 ? null : String(99 + (at % 5) / 4),
        SOURCE: ['JEFF', 'DB', 'GS'][at % 3]!,
      }),
    );
    await withSpillFile(async (spill) => {
      const spilled = await rankThroughPreparedRows(rows, DEFAULT_RANKING_ORDER, { batchRows: 64, spill, windowBytes: 2000 });
      const inMemory = await rankThroughPreparedRows(rows, DEFAULT_RANKING_ORDER, { batchRows: 64 });
      expect(spilled.groups).toBe(55);
      expect(spilled).toEqual(inMemory);
    });
  });
});

describe('reading spilled lines group by group', () => {
  it('reads each window in one stretch per batch, not line by line', async () => {
    const order = DEFAULT_RANKING_ORDER;
    const table = new RankingTable(order);
    const spill = SpillFile.open(dir);
    table.spillLinesTo(spill, 8192);
    const ids = new TextIds();
    const cusips = ['037833100', '912828XG0', 'G0177J108', '38141GXZ2', '594918BR4', '46625HJE1'];
    for (let batch = 0; batch < 8; batch++) {
      const builder = new PreparedRowsBuilder(order, ids);
      for (let at = 0; at < 250; at++) {
        builder.add(
          colorRow({
            MESSAGE_ID: String(batch * 1000 + at),
            CUSIP: cusips[(at * 7 + batch) % 6]! + String(at % 9),
            DATE: '2026-11-20',
            PX: '99.5',
          }),
        );
      }
      table.addPrepared(builder.finish().rows, ids.texts);
    }
    await spill.flush();
    const reads = vi.spyOn(SpillFile.prototype, 'read');
    try {
      const ranking = table.rank();
      let bytes = 0;
      for (const group of ranking.groups()) for (const row of group.rows) bytes += ranking.csvRecord(row).length;
      expect(ranking.rowCount).toBe(2000);
      // ~90 KB of lines in 8 KiB windows: a dozen windows, one read per batch each (a bucket run may fall short of a window).
      expect(bytes).toBeGreaterThan(80_000);
      expect(reads.mock.calls.length).toBeGreaterThan(8);
      expect(reads.mock.calls.length).toBeLessThanOrEqual(Math.ceil(bytes / 8192 + 6) * 8);
    } finally {
      reads.mockRestore();
      await spill.close();
    }
  });
});

describe('SpilledChunks', () => {
  it('hands a chunk of lines back only once it is in the file, and reads the same bytes', async () => {
    await withSpillFile(async (spill) => {
      const chunks = new SpilledChunks(spill, 64);
      const lines = Buffer.from('A1,x\nA1,y\nB2,z');
      const written: Uint8Array[] = [];
      const chunk = chunks.add(lines, bucketStarts(['A1', 10], ['B2', lines.length]), (done) => written.push(done));
      expect(written).toEqual([]);
      await spill.flush();
      expect(written).toEqual([lines]);
      // Filled again once handed back: what was written stays as it was.
      lines.fill(0);
      chunks.prepare(bucketOf('A1'));
      expect(Buffer.from(chunks.bytes(chunk, 0, 4)).toString()).toBe('A1,x');
      expect(chunks.text(chunk, 10, 14)).toBe('B2,z');
    });
  });
});

describe('two arenas spilling to one file', () => {
  it('share one window, each reading its own lines back when the other has taken it', async () => {
    await withSpillFile(async (spill) => {
      const kept = new SpilledChunks(spill, 64);
      const excluded = new SpilledChunks(spill, 64);
      const keptChunk = kept.add(Buffer.from('A1,kept'), bucketStarts(['A1', 7]));
      const excludedChunk = excluded.add(Buffer.from('A1,excluded'), bucketStarts(['A1', 11]));
      await spill.flush();
      const read = vi.spyOn(spill, 'read');
      kept.prepare(bucketOf('A1'));
      expect(Buffer.from(kept.bytes(keptChunk, 0, 7)).toString()).toBe('A1,kept');
      excluded.prepare(bucketOf('A1'));
      expect(excluded.text(excludedChunk, 0, 11)).toBe('A1,excluded');
      // The window now holds the excluded lines: the kept arena loads its own again.
      kept.prepare(bucketOf('A1'));
      expect(kept.text(keptChunk, 0, 7)).toBe('A1,kept');
      expect(kept.text(keptChunk, 3, 7)).toBe('kept');
      // One read per prepare: the kept lines came from the window, loaded again.
      expect(read).toHaveBeenCalledTimes(3);
      // Asked for while the other holds the window, a line is read on its own, not taken from the window.
      expect(excluded.text(excludedChunk, 0, 11)).toBe('A1,excluded');
    });
  });
});

describe('SpillFile', () => {
  it('reads back what was appended, once flushed, and leaves nothing in its folder', async () => {
    const spill = SpillFile.open(dir);
    expect(await readdir(dir)).toEqual([]);
    const first = spill.append(Buffer.from('hello, '));
    const second = spill.append(Buffer.from('world'));
    const into = Buffer.alloc(12);
    expect(() => spill.read(into, 0, 5, second)).toThrow(/before flush/);
    await spill.flush();
    spill.read(into, 0, 7, first);
    spill.read(into, 7, 5, second);
    expect(into.toString()).toBe('hello, world');
    expect(() => spill.read(into, 0, 12, first + 5)).toThrow(/ended early/);
    await spill.close();
    await spill.close();
    expect(() => spill.append(Buffer.from('x'))).toThrow(/after close/);
  });

  it('names the folder and the way out when it cannot be made', () => {
    const missing = join(dir, 'no-such-folder');
    expect(() => SpillFile.open(missing)).toThrow(new RegExp(`${missing}.*could not be created.*ENOENT.*set TMPDIR to a folder with room`));
  });
});
