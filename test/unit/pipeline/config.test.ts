import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lambdas/errors.js';
import { DEFAULT_TIME_ZONE, parseConfig } from '../../../lambdas/pipeline/config.js';
import { DEFAULT_RANKING_ORDER } from '../../../lambdas/pipeline/ranking/order.js';

function issuesOf(document: unknown, source = 'config.json') {
  try {
    parseConfig(typeof document === 'string' ? document : JSON.stringify(document), source);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  throw new Error('expected the document to be invalid');
}

describe('parseConfig', () => {
  it('fills every default around a minimal document', () => {
    const { config, sha256 } = parseConfig('{"rules":[]}', 'c.json');
    expect(config).toEqual({
      version: null,
      rules: [],
      ranking: { order: DEFAULT_RANKING_ORDER },
      window: { lookbackDays: 1, timeZone: DEFAULT_TIME_ZONE },
      columns: expect.objectContaining({ MESSAGE_ID: 'MESSAGE_ID', DATE: 'DATE' }),
      outputs: { jsonl: false, report: true, parquet: false, xlsx: false },
      publish: { maxRejectedRatio: 0.5 },
      dedupe: false,
    });
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads every key of a full document, YAML too', () => {
    const yaml = `version: "2026-11-23.1"
rules: []
ranking:
  order:
    - { column: DATE_1, direction: desc }
window: { lookbackDays: 3, timeZone: Europe/London }
columns: { DATE: COLOR_DATE }
outputs: { jsonl: true, report: false, parquet: true, xlsx: true }
publish: { maxRejectedRatio: 0.2 }
dedupe: true
`;
    const { config } = parseConfig(yaml, 'desk.yaml');
    expect(config.version).toBe('2026-11-23.1');
    expect(config.ranking.order).toEqual([{ column: 'DATE_1', direction: 'desc' }]);
    expect(config.window).toEqual({ lookbackDays: 3, timeZone: 'Europe/London' });
    expect(config.columns.DATE).toBe('COLOR_DATE');
    expect(config.columns.PX).toBe('PX');
    expect(config.outputs).toEqual({ jsonl: true, report: false, parquet: true, xlsx: true });
    expect(config.publish.maxRejectedRatio).toBe(0.2);
    expect(config.dedupe).toBe(true);
  });

  it('hashes the exact bytes of the document', () => {
    expect(parseConfig('{"rules":[]}', 'a').sha256).not.toBe(parseConfig('{ "rules": [] }', 'a').sha256);
  });

  it('reports unparseable text', () => {
    expect(issuesOf('{"rules": [')[0]).toMatch(/^: not valid JSON/);
    expect(() => parseConfig('{', 'bad.json')).toThrow(/^invalid config bad.json: not valid JSON/);
  });

  it('names every problem with its path', () => {
    const issues = issuesOf({
      rules: [],
      colour: true,
      ranking: {
        order: [
          { column: 'PRICE', direction: 'asc' },
          { column: 'RANK', direction: 'up' },
        ],
      },
      window: { lookbackDays: 0, timeZone: 'Mars/Olympus' },
      columns: { DATE: 'COLOR DATE', NOPE: 'X' },
      outputs: { jsonl: 'yes' },
      dedupe: 'no',
    });
    const joined = issues.join('\n');
    expect(issues).toContain('colour: unknown key');
    expect(joined).toMatch(/ranking\.order\[0\]\.column: unknown column "PRICE"/);
    expect(joined).toMatch(/ranking\.order\[1\]\.direction: direction must be "asc" or "desc"/);
    expect(issues).toContain('window.lookbackDays: must be a whole number of days from 1 to 366');
    expect(joined).toMatch(/window\.timeZone: unknown time zone "Mars\/Olympus"/);
    expect(joined).toMatch(/columns\.DATE: not a valid Oracle identifier/);
    expect(issues).toContain('columns.NOPE: unknown key');
    expect(joined).toMatch(/outputs\.jsonl: /);
    expect(joined).toMatch(/dedupe: /);
  });

  it('takes publish.maxRejectedRatio from 0 to 1 only', () => {
    const ratio = 'must be a number from 0 to 1 (the share of rows read that may be rejected)';
    for (const value of [1.5, -0.1, '0.5', null])
      expect(issuesOf({ rules: [], publish: { maxRejectedRatio: value } })).toEqual([`publish.maxRejectedRatio: ${ratio}`]);
    expect(issuesOf({ rules: [], publish: { maxRejected: 0.5 } })).toEqual(['publish.maxRejected: unknown key']);
    for (const value of [0, 1])
      expect(
        parseConfig(JSON.stringify({ rules: [], publish: { maxRejectedRatio: value } }), 'c.json').config.publish.maxRejectedRatio,
      ).toBe(value);
  });

  it('requires rules, refuses an empty or repeated ranking order, and a physical column read twice', () => {
    expect(issuesOf({})).toEqual(['rules: rules is required (use [] for no rules)']);
    expect(issuesOf({ rules: [], ranking: { order: [] } })).toEqual(['ranking.order: ranking.order needs at least one column']);
    expect(
      issuesOf({
        rules: [],
        ranking: {
          order: [
            { column: 'PX', direction: 'asc' },
            { column: 'PX', direction: 'desc' },
          ],
        },
      }),
    ).toEqual(['ranking.order: a column appears more than once in the ranking order']);
    expect(issuesOf({ rules: [], columns: { DATE: 'PX' } })).toEqual(['columns.PX: maps to PX, which DATE already reads']);
  });
});
