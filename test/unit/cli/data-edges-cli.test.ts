/**
 * The data at the edges, through the built CLI as a user runs it: a JSON Lines feed whose exporter
 * leaves out null keys, a header that lacks a column the config reads, exact decimals in rules and
 * ranking, values a desk would not expect to be accepted, and config documents no person should
 * have to debug. Outputs are read back with csv-parse, a reader the product does not use.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { COLUMNS } from '../../../lambdas/pipeline/columns.js';
import { useBuiltCli } from '../../helpers/built-cli.js';

const built = useBuiltCli('mp-edges-');
const marketPulse = (...args: string[]) => built.run(...args);

type Row = Record<string, string>;

/** Runs on `input` with `config` into a fresh folder; returns the exit, stderr and each file parsed. */
async function runOn(input: string, config: string, name: string) {
  const out = join(built.work, name);
  const result = marketPulse('run', '--input', input, '--config', config, '--out', out, '--as-of', '2026-11-20');
  const dateDir = join(out, 'runs', 'as-of=2026-11-20');
  if (!existsSync(join(dateDir, 'latest.json'))) return { ...result, out, published: false as const };
  const { runId } = JSON.parse(await readFile(join(dateDir, 'latest.json'), 'utf8')) as { runId: string };
  const runDir = join(dateDir, `run-id=${runId}`);
  const read = async (file: string): Promise<Row[]> => parse(await readFile(join(runDir, file)), { columns: true }) as Row[];
  return {
    ...result,
    out,
    published: true as const,
    files: { colors: await read('colors.csv'), excluded: await read('excluded.csv'), rejected: await read('rejected.csv') },
    manifest: JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8')) as { counts: Record<string, unknown> },
  };
}

async function file(name: string, text: string | Buffer): Promise<string> {
  const path = join(built.work, name);
  await writeFile(path, text);
  return path;
}

const colorsOf = (row: Row) => COLUMNS.map((column) => row[column]);

describe('a JSON Lines export that leaves out null keys', () => {
  it('keeps every row and every value: the same run as the CSV it was exported from', async () => {
    // The bundled sample as a desk's exporter writes it: one object per row, no key for an empty
    // value, keys in a different order per line. The first row has no TICKER.
    const rows = parse(await readFile('samples/colors.csv'), { columns: true }) as Row[];
    rows[0]!.TICKER = '';
    const csv = await file(
      'feed.csv',
      `${[COLUMNS.join(','), ...rows.map((row) => COLUMNS.map((c) => csvField(row[c]!)).join(','))].join('\n')}\n`,
    );
    const jsonl = await file(
      'feed.jsonl',
      `${rows
        .map((row, index) => {
          const entries = Object.entries(row).filter(([, value]) => value !== '');
          return JSON.stringify(Object.fromEntries(index % 2 ? entries.reverse() : entries));
        })
        .join('\n')}\n`,
    );
    expect(Object.keys(JSON.parse((await readFile(jsonl, 'utf8')).split('\n')[0]!))).not.toContain('TICKER');

    const fromCsv = await runOn(csv, 'samples/config.json', 'feed-csv');
    const fromJsonl = await runOn(jsonl, 'samples/config.json', 'feed-jsonl');
    expect(fromJsonl.code).toBe(0);
    expect(fromJsonl.stderr).not.toContain('warning');
    if (!fromCsv.published || !fromJsonl.published) throw new Error('expected both runs to publish');
    expect(fromJsonl.manifest.counts).toEqual(fromCsv.manifest.counts);
    expect(fromJsonl.files.colors).toEqual(fromCsv.files.colors);
    expect(fromJsonl.files.excluded).toEqual(fromCsv.files.excluded);
    expect(fromJsonl.files.rejected.map(colorsOf)).toEqual(fromCsv.files.rejected.map(colorsOf));
    // Each rejected JSON Lines row also carries its line as read.
    const lines = (await readFile(jsonl, 'utf8')).split('\n');
    for (const row of fromJsonl.files.rejected) expect(row.RAW_RECORD).toBe(lines[Number(row.SOURCE_ROW) - 1]);
    const { read, ranked, excluded, rejected } = fromJsonl.manifest.counts as Record<string, number>;
    expect([read, ranked! + excluded! + rejected!]).toEqual([rows.length, rows.length]);
  });

  it('names unknown keys once, rejects a line that is not an object keeping its text, and loses no value', async () => {
    const lines = [
      '{"MESSAGE_ID": "1000000000000000001", "CUSIP": "AAA", "DATE": "2026-11-20T10:00:00", "PX": 200, "RANK": 1, "trader": "bob"}',
      '{"MESSAGE_ID": "1000000000000000002", "TICKER": "ACME 5 01/30", "CUSIP": "AAA", "DATE": "2026-11-20T09:00:00", "PX": 99.5, "RANK": 2, "trader": "al"}',
      '["1000000000000000003", "BBB"]',
      '{"MESSAGE_ID": "1000000000000000004", "CUSIP": "BBB", "DATE": "2026-11-20", "PX": 101, "RANK": 1 "SOURCE": "MS"}',
    ];
    const input = await file('mixed.jsonl', `${lines.join('\n')}\n`);
    const config = await file('plain.json', '{"rules": []}');
    const result = await runOn(input, config, 'mixed');
    expect(result.code).toBe(0);
    expect(result.stderr.match(/ignoring keys that are not color columns: trader/g)).toHaveLength(1);
    if (!result.published) throw new Error('expected a published run');
    expect(result.files.colors.map((row) => [row.MESSAGE_ID, row.TICKER, row.PX])).toEqual([
      ['1000000000000000001', '', '200'],
      ['1000000000000000002', 'ACME 5 01/30', '99.5'],
    ]);
    expect(result.files.rejected.map((row) => [row.SOURCE_ROW, row.MESSAGE_ID, row.CUSIP, row.PX, row.RAW_RECORD])).toEqual([
      ['3', '', '', '', lines[2]],
      ['4', '1000000000000000004', 'BBB', '101', lines[3]],
    ]);
  });
});

describe('a header against the config', () => {
  it('stops with exit 4, publishing nothing, when the ranking order reads a column the header lacks (a typo)', async () => {
    const input = await file('typo.csv', 'MESSAGE_ID,CUSIP,DATE,RNK,PX\n1,A,2026-11-20,1,99\n');
    const config = await file('plain-rank.json', '{"rules": []}');
    const result = await runOn(input, config, 'typo');
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(
      `file:${input}: the header lacks a column the config reads: RANK (read by the ranking order; the header has "RNK")`,
    );
    expect(result.published).toBe(false);
    expect(existsSync(result.out)).toBe(false);
  });

  it('warns, naming them, about absent columns that nothing reads', async () => {
    const input = await file('three.csv', 'MESSAGE_ID,CUSIP,DATE\n1,A,2026-11-20\n');
    const config = await file('by-date.json', '{"rules": [], "ranking": {"order": [{"column": "DATE", "direction": "desc"}]}}');
    const result = await runOn(input, config, 'three');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'the header lacks TICKER, SECTOR, PRICE_LEVEL, BID, ASK, PX, COV_PRICE, PERCENT_DIFF, PRICE_DIFF, SOURCE, BIAS, RANK, CONFIDENCE, DATE_1, DIFF_STATUS; they are null in every row',
    );
  });
});

describe('input encodings', () => {
  it('exits 4 on a UTF-16 file, saying to save it as UTF-8', async () => {
    const input = await file('utf16.csv', Buffer.from('\uFEFFMESSAGE_ID,CUSIP,DATE\n1,A,2026-11-20\n', 'utf16le'));
    const result = await runOn(input, 'samples/config.json', 'utf16');
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`${input}: the input is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8`);
  });

  it('rejects the Latin-1 rows of a file, keeping their bytes visible as invalid', async () => {
    const input = await file(
      'latin1.csv',
      Buffer.from('MESSAGE_ID,CUSIP,DATE,PX,RANK,TICKER\n1,A,2026-11-20,99,1,plain\n2,A,2026-11-20,99,2,caf\xe9\n', 'latin1'),
    );
    const result = await runOn(input, await file('none-3.json', '{"rules": []}'), 'latin1');
    if (!result.published) throw new Error('expected a published run');
    expect(result.files.colors.map((row) => row.MESSAGE_ID)).toEqual(['1']);
    expect(result.files.rejected.map((row) => [row.MESSAGE_ID, row.REJECT_REASON])).toEqual([['2', 'malformed CSV: invalid UTF-8']]);
  });
});

describe('decimals compare exactly', () => {
  it('in a rule and in the ranking, beyond what a double holds', async () => {
    const input = await file(
      'exact.csv',
      'MESSAGE_ID,CUSIP,DATE,PX,RANK\n1,A,2026-11-20,100,1\n2,A,2026-11-20,100.0000000000000001,1\n3,A,2026-11-20,100.00000000000001,1\n4,A,2026-11-20,99.99999999999999999,1\n',
    );
    const gt = await file('gt-100.json', '{"rules": [{"name": "over-100", "when": {"column": "PX", "op": "gt", "value": 100}}]}');
    const ruled = await runOn(input, gt, 'exact-rule');
    if (!ruled.published) throw new Error('expected a published run');
    expect(ruled.files.excluded.map((row) => row.PX).sort()).toEqual(['100.0000000000000001', '100.00000000000001']);
    const ranked = await runOn(input, await file('none.json', '{"rules": []}'), 'exact-rank');
    if (!ranked.published) throw new Error('expected a published run');
    // PX desc: the parent is the highest price, though 100.0000000000000001 and 100 are one double.
    expect(ranked.files.colors.map((row) => row.PX)).toEqual(['100.00000000000001', '100.0000000000000001', '100', '99.99999999999999999']);
  });
});

describe('values a desk would not expect to be accepted', () => {
  it('are rejected with a reason that says why', async () => {
    const input = await file(
      'edges.csv',
      `${[
        'MESSAGE_ID,CUSIP,DATE,PX,RANK',
        '1,A,2026-03-08T02:30,99,1',
        '2,A,0000-01-01,99,1',
        '3,A,2026-11-20,99,-3',
        '4,A,2026-11-20,99,1.5',
        '5,A,2026-11-20,1e-400,1',
        '6,A,2026-11-20,1e400,1',
        '7,A,2026-03-08T03:30,99,2.0',
      ].join('\n')}\n`,
    );
    // Six of seven rows rejected would hold the run back at the default ratio of 0.5.
    const result = await runOn(input, await file('none-2.json', '{"rules": [], "publish": {"maxRejectedRatio": 1}}'), 'edges');
    expect(result.code).toBe(0);
    if (!result.published) throw new Error('expected a published run');
    expect(result.files.rejected.map((row) => [row.SOURCE_ROW, row.REJECT_REASON])).toEqual([
      ['1', "DATE: not a local time in the config's time zone (skipped by a daylight-saving change)"],
      ['2', 'DATE: not a calendar date (year 0000 does not exist)'],
      ['3', 'RANK: not a rank (a whole number from 1, the best)'],
      ['4', 'RANK: not an integer'],
      ['5', 'PX: number out of range'],
      ['6', 'PX: number out of range'],
    ]);
    expect(result.files.colors.map((row) => [row.MESSAGE_ID, row.DATE, row.RANK])).toEqual([['7', '2026-03-08T03:30:00', '2.0']]);
  });
});

describe('config documents', () => {
  it('accepts a JSON config with a UTF-8 BOM', async () => {
    const config = await file('bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"rules": []}')]));
    const result = marketPulse('validate-config', config);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('exits 3 naming a key given twice, with its path', async () => {
    const config = await file('twice.json', '{"rules": [{"name": "a", "name": "b", "when": {"column": "PX", "op": "isEmpty"}}]}');
    const result = marketPulse('validate-config', config);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `invalid config ${config}: rules[0].name: the key "name" appears twice in one object (line 1, column 13 and line 1, column 26); keep one`,
    );
  });

  it.each([
    [
      'deep.json',
      `{"rules": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      'not valid JSON: line 1, column 110: lists and objects nest more than 100 levels deep',
    ],
    [
      'deep.yaml',
      `rules: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`,
      'not valid YAML: line 1: lists and maps nest more than 100 levels deep',
    ],
  ])('exits 3 on %s nested 10,000 deep with a clear message', async (name, text, message) => {
    const config = await file(name, text);
    const result = marketPulse('run', '--input', 'samples/colors.csv', '--config', config, '--out', join(built.work, 'never'));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`invalid config ${config}: ${message}`);
    expect(result.stderr).not.toContain('call stack');
  });

  it('exits 3 on /dev/zero, naming the size limit', () => {
    const result = marketPulse('validate-config', '/dev/zero');
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('invalid config /dev/zero: the document is larger than 4 MiB, the most a config document may be');
  });
});

function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
