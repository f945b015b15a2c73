/**
 * The .xlsx reader on workbooks built cell by cell (test/helpers/xlsx-builder.ts): every way a
 * cell can be stored, as the records the pipeline receives; then through a whole run, so the
 * dates read in the config's time zone and refused rows land in rejected.csv.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/pipeline/config.js';
import type { RawRecord } from '../../../lambdas/pipeline/ports.js';
import { PROBLEM_ID_DIGITS_LOST, PROBLEM_NO_CACHED_VALUE } from '../../../lambdas/pipeline/readers/xlsx-cells.js';
import { readXlsxRecords } from '../../../lambdas/pipeline/readers/xlsx-reader.js';
import { runColors } from '../../../lambdas/pipeline/run.js';
import { MemorySink } from '../../helpers/memory-ports.js';
import { buildWorkbook, dateCell, inline, num, text, type XRow } from '../../helpers/xlsx-builder.js';

/** Excel's serial for 2026-11-20 (45658 is 2025-01-01; 365 + 304 + 19 days later). */
const NOV_20 = 46346;

async function read(bytes: Buffer, sheet?: string): Promise<{ header: readonly string[]; records: RawRecord[] }> {
  const opened = await readXlsxRecords(bytes, 'test.xlsx', sheet === undefined ? {} : { sheet });
  const records: RawRecord[] = [];
  for await (const record of opened.records) records.push(record);
  return { header: opened.header, records };
}

const HEADER: XRow = [' message_id ', 'Cusip', 'DATE', 'px', 'Rank', 'date_1', 'Notes'];

describe('reading an .xlsx sheet', () => {
  it('reads the header in any case and every cell type as Excel stores it', async () => {
    const workbook = buildWorkbook([
      {
        name: 'Colors',
        rows: [
          HEADER,
          // Text ids stay exact, shared or inline; a date-time cell; a decimal; a serial in a date column.
          [
            text('4292908303382310338'),
            'AAA111AA1',
            dateCell(NOV_20 + 0.5, 2),
            num('-6.0929999999999998E-2'),
            num(1),
            num(NOV_20 - 1),
            'x',
          ],
          [inline('17679633591029710'), inline('BBB222BB2'), dateCell(NOV_20, 1), num(99.125), num(2), null, null],
          // A numeric id of 15 digits is exact; formulas count by their cached value.
          [
            num(123456789012345),
            { f: 'UPPER("ccc333cc3")', t: 'str', v: 'CCC333CC3' },
            { f: 'TODAY()', v: String(NOV_20), s: 1 },
            { f: 'B1*2', v: '100.5' },
            num(3),
            null,
            null,
          ],
          null, // an empty row: not a record
          [null, null, null, null, null, null, null],
          // A shared formula: the first cell holds the text, the others only the group.
          [
            '5',
            'DDD444DD4',
            dateCell(NOV_20 + 0.25, 2),
            { f: 'ROUND(1/3,6)', sharedFormula: { si: 0, ref: 'D8:D9' }, v: '0.333333' },
            { t: 'b', v: '1' },
            null,
            null,
          ],
          ['6', 'EEE555EE5', dateCell(NOV_20 + 0.75, 2), { sharedFormula: { si: 0 }, v: '0.25' }, null, null, null],
        ],
      },
    ]);
    const { header, records } = await read(workbook);
    expect(header).toEqual([' message_id ', 'Cusip', 'DATE', 'px', 'Rank', 'date_1', 'Notes']);
    expect(records.map((record) => [record.sourceRow, record.problem, ...record.values])).toEqual([
      [1, undefined, '4292908303382310338', 'AAA111AA1', '2026-11-20T12:00:00', '-0.06093', '1', '2026-11-19', 'x'],
      [2, undefined, '17679633591029710', 'BBB222BB2', '2026-11-20', '99.125', '2', null, null],
      [3, undefined, '123456789012345', 'CCC333CC3', '2026-11-20', '100.5', '3', null, null],
      // Rows 5 and 6 of the sheet are empty; SOURCE_ROW counts sheet rows from the header.
      [6, undefined, '5', 'DDD444DD4', '2026-11-20T06:00:00', '0.333333', 'TRUE', null, null],
      [7, undefined, '6', 'EEE555EE5', '2026-11-20T18:00:00', '0.25', null, null, null],
    ]);
  });

  it('refuses a row whose MESSAGE_ID is a number of more than 15 digits, a formula with no cached value, or an error value', async () => {
    const workbook = buildWorkbook([
      {
        name: 'Sheet1',
        rows: [
          HEADER,
          [num('1.767963359102971E+16'), 'AAA111AA1', dateCell(NOV_20), num(1), null, null, null],
          [num(1000000000000000), 'AAA111AA1', dateCell(NOV_20), num(1), null, null, null],
          ['7', 'AAA111AA1', { f: 'A2+1' }, num(1), null, null, null],
          ['8', 'AAA111AA1', dateCell(NOV_20), { t: 'e', v: '#N/A' }, null, null, { t: 'e', v: '#REF!' }],
        ],
      },
    ]);
    const { records } = await read(workbook);
    expect(records.map((record) => [record.sourceRow, record.problem, record.raw])).toEqual([
      [1, PROBLEM_ID_DIGITS_LOST, '17679633591029710,AAA111AA1,2026-11-20,1,,,'],
      [2, PROBLEM_ID_DIGITS_LOST, '1000000000000000,AAA111AA1,2026-11-20,1,,,'],
      [3, `DATE: ${PROBLEM_NO_CACHED_VALUE}`, '7,AAA111AA1,=A2+1,1,,,'],
      // The error in the ignored Notes column refuses nothing by itself.
      [4, 'PX: an Excel error value (#N/A)', '8,AAA111AA1,2026-11-20,#N/A,,,#REF!'],
    ]);
    expect(PROBLEM_ID_DIGITS_LOST).toBe('MESSAGE_ID stored as an Excel number; digits lost — store it as text');
  });

  it('reads the 1904 date system, and names an empty header cell by its column', async () => {
    // In the 1904 system, 2026-11-20 is 1462 days less than in the 1900 system.
    const workbook = buildWorkbook(
      [
        {
          name: 'Mac',
          rows: [
            ['MESSAGE_ID', null, 'CUSIP', 'DATE'],
            ['1', 'note', 'AAA111AA1', dateCell(NOV_20 - 1462 + 0.5, 2)],
          ],
        },
      ],
      { date1904: true },
    );
    const { header, records } = await read(workbook);
    expect(header).toEqual(['MESSAGE_ID', '(column B)', 'CUSIP', 'DATE']);
    expect(records[0]!.values).toEqual(['1', 'note', 'AAA111AA1', '2026-11-20T12:00:00']);
  });

  it('reads the first sheet by default, or the one named (ignoring case), and names the sheets when it is not there', async () => {
    const workbook = buildWorkbook([
      {
        name: 'Color today',
        rows: [
          ['MESSAGE_ID', 'CUSIP', 'DATE'],
          ['1', 'AAA111AA1', '2026-11-20'],
        ],
      },
      {
        name: 'Color 13th',
        rows: [
          ['MESSAGE_ID', 'CUSIP', 'DATE'],
          ['2', 'BBB222BB2', '2026-11-13'],
          ['3', 'BBB222BB2', '2026-11-13'],
        ],
        firstRow: 3,
      },
    ]);
    expect((await read(workbook)).records.map((record) => record.values[0])).toEqual(['1']);
    const second = await read(workbook, 'color 13TH');
    expect(second.records.map((record) => [record.sourceRow, record.values[0]])).toEqual([
      [1, '2'],
      [2, '3'],
    ]);
    await expect(read(workbook, 'Color 14th')).rejects.toThrow(
      'test.xlsx: no sheet named "Color 14th" (sheets: "Color today", "Color 13th")',
    );
  });

  it('fails an empty sheet with a one-line reason', async () => {
    await expect(read(buildWorkbook([{ name: 'Empty', rows: [] }]))).rejects.toThrow('test.xlsx: the first sheet is empty (no header row)');
  });
});

describe('a workbook through a run', () => {
  it('reads dates as local times in the config time zone, and sends refused rows to rejected.csv with their reason and cells', async () => {
    const workbook = buildWorkbook([
      {
        name: 'Colors',
        rows: [
          ['MESSAGE_ID', 'CUSIP', 'DATE', 'PX', 'RANK'],
          ['4292908303382310338', 'AAA111AA1', dateCell(NOV_20 + 0.5, 2), num(99.5), num(1)],
          [num(1.767963359102971e16), 'AAA111AA1', dateCell(NOV_20 + 0.5, 2), num(99), num(2)],
          ['4292908303382310339', 'AAA111AA1', { f: 'NOW()' }, num(98), num(3)],
        ],
      },
    ]);
    const config = parseConfig(JSON.stringify({ rules: [], window: { timeZone: 'Asia/Tokyo' } }), 'config.json');
    const sink = new MemorySink();
    const source = { description: 'file:colors.xlsx', open: () => readXlsxRecords(workbook, 'colors.xlsx') };
    const { manifest } = await runColors({ source, sink, config, asOf: '2026-11-20', runId: 'r1' });
    expect(manifest.counts).toMatchObject({ read: 3, ranked: 1, rejected: 2 });
    expect(manifest.counts.rejectedByReason).toEqual({ [PROBLEM_ID_DIGITS_LOST]: 1, [`DATE: ${PROBLEM_NO_CACHED_VALUE}`]: 1 });
    expect(sink.text('colors.csv').split('\n')[1]).toMatch(/^4292908303382310338,,,AAA111AA1,2026-11-20T12:00:00,,,,99.5,/);
    const rejected = sink.text('rejected.csv').split('\n');
    expect(rejected[1]).toContain(`,2,${PROBLEM_ID_DIGITS_LOST},"17679633591029710,AAA111AA1,2026-11-20T12:00:00,99,2"`);
    expect(rejected[2]).toContain(`,3,DATE: ${PROBLEM_NO_CACHED_VALUE},"4292908303382310339,AAA111AA1,=NOW(),98,3"`);
  });
});
