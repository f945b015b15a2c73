/**
 * What changed, end to end: real runs published to a folder (FsSink), the next run finding them
 * through FsPublishedRuns and writing changes.json. Each CUSIP below changes its parent for one
 * reason (rank, date, price, a tie-break), or is new, gone or unchanged; the same-date and the
 * previous-date comparisons; a previous run without parents.jsonl; and previous runs that cannot
 * be read, which never fail the run.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsPublishedRuns } from '../../../../lambdas/adapters/fs-published-runs.js';
import { FsSink } from '../../../../lambdas/adapters/fs-sink.js';
import { COLUMNS } from '../../../../lambdas/pipeline/columns.js';
import { parseConfig } from '../../../../lambdas/pipeline/config.js';
import type { RunChanges } from '../../../../lambdas/pipeline/report/changes-json.js';
import type { PublishedRuns } from '../../../../lambdas/pipeline/report/previous-runs.js';
import { runColors } from '../../../../lambdas/pipeline/run.js';
import { MemorySource, recordOf } from '../../../helpers/memory-ports.js';

let out: string;
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'mp-report-changes-'));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

type Row = Partial<Record<(typeof COLUMNS)[number], string>>;
const row = (id: string, cusip: string, fields: Row = {}) =>
  recordOf({ MESSAGE_ID: id, CUSIP: cusip, DATE: '2026-11-20T10:00:00', PX: '100', RANK: '1', SOURCE: 'JPM', ...fields });

const BEFORE = [
  row('11', 'AAA', { RANK: '1' }),
  row('12', 'AAA', { RANK: '2' }),
  row('21', 'BBB', { DATE: '2026-11-20T10:00:00' }),
  row('22', 'BBB', { DATE: '2026-11-20T09:00:00' }),
  row('31', 'CCC', { PX: '100' }),
  row('32', 'CCC', { PX: '99.5' }),
  row('41', 'DDD'),
  row('59', 'FFF', { SOURCE: ' Smith, "J"' }), // quotes and a comma: read back, still the same row
  row('61', 'GGG'),
];
const AFTER = [
  row('11', 'AAA', { RANK: '3' }), // AAA: 12 now has the better rank
  row('12', 'AAA', { RANK: '2' }),
  row('21', 'BBB', { DATE: '2026-11-20T10:00:00' }), // BBB: 22 is newer now
  row('22', 'BBB', { DATE: '2026-11-20T11:30:00' }),
  row('31', 'CCC', { PX: '100' }), // CCC: 32's price is higher now (100.25 > 100)
  row('32', 'CCC', { PX: '100.25' }),
  row('51', 'eee '), // EEE is new; DDD is gone
  row('59', 'FFF', { SOURCE: ' Smith, "J"' }), // FFF unchanged
  row('60', 'GGG'), // GGG: equal on every key; the lower MESSAGE_ID wins
  row('61', 'GGG'),
];

const config = (report = true) => parseConfig(JSON.stringify({ rules: [], window: { timeZone: 'UTC' }, outputs: { report } }), 'c.json');

async function publish(
  rows: ReturnType<typeof row>[],
  asOf: string,
  runId: string,
  options: { report?: boolean; runs?: PublishedRuns; warnings?: string[] } = {},
) {
  const result = await runColors({
    source: new MemorySource([...COLUMNS], rows),
    sink: new FsSink(out),
    publishedRuns: options.runs ?? new FsPublishedRuns(out),
    config: config(options.report),
    asOf,
    runId,
    onWarning: (message) => options.warnings?.push(message),
  });
  return result;
}

async function changesOf(asOf: string, runId: string): Promise<RunChanges> {
  return JSON.parse(await readFile(join(out, 'runs', `as-of=${asOf}`, `run-id=${runId}`, 'changes.json'), 'utf8')) as RunChanges;
}

describe('changes.json', () => {
  it('names every parent that changed with its reason, and the CUSIPs new and gone, against the same date and the previous date', async () => {
    await publish(BEFORE, '2026-11-19', '01A');
    await publish(BEFORE, '2026-11-20', '01B');
    const { changes: summary } = await publish(AFTER, '2026-11-20', '01C');
    const changes = await changesOf('2026-11-20', '01C');
    expect(changes.comparisons.map((c) => [c.relation, c.status, c.against])).toEqual([
      ['same-date', 'compared', { asOf: '2026-11-20', runId: '01B' }],
      ['previous-date', 'compared', { asOf: '2026-11-19', runId: '01A' }],
    ]);
    for (const comparison of changes.comparisons) {
      const parents = comparison.parents!;
      expect(parents.changed.map((c) => [c.cusip, c.from.messageId, c.to.messageId, c.why, c.column])).toEqual([
        ['AAA', '11', '12', 'rank', 'RANK'],
        ['BBB', '21', '22', 'date', 'DATE'],
        ['CCC', '31', '32', 'price', 'PX'],
        ['GGG', '61', '60', 'tie-break', null],
      ]);
      expect(parents.changed[2]).toMatchObject({ from: { px: '100', rank: '1', source: 'JPM', groupSize: 2 }, to: { px: '100.25' } });
      expect(parents.changedByReason).toEqual({ rank: 1, date: 1, price: 1, other: 0, 'tie-break': 1 });
      expect(parents.newCusips).toEqual(['EEE']);
      expect(parents.goneCusips).toEqual(['DDD']);
      expect(parents.unchanged).toBe(1);
      expect(comparison.counts).toEqual({
        read: { from: 9, to: 10 },
        ranked: { from: 9, to: 10 },
        groups: { from: 6, to: 6 },
        excluded: { from: 0, to: 0 },
        rejected: { from: 0, to: 0 },
      });
    }
    // The notification's summary is the same diff in numbers.
    expect(summary?.[0]).toMatchObject({ relation: 'same-date', parentsChanged: 4, newCusips: 1, goneCusips: 1 });
  });

  it('says so when there is no previous run, and skips dates without one (a weekend) for the previous date', async () => {
    await publish(BEFORE, '2026-11-13', '01A'); // a Friday
    await publish(AFTER, '2026-11-16', '01B'); // the Monday after
    const [sameDate, previousDate] = (await changesOf('2026-11-16', '01B')).comparisons;
    expect(sameDate).toMatchObject({
      status: 'none',
      against: null,
      parents: null,
      note: 'no run of 2026-11-16 was published before this one',
    });
    expect(previousDate).toMatchObject({ status: 'compared', against: { asOf: '2026-11-13', runId: '01A' } });
  });

  it('compares only the counts with a run that published no parents.jsonl', async () => {
    await publish(BEFORE, '2026-11-20', '01A', { report: false });
    await publish(AFTER, '2026-11-20', '01B');
    const [sameDate] = (await changesOf('2026-11-20', '01B')).comparisons;
    expect(sameDate).toMatchObject({ status: 'compared', parents: null, counts: { read: { from: 9, to: 10 } } });
    expect(sameDate!.note).toMatch(/published no parents\.jsonl/);
  });

  it('publishes the run and says the comparison could not be made when earlier runs cannot be read', async () => {
    await publish(BEFORE, '2026-11-20', '01A');
    // A corrupted parents.jsonl: its SHA-256 no longer matches the manifest.
    await writeFile(join(out, 'runs', 'as-of=2026-11-20', 'run-id=01A', 'parents.jsonl'), 'MESSAGE_ID\n1\n');
    const failing: PublishedRuns = {
      readLatest: async (asOf) =>
        asOf === '2026-11-20' ? new FsPublishedRuns(out).readLatest(asOf) : Promise.reject(new Error('EIO: i/o error')),
      readRunFile: (asOf, runId, name) => new FsPublishedRuns(out).readRunFile(asOf, runId, name),
    };
    const warnings: string[] = [];
    const { published } = await publish(AFTER, '2026-11-20', '01B', { runs: failing, warnings });
    expect(published?.pointer).toEqual({ status: 'current' });
    const [sameDate, previousDate] = (await changesOf('2026-11-20', '01B')).comparisons;
    expect(sameDate).toMatchObject({
      status: 'unreadable',
      note: expect.stringMatching(/parents\.jsonl of run 01A .* does not have the SHA-256 its manifest lists/),
    });
    expect(previousDate).toMatchObject({ status: 'unreadable', note: expect.stringContaining('EIO: i/o error') });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(
      /^report: the previous run of the same date could not be read: .*; the report says so and the run goes on$/,
    );
    const html = await readFile(join(out, 'runs', 'as-of=2026-11-20', 'run-id=01B', 'report.html'), 'utf8');
    expect(html).toContain('No comparison: the previous date&#39;s run could not be read: EIO: i/o error');
  });

  it("writes each group's parent to parents.jsonl: colors.csv's parent line, field for field, and its CHILDREN_COUNT", async () => {
    await publish(AFTER, '2026-11-20', '01A');
    const dir = join(out, 'runs', 'as-of=2026-11-20', 'run-id=01A');
    const [header, ...rows] = parseCsv(await readFile(join(dir, 'colors.csv'), 'utf8')) as string[][];
    const parents = rows.filter((fields) => fields[header!.indexOf('IS_PARENT')] === 'true');
    const expected = [
      [...COLUMNS, 'CHILDREN_COUNT'],
      ...parents.map((fields) => [
        ...fields.slice(0, COLUMNS.length).map((field) => (field === '' ? null : field)),
        Number(fields[header!.indexOf('CHILDREN_COUNT')]),
      ]),
    ];
    const lines = (await readFile(join(dir, 'parents.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual(expected);
    expect(parents.length).toBe(6);
  });
});
