import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig, type RunConfig } from '../../../lambdas/pipeline/config.js';
import { diffConfigs, renderConfigDiff } from '../../../lambdas/pipeline/config-diff.js';

const SAMPLE = readFileSync('samples/config.json', 'utf8');

function config(document: unknown): RunConfig {
  return parseConfig(JSON.stringify(document), 'test.json').config;
}

/** The sample document with `edit` applied to a fresh copy of it. */
function edited(edit: (document: Record<string, any>) => void): RunConfig {
  const document = JSON.parse(SAMPLE) as Record<string, any>;
  edit(document);
  return config(document);
}

const sample = parseConfig(SAMPLE, 'samples/config.json').config;

describe('diffConfigs', () => {
  it('finds nothing between a document and itself, even written differently', () => {
    const respelled = edited((d) => {
      delete d.rules[1].active; // true by default
      d.window = { timeZone: 'America/New_York' }; // lookbackDays 1 by default
    });
    expect(diffConfigs(sample, respelled)).toEqual([]);
    expect(renderConfigDiff([])).toEqual(['no differences: both documents configure the same run']);
  });

  it('names rules added and removed, with their conditions', () => {
    const after = edited((d) => {
      d.rules.splice(1, 1);
      d.rules.push({ name: 'drop-stale-talk', when: { column: 'DATE', op: 'lt', value: '2026-11-01' } });
    });
    expect(diffConfigs(sample, after)).toEqual([
      { kind: 'removed', subject: 'rule "drop-unpriced-colors"', details: ['was: when PX isEmpty'] },
      { kind: 'added', subject: 'rule "drop-stale-talk"', details: ['when DATE lt "2026-11-01"'] },
    ]);
  });

  it('pins a changed operator or value to its place in the condition', () => {
    const after = edited((d) => {
      d.rules[0].when.all[1].any[0] = { column: 'CONFIDENCE', op: 'lte', value: 4 };
      d.rules[0].when.all[1].any[1].value = ['JEFF', 'SEAPORT', 'MIZUHO'];
    });
    expect(diffConfigs(sample, after)).toEqual([
      {
        kind: 'changed',
        subject: 'rule "drop-weak-bwic-covers"',
        details: [
          'condition.all[1].any[0]: CONFIDENCE lt 4 → CONFIDENCE lte 4',
          'condition.all[1].any[1]: SOURCE in ["JEFF", "SEAPORT"] → SOURCE in ["JEFF", "SEAPORT", "MIZUHO"]',
        ],
      },
    ]);
  });

  it('shows a reshaped condition whole, before and after', () => {
    const after = edited((d) => {
      d.rules[1].when = {
        any: [
          { column: 'PX', op: 'isEmpty' },
          { column: 'PX', op: 'lt', value: 0.01 },
        ],
      };
    });
    expect(diffConfigs(sample, after)[0]!.details).toEqual(['condition: PX isEmpty → (PX isEmpty or PX lt 0.01)']);
  });

  it('reports activity, renames by case, and a new rule order', () => {
    const after = edited((d) => {
      d.rules[2].active = true;
      d.rules[1].name = 'DROP-UNPRICED-COLORS';
      d.rules.reverse();
    });
    expect(diffConfigs(sample, after)).toEqual([
      { kind: 'changed', subject: 'rule "drop-indicative-talk"', details: ['activated (active: true)'] },
      { kind: 'changed', subject: 'rule "DROP-UNPRICED-COLORS"', details: ['renamed: "drop-unpriced-colors" → "DROP-UNPRICED-COLORS"'] },
      {
        kind: 'changed',
        subject: 'rule order',
        details: [
          'drop-weak-bwic-covers, drop-unpriced-colors, drop-indicative-talk → drop-indicative-talk, DROP-UNPRICED-COLORS, drop-weak-bwic-covers',
        ],
      },
    ]);
  });

  it('keeps the digits of a decimal value, so a change past double precision shows', () => {
    const before = edited((d) => (d.rules[1].when = { column: 'PX', op: 'gt', value: 100 }));
    const afterText = SAMPLE.replace(
      '{ "column": "PX", "op": "isEmpty" }',
      '{ "column": "PX", "op": "gt", "value": 100.0000000000000001 }',
    );
    const after = parseConfig(afterText, 'after.json').config;
    expect(diffConfigs(before, after)[0]!.details).toEqual(['condition: PX gt 100 → PX gt 100.0000000000000001']);
  });

  it('compares every other setting', () => {
    const after = edited((d) => {
      d.version = '2026-11-24.1';
      d.ranking.order = [
        { column: 'RANK', direction: 'asc' },
        { column: 'DATE_1', direction: 'desc' },
      ];
      d.window = { lookbackDays: 3, timeZone: 'Europe/London' };
      d.columns = { DATE: 'COLOR_DATE' };
      d.outputs.jsonl = true;
      d.publish = { maxRejectedRatio: 0.2 };
      d.dedupe = true;
    });
    const lines = renderConfigDiff(diffConfigs(sample, after));
    expect(lines).toEqual([
      '~ version',
      '    2026-11-20.1 → 2026-11-24.1',
      '~ ranking.order',
      '    RANK asc, DATE desc, PX desc → RANK asc, DATE_1 desc',
      '~ window.lookbackDays',
      '    1 → 3',
      '~ window.timeZone',
      '    America/New_York → Europe/London',
      '~ columns.DATE',
      '    DATE → COLOR_DATE',
      '~ outputs.jsonl',
      '    false → true',
      '~ publish.maxRejectedRatio',
      '    0.5 → 0.2',
      '~ dedupe',
      '    false → true',
    ]);
  });
});
