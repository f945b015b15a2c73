/**
 * colors.xlsx as the desk opens it: the bundled sample run with outputs.xlsx on, the workbook read
 * back by SheetJS (xlsx 0.18.5, a reader the product does not use) and compared cell by cell with
 * colors.csv, excluded.csv and rejected.csv as csv-parse reads them. Then the things Excel users
 * see (frozen header, filter, widths) and the workbook's bytes, which must not depend on when the
 * run happened.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as XLSX from 'xlsx';
import { FileSource } from '../../../lambdas/adapters/file-source.js';
import { COLUMN_TYPES, COLUMNS, isColumnName } from '../../../lambdas/pipeline/columns.js';
import { parseConfig } from '../../../lambdas/pipeline/config.js';
import { runColors } from '../../../lambdas/pipeline/run.js';
import { MemorySink } from '../../helpers/memory-ports.js';

const config = (() => {
  const document = JSON.parse(readFileSync('samples/config.json', 'utf8')) as { outputs?: Record<string, boolean> };
  document.outputs = { ...document.outputs, xlsx: true };
  return parseConfig(JSON.stringify(document), 'config.json');
})();

async function sampleRun(runId = '01JTESTRUN0000000000000000') {
  const sink = new MemorySink();
  const { manifest } = await runColors({ source: new FileSource('samples/colors.csv'), sink, config, asOf: '2026-11-20', runId });
  const request = sink.published.at(-1)!;
  const file = request.files.find((candidate) => candidate.name === 'colors.xlsx')!;
  return { sink, manifest, file, bytes: Buffer.concat(file.chunks.map((chunk) => Buffer.from(chunk))) };
}

/** Excel's serial for a local date-time text (`YYYY-MM-DD[THH:MM:SS[.fff]]`): days since 1899-12-30. */
function serialOf(text: string): number {
  const [date, time = '00:00:00'] = text.split('T') as [string, string?];
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi, s] = time.split(':').map(Number) as [number, number, number];
  return (Date.UTC(y, m - 1, d, h, mi, 0) + s * 1000 - Date.UTC(1899, 11, 30)) / 86_400_000;
}

/** Asserts the sheet holds the CSV's rows, each cell typed for its column and equal to the CSV's text. */
function expectSheetEqualsCsv(sheet: XLSX.WorkSheet, csv: string, typed: boolean): void {
  const rows = parse(csv, { columns: false, relax_column_count: false }) as string[][];
  const [header, ...data] = rows as [string[], ...string[][]];
  const range = XLSX.utils.decode_range(sheet['!ref']!);
  expect(range.e.r).toBe(data.length);
  header.forEach((name, c) => {
    expect(sheet[XLSX.utils.encode_cell({ r: 0, c })]?.v).toBe(name);
  });
  data.forEach((row, r) => {
    row.forEach((text, c) => {
      const cell = sheet[XLSX.utils.encode_cell({ r: r + 1, c })] as XLSX.CellObject | undefined;
      const where = `${header[c]} row ${r + 2}`;
      if (text === '') {
        expect(cell, `${where} ${JSON.stringify(cell)}`).toBeUndefined();
        return;
      }
      const name = header[c]!;
      const type = !typed
        ? name === 'SOURCE_ROW'
          ? 'integer'
          : 'text'
        : isColumnName(name)
          ? COLUMN_TYPES[name]
          : name === 'IS_PARENT'
            ? 'boolean'
            : name.endsWith('_ID') || name === 'EXCLUDED_BY'
              ? 'text'
              : 'integer';
      if (type === 'text' || type === 'id') expect([cell?.t, cell?.v], where).toEqual(['s', text]);
      else if (type === 'boolean') expect([cell?.t, cell?.v], where).toEqual(['b', text === 'true']);
      else if (type === 'date') {
        expect(cell?.t, where).toBe('n');
        expect(Math.abs((cell!.v as number) - serialOf(text)), where).toBeLessThan(1e-8);
        expect(cell!.z, where).toBe(text.includes('T') ? 'yyyy-mm-dd hh:mm:ss' : 'yyyy-mm-dd');
      } else expect([cell?.t, cell?.v], where).toEqual(['n', Number(text)]);
    });
  });
}

afterEach(() => vi.useRealTimers());

describe('colors.xlsx', () => {
  it('holds colors, excluded and rejected exactly as the CSVs do, ids and CUSIPs as text', async () => {
    const { sink, manifest, bytes, file } = await sampleRun();
    const workbook = XLSX.read(bytes, { cellNF: true });
    expect(workbook.SheetNames).toEqual(['colors', 'excluded', 'rejected']);
    expectSheetEqualsCsv(workbook.Sheets.colors!, sink.text('colors.csv'), true);
    expectSheetEqualsCsv(workbook.Sheets.excluded!, sink.text('excluded.csv'), true);
    expectSheetEqualsCsv(workbook.Sheets.rejected!, sink.text('rejected.csv'), false);
    // The sample's ids are 19 digits: beyond a double, so only a text cell keeps them.
    const firstId = workbook.Sheets.colors!.A2 as XLSX.CellObject;
    expect(firstId.t).toBe('s');
    expect(String(firstId.v)).toMatch(/^\d{19}$/);
    expect(manifest.counts.rejected).toBeGreaterThan(0);
    expect(manifest.files.find((entry) => entry.name === 'colors.xlsx')).toEqual({
      name: 'colors.xlsx',
      bytes: file.bytes,
      sha256: file.sha256,
      rows: manifest.counts.ranked,
    });
    expect(file.contentType).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  });

  it('freezes and filters each header row and fits the column widths', async () => {
    const { bytes } = await sampleRun();
    const workbook = XLSX.read(bytes, { cellStyles: true });
    for (const [name, width] of [
      ['colors', COLUMNS.length + 4],
      ['excluded', COLUMNS.length + 1],
      ['rejected', COLUMNS.length + 3],
    ] as const) {
      expect(workbook.Sheets[name]!['!autofilter'], name).toEqual({ ref: `A1:${XLSX.utils.encode_col(width - 1)}1` });
    }
    const widths = workbook.Sheets.colors!['!cols']!;
    // MESSAGE_ID's 19 digits fit; TICKER (long bond names) is as wide as its longest, up to the cap.
    expect(widths[0]!.width).toBeGreaterThanOrEqual(21);
    expect(widths[1]!.width).toBeGreaterThan(widths[0]!.width!);
    expect(Math.max(...widths.filter(Boolean).map((column) => column.width ?? 0))).toBeLessThanOrEqual(62);
    const archive = XLSX.CFB.read(bytes, { type: 'buffer' });
    for (const sheet of ['sheet1', 'sheet2', 'sheet3']) {
      const xml = Buffer.from(XLSX.CFB.find(archive, `Root Entry/xl/worksheets/${sheet}.xml`)!.content as Uint8Array).toString('utf8');
      expect(xml, sheet).toMatch(/<pane[^>]*ySplit="1"[^>]*state="frozen"/);
    }
  });

  it('is the same bytes, and SHA-256, whenever the same run is rendered', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-20T18:00:00Z'));
    const first = await sampleRun();
    vi.setSystemTime(new Date('2027-03-04T09:31:17Z'));
    const second = await sampleRun();
    expect(second.file.sha256).toBe(first.file.sha256);
    expect(second.bytes.equals(first.bytes)).toBe(true);
    // The workbook's own dates are the as-of date, not the time it was rendered.
    const core = XLSX.read(first.bytes).Props!;
    expect(core.CreatedDate?.toISOString()).toBe('2026-11-20T00:00:00.000Z');
  });
});
