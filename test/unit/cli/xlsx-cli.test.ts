/**
 * Workbooks through the built CLI as a desk runs it: the two samples (ids as text, ids as numbers),
 * --sheet, files that are not workbooks (exit 4, one line), and several --input files as one run.
 * Outputs are read back with csv-parse, a reader the product does not use.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { PROBLEM_ID_DIGITS_LOST } from '../../../lambdas/pipeline/readers/xlsx-cells.js';
import { useBuiltCli } from '../../helpers/built-cli.js';
import { buildWorkbook, zip } from '../../helpers/xlsx-builder.js';

const built = useBuiltCli('mp-xlsx-');

type Row = Record<string, string>;

interface Manifest {
  source: string;
  counts: { read: number; ranked: number; excluded: number; rejected: number; rejectedByReason: Record<string, number> };
  inputs?: { source: string; firstSourceRow: number; read: number; ranked: number; excluded: number; rejected: number }[];
  heldBack?: string | null;
}

/** Runs on the inputs into a fresh folder; returns the exit, stderr, the published files parsed and the manifest. */
async function run(name: string, inputs: readonly string[], config = 'samples/config.json', ...more: string[]) {
  const out = join(built.work, name);
  const result = built.run(
    'run',
    ...inputs.flatMap((input) => ['--input', input]),
    '--config',
    config,
    '--out',
    out,
    '--as-of',
    '2026-11-20',
    ...more,
  );
  const dateDir = join(out, 'runs', 'as-of=2026-11-20');
  const runs = existsSync(dateDir) ? (await import('node:fs/promises')).readdir(dateDir) : Promise.resolve([]);
  const runDir = (await runs).find((entry) => entry.startsWith('run-id='));
  if (runDir === undefined) return { ...result, files: undefined, manifest: undefined };
  const read = async (file: string): Promise<Row[]> => parse(await readFile(join(dateDir, runDir, file)), { columns: true }) as Row[];
  return {
    ...result,
    files: { colors: await read('colors.csv'), excluded: await read('excluded.csv'), rejected: await read('rejected.csv') },
    manifest: JSON.parse(await readFile(join(dateDir, runDir, 'manifest.json'), 'utf8')) as Manifest,
  };
}

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(built.work, name);
  await writeFile(path, content);
  return path;
}

/** The sample CSV's header and its data rows `from` to `to` (0-based, exclusive), as a CSV file. */
async function csvRows(name: string, from: number, to: number): Promise<string> {
  const lines = parse(await readFile('samples/colors.csv'), { columns: false }) as string[][];
  const quote = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  const text = [lines[0]!, ...lines.slice(1 + from, 1 + to)].map((line) => line.map(quote).join(',')).join('\n');
  return file(name, `${text}\n`);
}

describe('the workbook samples', () => {
  it('ranks samples/colors.xlsx as the CSV of the same rows: ids, CUSIPs and dates exact, numbers equal', async () => {
    const fromXlsx = await run('xlsx', ['samples/colors.xlsx']);
    expect(fromXlsx.code, fromXlsx.stderr).toBe(0);
    const fromCsv = await run('csv', [await csvRows('first-300.csv', 0, 300)]);
    expect(fromCsv.code, fromCsv.stderr).toBe(0);
    const counts = ({ read, ranked, excluded, rejected }: Manifest['counts']) => ({ read, ranked, excluded, rejected });
    expect(counts(fromXlsx.manifest!.counts)).toEqual(counts(fromCsv.manifest!.counts));
    expect(fromXlsx.manifest!.counts.read).toBe(300);
    expect(fromXlsx.files!.colors).toHaveLength(fromCsv.files!.colors.length);
    fromXlsx.files!.colors.forEach((row, index) => {
      const expected = fromCsv.files!.colors[index]!;
      for (const column of [
        'MESSAGE_ID',
        'TICKER',
        'CUSIP',
        'DATE',
        'DATE_1',
        'SOURCE',
        'BIAS',
        'GROUP_POSITION',
        'IS_PARENT',
        'PARENT_MESSAGE_ID',
        'CHILDREN_COUNT',
      ]) {
        expect(row[column], `${column} of row ${index + 1}`).toBe(expected[column]);
      }
      for (const column of ['PX', 'BID', 'ASK', 'PERCENT_DIFF', 'RANK', 'CONFIDENCE']) {
        expect(row[column] === '' ? null : Number(row[column]), `${column} of row ${index + 1}`).toBe(
          expected[column] === '' ? null : Number(expected[column]),
        );
      }
    });
  });

  it('refuses every row of samples/colors-numeric-ids.xlsx whose id Excel holds as a number, and holds the run back', async () => {
    const result = await run('numeric', ['samples/colors-numeric-ids.xlsx']);
    expect(result.code).toBe(7);
    const digitIds = (parse(await readFile('samples/colors.csv'), { columns: true }) as Row[])
      .slice(0, 300)
      .filter((row) => /^\d+$/.test(row.MESSAGE_ID!));
    expect(result.manifest!.counts.rejectedByReason[PROBLEM_ID_DIGITS_LOST]).toBe(digitIds.length);
    const refused = result.files!.rejected.filter((row) => row.REJECT_REASON === PROBLEM_ID_DIGITS_LOST);
    // What Excel holds: the id rounded to 15 significant digits, never the digits the CSV has.
    expect(refused[0]!.MESSAGE_ID).toMatch(/^\d{17,19}$/);
    expect(refused[0]!.MESSAGE_ID).not.toBe(digitIds[0]!.MESSAGE_ID);
    expect(refused[0]!.MESSAGE_ID!.slice(0, 14)).toBe(digitIds[0]!.MESSAGE_ID!.slice(0, 14));
  });

  it('reads the sheet --sheet names, and names the sheets there are when it is not one of them', async () => {
    const workbook = await file(
      'two.xlsx',
      buildWorkbook([
        { name: 'Notes', rows: [['a note, not colors']] },
        {
          name: 'Color 13th',
          rows: [
            ['message_id', 'cusip', 'date', 'px'],
            ['42', 'AAA111AA1', '2026-11-13', 99],
          ],
        },
      ]),
    );
    const config = await file('by-date.json', JSON.stringify({ rules: [], ranking: { order: [{ column: 'DATE', direction: 'desc' }] } }));
    const named = await run('sheet', [workbook], config, '--sheet', 'COLOR 13TH');
    expect(named.code, named.stderr).toBe(0);
    expect(named.files!.colors.map((row) => [row.MESSAGE_ID, row.PX])).toEqual([['42', '99']]);
    const missing = await run('no-sheet', [workbook], config, '--sheet', 'Color 14th');
    expect(missing.code).toBe(4);
    expect(missing.stderr.trim()).toBe(`market-pulse: ${workbook}: no sheet named "Color 14th" (sheets: "Notes", "Color 13th")`);
    const firstSheet = await run('first-sheet', [workbook], config);
    expect(firstSheet.code).toBe(4);
    expect(firstSheet.stderr).toContain('the header lacks the required columns MESSAGE_ID, CUSIP, DATE');
  });
});

describe('outputs.xlsx', () => {
  it('publishes colors.xlsx beside the CSVs, listed in the manifest with the SHA-256 of the published file', async () => {
    const config = await file(
      'with-xlsx.json',
      JSON.stringify({ ...JSON.parse(await readFile('samples/config.json', 'utf8')), outputs: { xlsx: true } }),
    );
    const out = join(built.work, 'with-xlsx');
    const result = built.run('run', '--input', 'samples/colors.xlsx', '--config', config, '--out', out, '--as-of', '2026-11-20');
    expect(result.code, result.stderr).toBe(0);
    const latest = JSON.parse(await readFile(join(out, 'runs', 'as-of=2026-11-20', 'latest.json'), 'utf8')) as { runId: string };
    const runDir = join(out, 'runs', 'as-of=2026-11-20', `run-id=${latest.runId}`);
    const manifest = JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8')) as {
      files: { name: string; sha256: string; bytes: number }[];
    };
    const workbook = await readFile(join(runDir, 'colors.xlsx'));
    expect(manifest.files.map((entry) => entry.name)).toEqual([
      'colors.csv',
      'excluded.csv',
      'rejected.csv',
      'colors.xlsx',
      'parents.jsonl',
      'changes.json',
      'report.html',
    ]);
    expect(manifest.files[3]).toMatchObject({ bytes: workbook.length, sha256: createHash('sha256').update(workbook).digest('hex') });
  });
});

describe('a file that is not a workbook', () => {
  const compound = (extra: Buffer) =>
    Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504), extra]);
  const workbookParts = () => [
    { name: '[Content_Types].xml', data: Buffer.from('<Types/>') },
    { name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') },
  ];
  const cases: [string, () => Promise<Buffer>, string][] = [
    [
      'a CSV renamed to .xlsx',
      () => readFile('samples/colors.csv'),
      'not an .xlsx workbook (it is text, not a zip file: a CSV renamed to .xlsx? Give it its own extension)',
    ],
    [
      'a password-protected workbook',
      async () => compound(Buffer.from('EncryptionInfo', 'utf16le')),
      'the workbook is password-protected (encrypted); save a copy without a password and read that',
    ],
    [
      'an Excel 97-2003 file',
      async () => compound(Buffer.from('Workbook', 'utf16le')),
      'this is an Excel 97-2003 (.xls) file, not an .xlsx workbook; save it as .xlsx',
    ],
    [
      'a zip that is no workbook',
      async () => zip([{ name: 'notes.txt', data: Buffer.from('hello') }]),
      'a zip file, but not an .xlsx workbook (it has no xl/workbook.xml)',
    ],
    [
      'a truncated workbook',
      async () => (await readFile('samples/colors.xlsx')).subarray(0, 20_000),
      "the workbook's zip structure is damaged or truncated (no end of central directory)",
    ],
    [
      'a zip bomb that says so',
      async () => zip([...workbookParts(), { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(50 * 1024 * 1024, 0x20) }]),
      "the workbook's part xl/worksheets/sheet1.xml unpacks <N> times larger than it is stored (at most 100): a zip bomb?",
    ],
    [
      'a zip bomb that lies about its size',
      async () =>
        zip([...workbookParts(), { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(4 * 1024 * 1024, 0x20), declaredSize: 1000 }]),
      "the workbook's part xl/worksheets/sheet1.xml unpacks to more than the 1000 bytes it declares: a zip bomb?",
    ],
  ];
  for (const [what, bytes, reason] of cases) {
    it(`fails ${what} with exit 4 and one line naming the file`, async () => {
      const path = await file(`${what.replace(/\W+/g, '-')}.xlsx`, await bytes());
      const result = await run(what.replace(/\W+/g, '-'), [path]);
      expect(result.code).toBe(4);
      // The ratio depends on how the test's zlib compresses; the rest of the line is fixed.
      expect(result.stderr.replace(/unpacks \d+ times/, 'unpacks <N> times')).toBe(`market-pulse: ${path}: ${reason}\n`);
      expect(result.manifest).toBeUndefined();
    });
  }
});

describe('several --input files', () => {
  it('runs on their union, deduplicated as one set, and lists each input with its rows in the manifest', async () => {
    const config = await file(
      'dedupe.json',
      JSON.stringify({ ...JSON.parse(await readFile('samples/config.json', 'utf8')), dedupe: true }),
    );
    const copy = join(built.work, 'copy.xlsx');
    await copyFile('samples/colors.xlsx', copy);
    const more = await csvRows('more.csv', 300, 400);
    const union = await run('union', ['samples/colors.xlsx', copy, more], config);
    expect(union.code, union.stderr).toBe(0);
    const manifest = union.manifest!;
    expect(manifest.source).toBe(`file:samples/colors.xlsx + file:${copy} + file:${more}`);
    const [first, second, third] = manifest.inputs!;
    expect(first).toMatchObject({ source: 'file:samples/colors.xlsx', firstSourceRow: 1, read: 300 });
    // The copy repeats every row exactly: what is not rejected is excluded as a duplicate.
    expect(second).toMatchObject({ source: `file:${copy}`, firstSourceRow: 301, read: 300, ranked: 0, rejected: first!.rejected });
    expect(second!.excluded).toBe(300 - first!.rejected);
    expect(third).toMatchObject({ source: `file:${more}`, firstSourceRow: 601, read: 100 });
    for (const input of manifest.inputs!) expect(input.ranked + input.excluded + input.rejected).toBe(input.read);
    expect(manifest.counts.read).toBe(700);
    expect(manifest.counts.ranked).toBe(first!.ranked + third!.ranked);
    // SOURCE_ROW counts on through the inputs: the copy's rejected rows come 300 after the original's.
    const sourceRows = union.files!.rejected.map((row) => Number(row.SOURCE_ROW));
    const originals = sourceRows.filter((row) => row <= 300);
    expect(sourceRows.filter((row) => row > 300 && row <= 600)).toEqual(originals.map((row) => row + 300));

    // The same rows as one run on the two distinct inputs: the same colors.csv.
    const distinct = await run('distinct', ['samples/colors.xlsx', more], config);
    expect(distinct.files!.colors).toEqual(union.files!.colors);
  });

  it('checks every input header before reading any row', async () => {
    const bad = await file('bad-header.csv', 'MESSAGE_ID,CUSIP\n1,AAA111AA1\n');
    const result = await run('bad-union', ['samples/colors.xlsx', bad]);
    expect(result.code).toBe(4);
    expect(result.stderr).toBe(`market-pulse: file:${bad}: the header lacks the required column DATE (found: MESSAGE_ID, CUSIP)\n`);
    const twice = await run('twice', ['samples/colors.xlsx', 'samples/colors.xlsx']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('--input samples/colors.xlsx is given twice');
  });
});
