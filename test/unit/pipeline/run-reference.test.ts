/**
 * The whole run against a plain rendering of the same result: rows validated one by one, grouped
 * and sorted with the reference comparator (test/helpers/ranking-reference.ts), written with csvLine / JSON.stringify. The run keeps rows as
 * encoded lines with precomputed keys and writes bytes; this checks that nothing of that shows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COLUMNS } from '../../../lambdas/pipeline/columns.js';
import { parseConfig } from '../../../lambdas/pipeline/config.js';
import { csvLine } from '../../../lambdas/pipeline/csv-writer.js';
import type { RankingKey } from '../../../lambdas/pipeline/ranking/order.js';
import { compileRules } from '../../../lambdas/pipeline/rules.js';
import { runColors } from '../../../lambdas/pipeline/run.js';
import { type ColorRow, isRejected, RowValidator, resolveHeader } from '../../../lambdas/pipeline/schema.js';
import { ZoneClock } from '../../../lambdas/pipeline/time-zone.js';
import { MemorySink, MemorySource, recordOf } from '../../helpers/memory-ports.js';
import { referenceGroups } from '../../helpers/ranking-reference.js';

const RULES = [
  { name: 'no-price', when: { column: 'PX', op: 'isEmpty' } },
  {
    name: 'odd-desk',
    when: {
      any: [
        { column: 'SOURCE', op: 'in', value: ['JPM', 'é'] },
        { column: 'TICKER', op: 'contains', value: 'x' },
      ],
    },
  },
];
const ORDERS: readonly (readonly RankingKey[])[] = [
  [
    { column: 'RANK', direction: 'asc' },
    { column: 'DATE', direction: 'desc' },
    { column: 'PX', direction: 'desc' },
  ],
  [
    { column: 'SOURCE', direction: 'desc' },
    { column: 'DATE_1', direction: 'asc' },
  ],
];

const text = fc.constantFrom('', ' ', 'A', 'a ', 'x,y', '"q"', '😀', '\uFF01', 'é', 'SMBC', 'JPM');
const rowArb = fc.record({
  MESSAGE_ID: fc.constantFrom('1', '01', '9223372036854775807', '12', 'x'),
  TICKER: text,
  CUSIP: fc.constantFrom('abc', ' ABC', 'zz', '😀', ''),
  DATE: fc.constantFrom('2026-11-20', '2026-11-20T09:00:00', '2026-11-19 17:00:00', 'bad'),
  PX: fc.constantFrom('99.5', '99.50', '', '1e2', '-0', '99.50000000000000001', '99.499999999999999999'),
  RANK: fc.constantFrom('1', '2', ''),
  SOURCE: text,
  BIAS: text,
  DATE_1: fc.constantFrom('', '2026-11-18'),
});

/** The plain rendering of colors.csv, colors.jsonl and excluded.csv. */
function expected(records: (string | null)[][], orderIndex: number) {
  const clock = new ZoneClock('UTC');
  const validator = new RowValidator(resolveHeader([...COLUMNS], 'test'), clock);
  const rules = compileRules(parseConfig(JSON.stringify({ rules: RULES }), 'x').config.rules, clock);
  const kept: ColorRow[] = [];
  const excluded = new Map<ColorRow, string>();
  records.forEach((values, index) => {
    const row = validator.validate({ sourceRow: index + 1, values });
    if (isRejected(row)) return;
    const matched = rules.match(row);
    if (matched.length > 0) excluded.set(row, matched.join(';'));
    else kept.push(row);
  });
  const groups = (rows: ColorRow[]) => referenceGroups(rows, ORDERS[orderIndex]!);
  let colors = csvLine([...COLUMNS, 'GROUP_POSITION', 'IS_PARENT', 'PARENT_MESSAGE_ID', 'CHILDREN_COUNT']);
  let jsonl = '';
  for (const group of groups(kept)) {
    const parent = group[0]!.text[0]!;
    group.forEach((row, i) => {
      const added = [String(i + 1), String(i === 0), i === 0 ? null : parent, String(i === 0 ? group.length - 1 : 0)];
      colors += csvLine([...row.text, ...added]);
      const record: Record<string, unknown> = Object.fromEntries(COLUMNS.map((column, c) => [column, row.text[c] ?? null]));
      Object.assign(record, {
        GROUP_POSITION: i + 1,
        IS_PARENT: i === 0,
        PARENT_MESSAGE_ID: i === 0 ? null : parent,
        CHILDREN_COUNT: i === 0 ? group.length - 1 : 0,
      });
      jsonl += `${JSON.stringify(record)}\n`;
    });
  }
  let excludedCsv = csvLine([...COLUMNS, 'EXCLUDED_BY']);
  for (const group of groups([...excluded.keys()])) for (const row of group) excludedCsv += csvLine([...row.text, excluded.get(row)!]);
  return { colors, jsonl, excluded: excludedCsv };
}

describe('runColors against a plain rendering', () => {
  it('writes the same colors.csv, colors.jsonl and excluded.csv, byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          rowArb.map((fields) => recordOf(fields)),
          { maxLength: 60 },
        ),
        fc.nat(ORDERS.length - 1),
        async (records, orderIndex) => {
          const sink = new MemorySink();
          const config = parseConfig(
            JSON.stringify({ rules: RULES, ranking: { order: ORDERS[orderIndex] }, window: { timeZone: 'UTC' }, outputs: { jsonl: true } }),
            'test-config.json',
          );
          await runColors({ source: new MemorySource([...COLUMNS], records), sink, config, asOf: '2026-11-20', runId: 'R' });
          const want = expected(records, orderIndex);
          expect(sink.text('colors.csv')).toBe(want.colors);
          expect(sink.text('colors.jsonl')).toBe(want.jsonl);
          expect(sink.text('excluded.csv')).toBe(want.excluded);
        },
      ),
      { numRuns: 150 },
    );
  });
});
