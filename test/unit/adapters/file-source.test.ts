import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSource, formatFromPath } from '../../../lambdas/adapters/file-source.js';
import { SourceError } from '../../../lambdas/errors.js';
import { COLUMNS, type ColumnName } from '../../../lambdas/pipeline/columns.js';
import type { OpenedSource, RawRecord } from '../../../lambdas/pipeline/ports.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'market-pulse-file-source-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(opened: OpenedSource): Promise<RawRecord[]> {
  const records: RawRecord[] = [];
  for await (const record of opened.records) records.push(record);
  return records;
}

/** A JSON Lines record's values of the given columns (its values follow COLUMNS). */
const pick = (record: RawRecord, ...columns: ColumnName[]) => columns.map((column) => record.values[COLUMNS.indexOf(column)]);

const CSV = 'MESSAGE_ID,CUSIP,DATE,TICKER\n1234567890123456789,12345AB,2026-11-20,"ACME, Inc."\n\n2,X,2026-11-19,日本😀\n';

describe('formatFromPath', () => {
  it('knows .csv, .jsonl and .ndjson in any case', () => {
    expect(formatFromPath('a/b.csv')).toBe('csv');
    expect(formatFromPath('B.CSV')).toBe('csv');
    expect(formatFromPath('c.jsonl')).toBe('jsonl');
    expect(formatFromPath('d.NDJSON')).toBe('jsonl');
  });

  it('names the supported extensions for any other', () => {
    expect(() => formatFromPath('colors.txt')).toThrow(SourceError);
    expect(() => formatFromPath('colors.txt')).toThrow(
      'input file colors.txt: unsupported extension ".txt"; use .csv for CSV, .jsonl / .ndjson for JSON Lines, or .xlsx for an Excel workbook',
    );
    expect(() => formatFromPath('colors')).toThrow('input file colors: no file extension; use .csv');
  });
});

describe('FileSource', () => {
  it('reads a CSV file in small chunks', async () => {
    const path = join(dir, 'colors.csv');
    await writeFile(path, CSV);
    const source = new FileSource(path, { highWaterMark: 5 });
    expect(source.description).toBe(`file:${path}`);
    const opened = await source.open();
    expect(opened.header).toEqual(['MESSAGE_ID', 'CUSIP', 'DATE', 'TICKER']);
    expect(await collect(opened)).toEqual([
      { sourceRow: 1, values: ['1234567890123456789', '12345AB', '2026-11-20', 'ACME, Inc.'] },
      { sourceRow: 2, values: ['2', 'X', '2026-11-19', '日本😀'] },
    ]);
  });

  it('reads with the default 1 MiB chunks too', async () => {
    const path = join(dir, 'COLORS.CSV');
    const rows = Array.from({ length: 30_000 }, (_, i) => `${i},C${i % 7},2026-11-20,${'t'.repeat(40)}`);
    await writeFile(path, `MESSAGE_ID,CUSIP,DATE,TICKER\n${rows.join('\n')}\n`);
    const records = await collect(await new FileSource(path).open());
    expect(records).toHaveLength(30_000);
    expect(records[29_999]).toEqual({ sourceRow: 30_000, values: ['29999', `C${29_999 % 7}`, '2026-11-20', 't'.repeat(40)] });
  });

  it('reads a JSON Lines file (.jsonl and .ndjson)', async () => {
    for (const name of ['colors.jsonl', 'colors.ndjson']) {
      const path = join(dir, name);
      await writeFile(
        path,
        '{"MESSAGE_ID": 1234567890123456789, "CUSIP": "A", "PX": -6.0929999999999998E-2}\n{"MESSAGE_ID": 2, "CUSIP": "B"}\n',
      );
      const opened = await new FileSource(path, { highWaterMark: 7 }).open();
      // Each line is read by its own keys into the logical columns.
      expect(opened.header).toEqual(COLUMNS);
      expect((await collect(opened)).map((record) => [record.sourceRow, pick(record, 'MESSAGE_ID', 'CUSIP', 'PX')])).toEqual([
        [1, ['1234567890123456789', 'A', '-6.0929999999999998E-2']],
        [2, ['2', 'B', null]],
      ]);
    }
  });

  it('lets the format option override the extension', async () => {
    const path = join(dir, 'export.txt');
    await writeFile(path, '{"MESSAGE_ID": 7}\n');
    const opened = await new FileSource(path, { format: 'jsonl' }).open();
    expect((await collect(opened)).map((record) => pick(record, 'MESSAGE_ID'))).toEqual([['7']]);
  });

  it('rejects an unsupported extension when constructed', () => {
    expect(() => new FileSource(join(dir, 'colors.xls'))).toThrow('unsupported extension ".xls"');
  });

  it('fails on a missing file with the path as given', async () => {
    const missing = join(dir, 'nope.csv');
    await expect(new FileSource(missing).open()).rejects.toThrow(new SourceError(`input file not found: ${missing}`));
  });

  it('fails on a directory', async () => {
    const path = join(dir, 'folder.csv');
    await mkdir(path);
    await expect(new FileSource(path).open()).rejects.toThrow(`input file ${path} is a directory, not a file`);
  });

  it.skipIf(process.getuid?.() === 0)('fails on an unreadable file', async () => {
    const path = join(dir, 'secret.csv');
    await writeFile(path, CSV);
    await chmod(path, 0o000);
    await expect(new FileSource(path).open()).rejects.toThrow(`input file ${path} cannot be read: permission denied`);
  });

  it('fails on an empty file, naming it', async () => {
    const path = join(dir, 'empty.csv');
    await writeFile(path, '');
    await expect(new FileSource(path).open()).rejects.toThrow(new SourceError(`${path}: the input is empty (no header row)`));
  });

  it('surfaces a framing error while reading as a SourceError', async () => {
    const path = join(dir, 'broken.csv');
    await writeFile(path, 'MESSAGE_ID,CUSIP\n1,"A\n');
    const opened = await new FileSource(path).open();
    await expect(collect(opened)).rejects.toThrow(new SourceError(`${path}: unterminated quoted field starting on line 2`));
  });

  it('can be opened again for a second pass', async () => {
    const path = join(dir, 'colors.csv');
    await writeFile(path, CSV);
    const source = new FileSource(path);
    const first = await collect(await source.open());
    expect(await collect(await source.open())).toEqual(first);
  });
});
