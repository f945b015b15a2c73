/**
 * What a run says about the columns it reads: a CSV header that lacks a column the ranking order
 * or a rule reads stops the run before anything is published; other absent columns, unknown JSON
 * Lines keys and JSON Lines columns no line has are named in warnings. And a JSON Lines feed whose
 * exporter leaves out null keys keeps every row's values.
 */
import { describe, expect, it } from 'vitest';
import { SourceError } from '../../../lambdas/errors.js';
import { COLUMNS } from '../../../lambdas/pipeline/columns.js';
import { parseConfig } from '../../../lambdas/pipeline/config.js';
import type { ColorSource } from '../../../lambdas/pipeline/ports.js';
import { readJsonlRecords } from '../../../lambdas/pipeline/readers/jsonl-reader.js';
import { runColors } from '../../../lambdas/pipeline/run.js';
import { MemorySink, MemorySource, recordOf } from '../../helpers/memory-ports.js';

const NO_PRICE = { name: 'no-price', when: { column: 'PX', op: 'isEmpty' } };

async function run(source: ColorSource, document: Record<string, unknown> = { rules: [NO_PRICE] }) {
  const sink = new MemorySink();
  const warnings: string[] = [];
  const config = parseConfig(JSON.stringify({ window: { timeZone: 'UTC' }, ...document }), 'desk.json');
  const result = await runColors({ source, sink, config, asOf: '2026-11-20', runId: 'R', onWarning: (warning) => warnings.push(warning) });
  return { ...result, sink, warnings };
}

function jsonlSource(lines: readonly string[]): ColorSource {
  return {
    description: 'file:feed.jsonl',
    open: () =>
      readJsonlRecords(
        (async function* () {
          yield new TextEncoder().encode(`${lines.join('\n')}\n`);
        })(),
        'feed.jsonl',
      ),
  };
}

describe('a CSV header against what the config reads', () => {
  it('stops the run, publishing nothing, when a column the ranking order or a rule reads is absent', async () => {
    const source = new MemorySource(['MESSAGE_ID', 'CUSIP', 'DATE', 'RNK'], [['1', 'A', '2026-11-20', '1']]);
    const failure = run(source);
    await expect(failure).rejects.toThrow(SourceError);
    await expect(failure).rejects.toThrow(
      'memory:test: the header lacks columns the config reads: PX (read by the ranking order, rule "no-price"), ' +
        'RANK (read by the ranking order; the header has "RNK"). Add them to the input or change the config; nothing was published',
    );
  });

  it('names a rule that reads an absent column, active rules only', async () => {
    const header = ['MESSAGE_ID', 'CUSIP', 'DATE', 'RANK', 'PX'];
    const rules = [
      { name: 'weak', when: { column: 'CONFIDENCE', op: 'lt', value: 3 } },
      { name: 'parked', active: false, when: { column: 'SOURCE', op: 'equals', value: 'X' } },
    ];
    await expect(run(new MemorySource(header, [['1', 'A', '2026-11-20', '1', '99']]), { rules })).rejects.toThrow(
      'the header lacks a column the config reads: CONFIDENCE (read by rule "weak")',
    );
    const { warnings, manifest } = await run(new MemorySource(header, [['1', 'A', '2026-11-20', '1', '99']]), { rules: [rules[1]] });
    expect(manifest.counts.ranked).toBe(1);
    expect(warnings).toEqual([
      `memory:test: the header lacks ${COLUMNS.filter((c) => !header.includes(c)).join(', ')}; they are null in every row`,
    ]);
  });

  it('warns, naming them, about absent columns nothing reads', async () => {
    const header = ['MESSAGE_ID', 'CUSIP', 'DATE'];
    const { warnings, manifest } = await run(new MemorySource(header, [['1', 'A', '2026-11-20']]), {
      rules: [],
      ranking: { order: [{ column: 'DATE', direction: 'desc' }] },
    });
    expect(manifest.counts.ranked).toBe(1);
    expect(warnings).toEqual([
      'memory:test: the header lacks TICKER, SECTOR, PRICE_LEVEL, BID, ASK, PX, COV_PRICE, PERCENT_DIFF, PRICE_DIFF, SOURCE, BIAS, RANK, CONFIDENCE, DATE_1, DIFF_STATUS; they are null in every row',
    ]);
  });

  it('says nothing when the header has every column', async () => {
    const { warnings } = await run(new MemorySource([...COLUMNS], [recordOf({ MESSAGE_ID: '1', CUSIP: 'A', DATE: '2026-11-20' })]));
    expect(warnings).toEqual([]);
  });
});

describe('a JSON Lines feed', () => {
  it('keeps every row and every value when the exporter leaves out null keys (the first row lacks TICKER)', async () => {
    const lines = [
      '{"MESSAGE_ID": "1000000000000000001", "CUSIP": "AAA", "DATE": "2026-11-20T10:00:00", "PX": 200, "RANK": 1, "SOURCE": "JPM"}',
      '{"MESSAGE_ID": "1000000000000000002", "TICKER": "ACME 5 01/30", "CUSIP": "AAA", "DATE": "2026-11-20T09:00:00", "PX": 99.5, "RANK": 2}',
      '{"MESSAGE_ID": "1000000000000000003", "TICKER": "BETA 4 02/31", "CUSIP": "BBB", "DATE": "2026-11-20T09:30:00", "RANK": 1, "BIAS": "BID"}',
      '{"MESSAGE_ID": "1000000000000000004", "CUSIP": "BBB", "DATE": "2026-11-20T09:45:00", "PX": "abc", "SOURCE": "MS"}',
      '{"MESSAGE_ID": "1000000000000000005", "CUSIP": "CCC", "DATE": "2026-11-20", "PX": 101.25, "RANK": 3, "PRICE_NOTE": "x"}',
      '["not", "an", "object"]',
    ];
    const { manifest, sink, warnings } = await run(jsonlSource(lines));
    expect(manifest.counts).toMatchObject({ read: 6, ranked: 3, excluded: 1, rejected: 2 });
    const colors = sink.text('colors.csv');
    expect(colors).toContain('1000000000000000001,,,AAA,2026-11-20T10:00:00,,,,200,');
    expect(colors).toContain('1000000000000000002,ACME 5 01/30,,AAA,2026-11-20T09:00:00,,,,99.5,');
    expect(colors).toContain('1000000000000000005,,,CCC,2026-11-20,,,,101.25,');
    expect(sink.text('excluded.csv')).toContain('1000000000000000003,BETA 4 02/31,,BBB,2026-11-20T09:30:00,');
    const rejected = sink.text('rejected.csv').trimEnd().split('\n');
    // The bad PX row keeps its columns and its line; the non-object line its text.
    expect(rejected[1]).toBe(
      `1000000000000000004,,,BBB,2026-11-20T09:45:00,,,,abc,,,,MS,,,,,,4,PX: not a number,"${lines[3]!.replaceAll('"', '""')}"`,
    );
    expect(rejected[2]).toBe(
      `,,,,,,,,,,,,,,,,,,6,"not a JSON object: the line does not start with ""{""","${lines[5]!.replaceAll('"', '""')}"`,
    );
    expect(warnings).toEqual(['file:feed.jsonl: ignoring keys that are not color columns: PRICE_NOTE']);
  });

  it('warns when no line has a key the config reads (a JSON Lines column may be null throughout)', async () => {
    const { warnings, manifest } = await run(jsonlSource(['{"MESSAGE_ID": 1, "CUSIP": "A", "DATE": "2026-11-20", "RNK": 1, "PX": 1}']));
    expect(manifest.counts.ranked).toBe(1);
    expect(warnings).toEqual([
      'file:feed.jsonl: ignoring keys that are not color columns: RNK',
      'file:feed.jsonl: no line has a key the config reads: RANK (read by the ranking order); null in every row',
    ]);
  });
});
