/** The summary's per-rule line: overlap said when counts add up to more than the rows excluded; many rules summarised. */
import { describe, expect, it } from 'vitest';
import { excludedByRuleLine, LISTED_RULES } from '../../../bin/cli/rule-counts.js';

describe('excludedByRuleLine', () => {
  it('lists every rule in document order when they fit, with no word about overlaps when there is none', () => {
    expect(excludedByRuleLine({ 'drop-covers': 103, 'no-price': 46 }, 149)).toBe('excluded by rule: drop-covers 103, no-price 46');
    expect(excludedByRuleLine({ 'drop-covers': 0 }, 0)).toBe('excluded by rule: drop-covers 0');
  });

  it('says a row can match several rules when the counts add up to more than the rows excluded', () => {
    expect(excludedByRuleLine({ 'drop-weak-bwic-covers': 103, 'drop-unpriced-colors': 54 }, 149)).toBe(
      'excluded by rule (a row can match several): drop-weak-bwic-covers 103, drop-unpriced-colors 54',
    );
  });

  it('keeps a long list to the busiest rules (ties in document order) and counts the rest', () => {
    const counts = Object.fromEntries(Array.from({ length: 1_000 }, (_, index) => [`rule-${index}`, index === 500 ? 7_000 : index % 3]));
    const line = excludedByRuleLine(counts, 8_000)!;
    expect(line).toBe(
      'excluded by rule: rule-500 7,000, rule-2 2, rule-5 2, rule-8 2, rule-11 2, rule-14 2, rule-17 2, rule-20 2 ' +
        `and ${(1_000 - LISTED_RULES).toLocaleString('en-US')} more rule(s) (every count is in manifest.json)`,
    );
  });

  it('has nothing to say without rules', () => {
    expect(excludedByRuleLine({}, 0)).toBeUndefined();
  });
});
