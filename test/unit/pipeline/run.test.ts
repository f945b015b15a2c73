import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FsSink } from '../../../lambdas/adapters/fs-sink.js';
import { SourceError } from '../../../lambdas/errors.js';
import { COLUMNS } from '../../../lambdas/pipeline/columns.js';
import { parseConfig } from '../../../lambdas/pipeline/config.js';
import { runColors } from '../../../lambdas/pipeline/run.js';
import { MemorySink, MemorySource, recordOf } from '../../helpers/memory-ports.js';

const header = [...COLUMNS];
const RULES = [
  {
    name: 'drop-bwic-covers',
    when: {
      all: [
        { column: 'BIAS', op: 'equals', value: 'BWIC COVER' },
        { column: 'CONFIDENCE', op: 'lt', value: 3 },
      ],
    },
  },
  { name: 'no-price', when: { column: 'PX', op: 'isEmpty' } },
];

function config(extra: Record<string, unknown> = {}) {
  return parseConfig(JSON.stringify({ version: 't1', rules: RULES, window: { timeZone: 'UTC' }, ...extra }), 'test-config.json');
}

async function run(rows: (string | null)[][], extra: Record<string, unknown> = {}, dryRun = false) {
  const sink = new MemorySink();
  const result = await runColors({
    source: new MemorySource(header, rows),
    sink,
    config: config(extra),
    asOf: '2026-11-20',
    runId: 'RUNID',
    dryRun,
    now: () => new Date('2026-11-20T22:00:00Z'),
  });
  return { ...result, sink };
}

const good = (id: string, cusip: string, fields: Partial<Record<(typeof COLUMNS)[number], string>> = {}) =>
  recordOf({ MESSAGE_ID: id, CUSIP: cusip, DATE: '2026-11-20T10:00:00', PX: '100', RANK: '1', CONFIDENCE: '5', BIAS: 'BID', ...fields });

describe('runColors', () => {
  it('sorts rows into ranked, excluded and rejected and publishes every file, manifest last', async () => {
    const { manifest, sink, published } = await run([
      good('1', 'AAA'),
      good('2', 'aaa ', { RANK: '2' }),
      good('3', 'BBB', { BIAS: 'BWIC COVER', CONFIDENCE: '1', PX: '' }),
      good('4', 'CCC', { PX: 'n/a' }),
    ]);
    expect(published).toEqual({ pointer: { status: 'current' }, location: 'memory:RUNID', latest: 'memory:2026-11-20/latest.json' });
    const request = sink.published[0]!;
    // outputs.report is on by default: parents.jsonl, then changes.json and report.html, which list the files before them.
    expect(request.files.map((f) => f.name)).toEqual([
      'colors.csv',
      'excluded.csv',
      'rejected.csv',
      'parents.jsonl',
      'changes.json',
      'report.html',
    ]);
    expect(request.manifest.name).toBe('manifest.json');

    expect(manifest.counts).toEqual({
      read: 4,
      ranked: 2,
      groups: 1,
      excluded: 1,
      rejected: 1,
      excludedByRule: { 'drop-bwic-covers': 1, 'no-price': 1 },
      rejectedByReason: { 'PX: not a number': 1 },
    });
    const colors = sink.text('colors.csv').split('\n');
    expect(colors[0]).toBe(`${COLUMNS.join(',')},GROUP_POSITION,IS_PARENT,PARENT_MESSAGE_ID,CHILDREN_COUNT`);
    expect(colors[1]).toMatch(/^1,.*,1,true,,1$/);
    expect(colors[2]).toMatch(/^2,.*,2,false,1,0$/);
    expect(sink.text('excluded.csv').split('\n')[1]).toMatch(/^3,.*,drop-bwic-covers;no-price$/);
    expect(sink.text('rejected.csv').split('\n')[0]).toBe(`${COLUMNS.join(',')},SOURCE_ROW,REJECT_REASON,RAW_RECORD`);
    expect(sink.text('rejected.csv').split('\n')[1]).toMatch(/^4,.*,n\/a,.*,4,PX: not a number,$/);

    const files = Object.fromEntries(manifest.files.map((f) => [f.name, f]));
    const sha = (name: string) => createHash('sha256').update(sink.text(name)).digest('hex');
    expect(files['colors.csv']).toMatchObject({ rows: 2, sha256: sha('colors.csv'), bytes: Buffer.byteLength(sink.text('colors.csv')) });
    expect(files['rejected.csv']).toMatchObject({ rows: 1, sha256: sha('rejected.csv') });
    expect(JSON.parse(sink.text('manifest.json'))).toEqual(JSON.parse(JSON.stringify(manifest)));
    expect(manifest).toMatchObject({
      runId: 'RUNID',
      asOf: '2026-11-20',
      source: 'memory:test',
      window: null,
      timeZone: 'UTC',
      config: { source: 'test-config.json', version: 't1' },
      startedAt: '2026-11-20T22:00:00.000Z',
      durationMs: 0,
    });
    expect(manifest.config.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps exact repeats by default and moves them to excluded.csv with dedupe', async () => {
    const rows = [good('1', 'AAA'), good('1', 'AAA'), good('1', 'AAA', { PX: '100.0' }), good('1', 'AAA')];
    const kept = await run(rows);
    expect(kept.manifest.counts).toMatchObject({ ranked: 4, excluded: 0 });
    const deduped = await run(rows, { dedupe: true });
    expect(deduped.manifest.counts).toMatchObject({
      read: 4,
      ranked: 2,
      excluded: 2,
      excludedByRule: { duplicate: 2, 'drop-bwic-covers': 0, 'no-price': 0 },
    });
    expect(
      deduped.sink
        .text('excluded.csv')
        .trim()
        .split('\n')
        .slice(1)
        .every((line) => line.endsWith(',duplicate')),
    ).toBe(true);
  });

  it('writes colors.jsonl when configured, ids and decimals as exact strings', async () => {
    const { sink, manifest } = await run([good('9223372036854775807', 'AAA', { PX: '-6.0929999999999998E-2' })], {
      outputs: { jsonl: true, report: false },
    });
    expect(manifest.files.map((f) => f.name)).toEqual(['colors.csv', 'colors.jsonl', 'excluded.csv', 'rejected.csv']);
    const record = JSON.parse(sink.text('colors.jsonl').trim());
    expect(record).toMatchObject({
      MESSAGE_ID: '9223372036854775807',
      PX: '-6.0929999999999998E-2',
      GROUP_POSITION: 1,
      IS_PARENT: true,
      PARENT_MESSAGE_ID: null,
      CHILDREN_COUNT: 0,
    });
  });

  it('publishes nothing on a dry run', async () => {
    const { sink, published, manifest } = await run([good('1', 'AAA')], {}, true);
    expect(published).toBeNull();
    expect(sink.published).toHaveLength(0);
    expect(manifest.counts.ranked).toBe(1);
  });

  it('fails before publishing when the header lacks a required column', async () => {
    const sink = new MemorySink();
    const source = new MemorySource(['MESSAGE_ID', 'DATE'], [['1', '2026-11-20']]);
    await expect(runColors({ source, sink, config: config(), asOf: '2026-11-20', runId: 'R' })).rejects.toThrow(SourceError);
    expect(sink.published).toHaveLength(0);
  });

  it('warns about extra columns and ignores them', async () => {
    const warnings: string[] = [];
    const sink = new MemorySink();
    const source = new MemorySource([...COLUMNS, 'TRADER'], [[...good('1', 'AAA'), 'bob']]);
    const { manifest } = await runColors({
      source,
      sink,
      config: config(),
      asOf: '2026-11-20',
      runId: 'R',
      onWarning: (w) => warnings.push(w),
    });
    expect(warnings).toEqual(['memory:test: ignoring columns that are not color columns: TRADER']);
    expect(manifest.counts.ranked).toBe(1);
    expect(sink.text('colors.csv')).not.toContain('bob');
  });
});

describe('runColors, files streamed to a folder', () => {
  it('writes every file as the manifest records it, and report.html lists the files before it as they were written', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mp-run-streamed-'));
    try {
      const { manifest } = await runColors({
        source: new MemorySource(header, [good('1', 'AAA'), good('2', 'BBB', { PX: '' }), good('3', 'CCC', { PX: 'x' })]),
        sink: new FsSink(root),
        config: config({ outputs: { jsonl: true, xlsx: true } }),
        asOf: '2026-11-20',
        runId: 'RUNID',
        now: () => new Date('2026-11-20T22:00:00Z'),
      });
      const runDir = join(root, 'runs', 'as-of=2026-11-20', 'run-id=RUNID');
      const names = manifest.files.map((file) => file.name);
      expect(names).toEqual([
        'colors.csv',
        'colors.jsonl',
        'excluded.csv',
        'rejected.csv',
        'colors.xlsx',
        'parents.jsonl',
        'changes.json',
        'report.html',
      ]);
      for (const file of manifest.files) {
        const bytes = await readFile(join(runDir, file.name));
        expect({ name: file.name, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }).toEqual({
          name: file.name,
          bytes: file.bytes,
          sha256: file.sha256,
        });
      }
      // The report's table of files: name, rows and bytes of every file written before it but changes.json.
      const html = await readFile(join(runDir, 'report.html'), 'utf8');
      const listed = [...html.matchAll(/<code>([^<]+)<\/code><\/td><td[^>]*>([\d,]+)<\/td><td[^>]*>([\d,]+)<\/td>/g)].map(
        ([, name, rows, bytes]) => ({
          name,
          rows: Number(rows!.replaceAll(',', '')),
          bytes: Number(bytes!.replaceAll(',', '')),
        }),
      );
      expect(listed).toEqual(
        manifest.files
          .filter((file) => !['changes.json', 'report.html'].includes(file.name))
          .map(({ name, rows, bytes }) => ({ name, rows, bytes })),
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('runColors properties', () => {
  const rowArb = fc.record({
    MESSAGE_ID: fc.oneof(fc.bigInt({ min: 1n, max: 10n ** 19n - 1n }).map(String), fc.constantFrom('1', 'x1', '')),
    CUSIP: fc.constantFrom('abc123xy9', ' ABC123XY9', 'ZZZ999ZZ1', '', 'mmm000mm0 '),
    DATE: fc.constantFrom('2026-11-20', '2026-11-20T09:15:00', '2026-11-19 17:00:00', 'bad', ''),
    PX: fc.constantFrom('99.5', '100', '1.0E2', '', 'x'),
    RANK: fc.constantFrom('1', '2', '3', ''),
    BIAS: fc.constantFrom('BID', 'OFFER', 'BWIC COVER', ''),
    CONFIDENCE: fc.constantFrom('0', '2', '9', ''),
    SOURCE: fc.constantFrom('SMBC', 'JPM', ''),
  });
  const rowsArb = fc.array(
    rowArb.map((fields) => recordOf(fields)),
    { maxLength: 80 },
  );

  it('conserves rows: read = ranked + excluded + rejected', async () => {
    await fc.assert(
      fc.asyncProperty(rowsArb, fc.boolean(), async (rows, dedupe) => {
        const { manifest } = await run(rows, { dedupe });
        const { read, ranked, excluded, rejected } = manifest.counts;
        expect(read).toBe(rows.length);
        expect(ranked + excluded + rejected).toBe(read);
        expect(manifest.files.map((f) => f.rows)).toEqual([ranked, excluded, rejected, manifest.counts.groups, 0, 0]);
      }),
      { numRuns: 100 },
    );
  });

  it('writes byte-identical colors.csv and excluded.csv for any input order', async () => {
    await fc.assert(
      fc.asyncProperty(
        rowsArb.chain((rows) => fc.tuple(fc.constant(rows), fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length }))),
        fc.boolean(),
        async ([rows, shuffled], dedupe) => {
          const a = await run(rows, { dedupe });
          const b = await run(shuffled, { dedupe });
          for (const name of ['colors.csv', 'excluded.csv']) expect(b.sink.text(name)).toBe(a.sink.text(name));
          expect(b.manifest.counts).toEqual(a.manifest.counts);
        },
      ),
      { numRuns: 100 },
    );
  });
});
