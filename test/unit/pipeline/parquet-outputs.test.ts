/**
 * outputs.parquet: a run published to a folder, its Parquet files read back by an independent
 * reader (test/helpers/parquet-reader.ts: arrow-rs through parquet-wasm) and compared value by
 * value with the CSVs of the same run, read by csv-parse. The file schema is compared with the
 * Glue columns of the synthesized template, so the files and the tables Athena reads agree.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsSink } from '../../../lambdas/adapters/fs-sink.js';
import { COLUMN_TYPES, COLUMNS } from '../../../lambdas/pipeline/columns.js';
import { parseConfig } from '../../../lambdas/pipeline/config.js';
import type { Manifest } from '../../../lambdas/pipeline/manifest.js';
import { latestCopyPath, tableFilePath } from '../../../lambdas/pipeline/parquet/table-files.js';
import { runColors } from '../../../lambdas/pipeline/run.js';
import { type GlueType, RUN_TABLE_NAMES, type RunTableName } from '../../../lib/run-tables.js';
import { MemorySource, recordOf } from '../../helpers/memory-ports.js';
import { type ReadParquet, readParquetFile } from '../../helpers/parquet-reader.js';
import { resourcesOf, synth } from '../lib/synth.js';

const AS_OF = '2026-11-01';
const ZONE = 'America/New_York';
const CSV_OF: Readonly<Record<RunTableName, string>> = { colors: 'colors.csv', excluded: 'excluded.csv', rejected: 'rejected.csv' };

/** How the independent reader names each Hive type of the contract. */
const ARROW_TYPES: Readonly<Record<GlueType, string>> = {
  string: 'Utf8',
  double: 'Float64',
  int: 'Int32',
  bigint: 'Int64',
  boolean: 'Bool',
  timestamp: 'Timestamp<MICROSECOND, UTC>',
};

const config = (parquet: boolean) =>
  parseConfig(
    JSON.stringify({
      rules: [{ name: 'no-price', when: { column: 'PX', op: 'isEmpty' } }],
      window: { timeZone: ZONE },
      outputs: { parquet },
      dedupe: true,
      publish: { maxRejectedRatio: 1 },
    }),
    'parquet-test.json',
  );

const color = (fields: Partial<Record<(typeof COLUMNS)[number], string>>) =>
  recordOf({ DATE: '2026-11-01T09:30:00', PX: '100', RANK: '1', CONFIDENCE: '5', BIAS: 'BID', SOURCE: 'JPM', ...fields });

/** Values that a careless conversion would change: 19-digit ids, long decimals, zones, DST, fractions, text. */
const ROWS = [
  color({
    MESSAGE_ID: '9999999999999999999',
    CUSIP: '47853FAA3',
    PX: '100.03',
    PERCENT_DIFF: '-1.3140604467805519E-1',
    DATE: '2026-11-01T01:30:00-05:00',
  }),
  color({
    MESSAGE_ID: '9223372036854775808',
    CUSIP: '47853faa3 ',
    RANK: '2',
    PX: '0.1000000000000000055511151231257827',
    BID: '99.5',
    ASK: '+99.750',
    DATE: '2026-11-01T12:00:00.123456Z',
  }),
  color({
    MESSAGE_ID: '0000000000000000001',
    CUSIP: '47853FAA3',
    RANK: '3',
    PX: '1e2',
    DATE_1: '2026-10-31',
    TICKER: 'café ✓ "quoted", with comma',
    DIFF_STATUS: 'UP',
  }),
  color({
    MESSAGE_ID: '18',
    CUSIP: 'ZZZ',
    RANK: '4.0',
    CONFIDENCE: '0',
    COV_PRICE: '-0',
    PRICE_DIFF: '5.0000000000000000E-1',
    DATE: '2026-03-08T03:00:00',
    SECTOR: ' spaced ',
  }),
  color({ MESSAGE_ID: '19', CUSIP: 'ZZZ', PX: '' }),
  color({
    MESSAGE_ID: '18',
    CUSIP: 'ZZZ',
    RANK: '4.0',
    CONFIDENCE: '0',
    COV_PRICE: '-0',
    PRICE_DIFF: '5.0000000000000000E-1',
    DATE: '2026-03-08T03:00:00',
    SECTOR: ' spaced ',
  }),
  color({ MESSAGE_ID: 'x12', CUSIP: 'BAD', PX: 'n/a', DATE: '31/02/2026' }),
  color({ MESSAGE_ID: '20', CUSIP: '', TICKER: '  untrimmed  ' }),
];

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'mp-parquet-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function publishRun(runId: string, rows: (string | null)[][], parquet = true) {
  const result = await runColors({
    source: new MemorySource([...COLUMNS], rows),
    sink: new FsSink(join(root, runId)),
    config: config(parquet),
    asOf: AS_OF,
    runId,
    now: () => new Date('2026-11-01T22:00:00Z'),
  });
  const out = join(root, runId);
  const runDir = join(out, 'runs', `as-of=${AS_OF}`, `run-id=${runId}`);
  const table = (name: RunTableName) => readFileSync(join(out, tableFilePath(name, AS_OF, runId)));
  const csv = (name: RunTableName) => parse(readFileSync(join(runDir, CSV_OF[name])), { columns: true }) as Record<string, string>[];
  return { manifest: result.manifest, out, runDir, table, csv };
}

/** What a CSV field says the Parquet value must be, by the column's contract type. */
function expectedValue(type: GlueType, text: string): unknown {
  if (text === '') return null;
  if (type === 'double') return Number(text);
  if (type === 'bigint') return BigInt(Number(text));
  if (type === 'int') return Number(text);
  if (type === 'boolean') return text === 'true';
  return text;
}

const zoneParts = new Intl.DateTimeFormat('en-US', {
  timeZone: ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

/** The zone's wall clock at an instant, read as if it were UTC (ms). */
function wallAt(instant: number): number {
  const part = (type: string) => Number(zoneParts.formatToParts(new Date(instant)).find((p) => p.type === type)!.value);
  return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
}

/**
 * The instant a CSV local time names in the run's zone, in µs (the reader's unit), worked out with
 * Intl rather than the product's clock. In the hour a daylight-saving change repeats, the earlier.
 */
function expectedMicros(local: string): bigint {
  const [time, fraction = ''] = local.split('.');
  const wall = Date.parse(`${time!.length === 10 ? `${time}T00:00:00` : time}Z`);
  let instant = wall - (wallAt(wall) - wall);
  instant = wall - (wallAt(instant) - instant);
  return BigInt(instant) * 1000n + BigInt(fraction.padEnd(6, '0').slice(0, 6));
}

describe('outputs.parquet', () => {
  let run: Awaited<ReturnType<typeof publishRun>>;
  const files = {} as Record<RunTableName, ReadParquet>;
  beforeAll(async () => {
    run = await publishRun('01PARQUET0000000000000000A', ROWS);
    for (const name of RUN_TABLE_NAMES) files[name] = readParquetFile(run.table(name));
  });

  it('writes the three tables beside the run, listed in the manifest with their path, size and SHA-256', () => {
    const manifest = JSON.parse(readFileSync(join(run.runDir, 'manifest.json'), 'utf8')) as Manifest;
    for (const name of RUN_TABLE_NAMES) {
      const bytes = run.table(name);
      expect(manifest.files).toContainEqual({
        name: `${name}.parquet`,
        path: tableFilePath(name, AS_OF, '01PARQUET0000000000000000A'),
        bytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        rows: files[name].rows.length,
      });
    }
    expect(manifest.counts).toMatchObject({ ranked: 4, excluded: 2, rejected: 2 });
    // The as-of folder's latest.json, copied byte for byte where the latest_runs table reads it.
    expect(readFileSync(join(run.out, latestCopyPath(AS_OF)), 'utf8')).toBe(
      readFileSync(join(run.out, 'runs', `as-of=${AS_OF}`, 'latest.json'), 'utf8'),
    );
  });

  it('have the columns, order and types of the Glue tables in the synthesized template, and the file metadata', () => {
    const glue = Object.fromEntries(
      Object.values(resourcesOf(synth().template, 'AWS::Glue::Table')).map((props) => {
        const input = props.TableInput as { Name: string; StorageDescriptor: { Columns: { Name: string; Type: GlueType }[] } };
        return [input.Name, input.StorageDescriptor.Columns];
      }),
    );
    for (const name of RUN_TABLE_NAMES) {
      expect(
        files[name].fields.map((field) => `${field.name.toLowerCase()} ${field.type}`),
        name,
      ).toEqual(glue[name]!.map((column) => `${column.Name} ${ARROW_TYPES[column.Type]}`));
      expect(Object.fromEntries(files[name].metadata)).toEqual({
        'market-pulse.as-of': AS_OF,
        'market-pulse.run-id': '01PARQUET0000000000000000A',
        'market-pulse.time-zone': ZONE,
        'market-pulse.code-version': expect.stringMatching(/^\d+\.\d+\.\d+/),
      });
    }
  });

  it.each(RUN_TABLE_NAMES)(
    '%s.parquet holds every value of the CSV: ids exact, decimals with their text, times as UTC instants, empty as null',
    (name) => {
      const csv = run.csv(name);
      const { rows, fields } = files[name];
      expect(rows).toHaveLength(csv.length);
      expect(rows.length).toBeGreaterThan(0);
      const types = new Map(fields.map((field) => [field.name, field.type]));
      csv.forEach((line, index) => {
        const row = rows[index]!;
        for (const [column, text] of Object.entries(line)) {
          const arrow = types.get(column);
          if (arrow?.startsWith('Timestamp'))
            expect(row[column], `${name} row ${index + 1} ${column}`).toBe(text === '' ? null : expectedMicros(text));
          else {
            const glue = (Object.entries(ARROW_TYPES).find(([, type]) => type === arrow)?.[0] ?? 'string') as GlueType;
            expect(row[column], `${name} row ${index + 1} ${column}`).toEqual(expectedValue(glue, text));
          }
          if (name !== 'rejected' && COLUMN_TYPES[column as (typeof COLUMNS)[number]] === 'decimal')
            expect(row[`${column}_TEXT`]).toBe(text === '' ? null : text);
        }
        expect(row.RUN_ID).toBe('01PARQUET0000000000000000A');
      });
    },
  );

  it('keeps the values a number type would change', () => {
    const ids = files.colors.rows.map((row) => row.MESSAGE_ID);
    expect(ids).toEqual(expect.arrayContaining(['9999999999999999999', '9223372036854775808']));
    const second = files.colors.rows.find((row) => row.MESSAGE_ID === '9223372036854775808')!;
    expect(second).toMatchObject({
      PX: 0.1,
      PX_TEXT: '0.1000000000000000055511151231257827',
      ASK: 99.75,
      ASK_TEXT: '+99.750',
      RANK: 2n,
      DATE: BigInt(Date.parse('2026-11-01T12:00:00Z')) * 1000n + 123456n,
    });
    // 01:30 EST on the day New York leaves daylight saving: colors.csv says 01:30 local, which
    // names 01:30 EDT first (05:30 UTC); the table gives the instant the CSV names (docs/queries.md).
    const first = files.colors.rows.find((row) => row.MESSAGE_ID === '9999999999999999999')!;
    expect(first).toMatchObject({
      DATE: BigInt(Date.parse('2026-11-01T05:30:00Z')) * 1000n,
      IS_PARENT: true,
      PARENT_MESSAGE_ID: null,
      CHILDREN_COUNT: 2,
      GROUP_POSITION: 1,
    });
    expect(files.excluded.rows.map((row) => row.EXCLUDED_BY)).toEqual(expect.arrayContaining(['duplicate', 'no-price']));
    const rejected = files.rejected.rows.find((row) => row.SOURCE_ROW === 7n)!;
    expect(rejected).toMatchObject({ MESSAGE_ID: 'x12', PX: 'n/a', DATE: '31/02/2026' });
    expect(files.rejected.rows.find((row) => row.SOURCE_ROW === 8n)).toMatchObject({ CUSIP: null, TICKER: '  untrimmed  ' });
  });

  it('writes valid files with the whole schema for a run with no rows', async () => {
    const empty = await publishRun('01PARQUET0000000000000000B', []);
    expect(empty.manifest.heldBack).not.toBeNull();
    for (const name of RUN_TABLE_NAMES) {
      const read = readParquetFile(empty.table(name));
      expect(read.rows).toEqual([]);
      expect(read.fields.map((field) => field.name)).toEqual(files[name].fields.map((field) => field.name));
    }
  });

  it('writes nothing under tables/ when outputs.parquet is off', async () => {
    const off = await publishRun('01PARQUET0000000000000000C', ROWS.slice(0, 2), false);
    expect(off.manifest.files.map((file) => file.name)).toEqual([
      'colors.csv',
      'excluded.csv',
      'rejected.csv',
      'parents.jsonl',
      'changes.json',
      'report.html',
    ]);
    expect(() => readFileSync(join(off.out, latestCopyPath(AS_OF)))).toThrow(/ENOENT/);
  });
});
