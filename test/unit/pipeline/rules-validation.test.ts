import { describe, expect, it } from 'vitest';
import type { ConfigIssue } from '../../../lambdas/errors.js';
import { parseJsonDocument } from '../../../lambdas/pipeline/json-document.js';
import { MAX_RULE_DEPTH, validateRules } from '../../../lambdas/pipeline/rules.js';
import { ZoneClock } from '../../../lambdas/pipeline/time-zone.js';

const clock = new ZoneClock('America/New_York');

function issues(rules: unknown): ConfigIssue[] {
  return validateRules(rules, 'rules', clock).issues;
}

/** Issues of a document with one rule whose `when` is the given node. */
function whenIssues(when: unknown): ConfigIssue[] {
  return issues([{ name: 'r', when }]);
}

/** Asserts exactly one issue, at `path`, whose message contains every fragment. */
function expectOne(found: ConfigIssue[], path: string, ...fragments: string[]): void {
  expect(found, JSON.stringify(found)).toHaveLength(1);
  expect(found[0]!.path).toBe(path);
  for (const fragment of fragments) expect(found[0]!.message).toContain(fragment);
}

const leaf = (column: unknown, op: unknown, value?: unknown): Record<string, unknown> =>
  value === undefined ? { column, op } : { column, op, value };

describe('validateRules: the document', () => {
  it('accepts a valid document, defaulting active to true and trimming names', () => {
    const result = validateRules(
      [
        { name: ' drop-bwic-covers ', when: leaf('BIAS', 'equals', 'BWIC COVER') },
        { name: 'parked', active: false, when: { not: leaf('RANK', 'isEmpty') } },
      ],
      'rules',
      clock,
    );
    expect(result.issues).toEqual([]);
    expect(result.rules).toEqual([
      { name: 'drop-bwic-covers', active: true, when: { column: 'BIAS', op: 'equals', value: 'BWIC COVER' } },
      { name: 'parked', active: false, when: { not: { column: 'RANK', op: 'isEmpty' } } },
    ]);
  });

  it('rejects rules that are not a list', () => {
    expectOne(issues({ name: 'r' }), 'rules', 'list (a JSON array)', 'got an object', 'use [] for no rules');
    expectOne(issues(undefined), 'rules', 'got nothing');
  });

  it('rejects a rule that is not an object', () => {
    expectOne(
      issues(['drop-all']),
      'rules[0]',
      'each rule must be an object with "name", "when" and optionally "active"',
      'got the text "drop-all"',
    );
    expectOne(issues([null]), 'rules[0]', 'got null');
  });

  it('rejects unknown keys on a rule, one issue per key', () => {
    const found = issues([{ name: 'r', enabled: false, note: 'x', when: leaf('RANK', 'isEmpty') }]);
    expect(found).toEqual([
      { path: 'rules[0].enabled', message: 'unknown key "enabled" (a rule has "name", "when" and optionally "active")' },
      { path: 'rules[0].note', message: expect.stringContaining('unknown key "note"') },
    ]);
  });

  it('rejects a missing, empty or non-text name', () => {
    expectOne(issues([{ when: leaf('RANK', 'isEmpty') }]), 'rules[0].name', 'every rule needs a "name"');
    expectOne(issues([{ name: '   ', when: leaf('RANK', 'isEmpty') }]), 'rules[0].name', 'cannot be empty');
    expectOne(issues([{ name: 7, when: leaf('RANK', 'isEmpty') }]), 'rules[0].name', 'a rule name is text, got the number 7');
  });

  it('rejects names that would break EXCLUDED_BY', () => {
    expectOne(issues([{ name: 'a;b', when: leaf('RANK', 'isEmpty') }]), 'rules[0].name', 'cannot contain ";"');
    expectOne(issues([{ name: 'a\nb', when: leaf('RANK', 'isEmpty') }]), 'rules[0].name', 'line breaks');
  });

  it('rejects a non-boolean active', () => {
    expectOne(
      issues([{ name: 'r', active: 'no', when: leaf('RANK', 'isEmpty') }]),
      'rules[0].active',
      'true or false',
      'got the text "no"',
    );
  });

  it('rejects a duplicate rule name, ignoring case and surrounding spaces, naming the first', () => {
    const when = leaf('RANK', 'isEmpty');
    const found = issues([
      { name: 'a', when },
      { name: 'stale', when },
      { name: ' Stale', when },
      { name: 'STALE', when },
    ]);
    expect(found).toEqual([
      { path: 'rules[2].name', message: expect.stringContaining('duplicate rule name "Stale": rules[1] has it too') },
      { path: 'rules[3].name', message: expect.stringContaining('duplicate rule name "STALE": rules[1] has it too') },
    ]);
  });

  it('reserves the name "duplicate" for dedupe', () => {
    for (const name of ['duplicate', 'Duplicate ']) {
      expectOne(issues([{ name, when: leaf('RANK', 'isEmpty') }]), 'rules[0].name', 'is reserved', 'dedupe', 'exact repeat rows');
    }
  });

  it('rejects a rule without a when', () => {
    expectOne(issues([{ name: 'r' }]), 'rules[0].when', 'needs a "when" condition');
  });

  it('collects every problem in the document, not just the first', () => {
    const found = issues([
      { name: 'ok', when: leaf('RANK', 'lt', 3) },
      { name: 'ok', when: leaf('RANK', 'contains', 'x') },
      { name: '', when: { all: [] } },
      { name: 'r3', extra: 1, when: { all: [leaf('FOO', 'equals', 1), leaf('PX', 'lt', '3'), { any: [leaf('DATE', 'equals', 'soon')] }] } },
    ]);
    expect(found.map((issue) => issue.path)).toEqual([
      'rules[1].name',
      'rules[1].when.op',
      'rules[2].name',
      'rules[2].when.all',
      'rules[3].extra',
      'rules[3].when.all[0].column',
      'rules[3].when.all[1].value',
      'rules[3].when.all[2].any[0].value',
    ]);
    // ConfigError joins issues with "; " on one line, so an issue's own message never uses it.
    for (const issue of found) expect(issue.message).not.toContain('; ');
    expect(validateRules([{ name: 'ok', when: leaf('RANK', 'lt', 3) }, 'x'], 'rules', clock).rules).toHaveLength(1);
  });

  it('prefixes paths with the given path', () => {
    expectOne(validateRules([{ name: 'r', when: leaf('RANK', 'nope', 1) }], 'config.rules', clock).issues, 'config.rules[0].when.op');
  });
});

describe('validateRules: conditions and groups', () => {
  it('rejects an unknown column, listing the valid ones', () => {
    expectOne(
      whenIssues(leaf('COLOR', 'equals', 'x')),
      'rules[0].when.column',
      'unknown column "COLOR"',
      'columns are MESSAGE_ID, TICKER',
      'DIFF_STATUS',
    );
    expectOne(whenIssues(leaf('bias', 'equals', 'x')), 'rules[0].when.column', 'unknown column "bias"', 'did you mean "BIAS"?');
    expectOne(whenIssues({ op: 'isEmpty' }), 'rules[0].when.column', 'needs a "column"');
    expectOne(whenIssues(leaf(3, 'isEmpty')), 'rules[0].when.column', 'got the number 3');
  });

  it('rejects an unknown operator, listing the valid ones', () => {
    expectOne(whenIssues(leaf('BIAS', 'like', 'x')), 'rules[0].when.op', 'unknown operator "like"', 'operators are equals, notEquals, in');
    expectOne(whenIssues(leaf('RANK', '<=', 3)), 'rules[0].when.op', 'did you mean "lte"?');
    expectOne(whenIssues(leaf('RANK', 'Equals', 3)), 'rules[0].when.op', 'did you mean "equals"?');
    expectOne(whenIssues({ column: 'RANK', value: 3 }), 'rules[0].when.op', 'needs an "op"');
  });

  it('rejects an operator not valid for the column type', () => {
    expectOne(
      issues([
        { name: 'a', when: leaf('RANK', 'lt', 1) },
        { name: 'b', when: leaf('RANK', 'lt', 1) },
        { name: 'c', when: { all: [leaf('BIAS', 'isEmpty'), leaf('RANK', 'contains', '1')] } },
      ]),
      'rules[2].when.all[1].op',
      '"contains" is not valid for number column RANK',
      'number columns take equals',
    );
    expectOne(whenIssues(leaf('BIAS', 'lt', 'B')), 'rules[0].when.op', '"lt" is not valid for text column BIAS');
    expectOne(whenIssues(leaf('DATE', 'startsWith', '2026')), 'rules[0].when.op', '"startsWith" is not valid for date column DATE');
    expectOne(whenIssues(leaf('MESSAGE_ID', 'contains', '12')), 'rules[0].when.op', '"contains" is not valid for id column MESSAGE_ID');
  });

  it('rejects text where a number is expected, and other wrong value types', () => {
    expectOne(
      whenIssues(leaf('CONFIDENCE', 'lt', '3')),
      'rules[0].when.value',
      'expected a number for number column CONFIDENCE',
      'got the text "3"',
      '(write 3 without quotes)',
    );
    expectOne(whenIssues(leaf('PX', 'gt', 'high')), 'rules[0].when.value', 'got the text "high"');
    expectOne(whenIssues(leaf('PX', 'gt', true)), 'rules[0].when.value', 'expected a number', 'got true');
    expectOne(whenIssues(leaf('RANK', 'equals', 1.5)), 'rules[0].when.value', 'RANK holds whole numbers, and 1.5 is not one');
    expectOne(
      whenIssues(leaf('BIAS', 'equals', 3)),
      'rules[0].when.value',
      'expected text in quotes for text column BIAS',
      'got the number 3',
    );
    expectOne(whenIssues(leaf('BIAS', 'equals', '  ')), 'rules[0].when.value', 'empty text matches nothing', 'use "isEmpty"');
    expectOne(whenIssues(leaf('DATE', 'gte', 20261120)), 'rules[0].when.value', 'expected a date in quotes for date column DATE');
  });

  it('requires a value, and none on isEmpty / isNotEmpty', () => {
    expectOne(whenIssues(leaf('BIAS', 'equals')), 'rules[0].when.value', '"equals" needs a "value"');
    expectOne(whenIssues(leaf('BIAS', 'isEmpty', 'x')), 'rules[0].when.value', '"isEmpty" takes no value');
    expectOne(whenIssues({ column: 'BIAS', op: 'isNotEmpty', value: null }), 'rules[0].when.value', '"isNotEmpty" takes no value');
  });

  it('checks list values of in / notIn', () => {
    expectOne(whenIssues(leaf('SOURCE', 'in', 'ABC')), 'rules[0].when.value', '"in" takes a list', 'got the text "ABC"');
    expectOne(whenIssues(leaf('SOURCE', 'notIn', [])), 'rules[0].when.value', 'at least one value');
    expect(whenIssues(leaf('RANK', 'in', [1, '2', 3, 'x']))).toEqual([
      { path: 'rules[0].when.value[1]', message: expect.stringContaining('got the text "2"') },
      { path: 'rules[0].when.value[3]', message: expect.stringContaining('got the text "x"') },
    ]);
    expectOne(whenIssues(leaf('SOURCE', 'equals', ['ABC', 'XYZ'])), 'rules[0].when.value', 'takes a single value, not a list', 'use "in"');
  });

  it('checks between: two values, each valid, low not above high', () => {
    expectOne(whenIssues(leaf('PX', 'between', [1])), 'rules[0].when.value', 'list of two values [low, high]', 'got a list of 1');
    expectOne(whenIssues(leaf('PX', 'between', [1, 2, 3])), 'rules[0].when.value', 'got a list of 3');
    expectOne(whenIssues(leaf('PX', 'between', 5)), 'rules[0].when.value', 'got the number 5');
    expectOne(whenIssues(leaf('PX', 'between', [1, '2'])), 'rules[0].when.value[1]', 'got the text "2"');
    expectOne(whenIssues(leaf('PX', 'between', [101, 99])), 'rules[0].when.value', 'runs from low to high', '101 comes after 99');
    expectOne(whenIssues(leaf('MESSAGE_ID', 'between', ['1000', '999'])), 'rules[0].when.value', '"1000" comes after "999"');
    expectOne(
      whenIssues(leaf('DATE', 'between', ['2026-03-09', '2026-03-08'])),
      'rules[0].when.value',
      '"2026-03-09" comes after "2026-03-08"',
    );
    expect(whenIssues(leaf('DATE', 'between', ['2026-03-08T10:00', '2026-03-08']))).toEqual([]); // a time within the last day
    expect(whenIssues(leaf('DATE', 'between', ['2026-03-08T10:00', '2026-03-08T10:00']))).toEqual([]);
  });

  it('keeps a number as written in the document, and refuses one out of range or not whole', () => {
    const fromJson = (when: string) => {
      const { value, numberTexts } = parseJsonDocument(`{"rules": [{"name": "r", "when": ${when}}]}`, 100);
      return validateRules((value as { rules: unknown }).rules, 'rules', clock, numberTexts);
    };
    expect(fromJson('{"column": "PX", "op": "gt", "value": 100.0000000000000001}').rules[0]!.when).toEqual({
      column: 'PX',
      op: 'gt',
      value: '100.0000000000000001',
    });
    expectOne(
      fromJson('{"column": "PX", "op": "gt", "value": 1e-400}').issues,
      'rules[0].when.value',
      '1e-400 is out of range for a number',
    );
    expectOne(fromJson('{"column": "PX", "op": "in", "value": [1, 1e-310]}').issues, 'rules[0].when.value[1]', '1e-310 is out of range');
    expectOne(
      fromJson('{"column": "RANK", "op": "gt", "value": 2.0000000000000001}').issues,
      'rules[0].when.value',
      'RANK holds whole numbers, and 2.0000000000000001 is not one',
    );
    expect(fromJson('{"column": "RANK", "op": "gt", "value": 2.0}').issues).toEqual([]);
    expectOne(
      fromJson('{"column": "PX", "op": "between", "value": [100.0000000000000001, 100]}').issues,
      'rules[0].when.value',
      '100.0000000000000001 comes after 100',
    );
    // A number given as a JS value (not from a document) is its shortest form.
    expect(validateRules([{ name: 'r', when: leaf('PX', 'lt', 0.1) }], 'rules', clock).rules[0]!.when).toEqual({
      column: 'PX',
      op: 'lt',
      value: '0.1',
    });
  });

  it('rejects a date-time the daylight-saving change skips in the config zone', () => {
    expectOne(
      whenIssues(leaf('DATE', 'gte', '2026-03-08T02:30')),
      'rules[0].when.value',
      '"2026-03-08T02:30" is not a local time in the config\'s time zone (skipped by a daylight-saving change)',
    );
  });

  it('rejects dates that do not parse, with the reason', () => {
    expectOne(whenIssues(leaf('DATE', 'equals', '20/11/2026')), 'rules[0].when.value', '"20/11/2026" is not a date', 'YYYY-MM-DD');
    expectOne(whenIssues(leaf('DATE_1', 'lt', '2026-02-30')), 'rules[0].when.value', '"2026-02-30" is not a calendar date');
    expectOne(whenIssues(leaf('DATE', 'in', ['2026-11-20', '2026-11-20T25:00'])), 'rules[0].when.value[1]', 'not a valid time of day');
  });

  it('checks MESSAGE_ID values: digit strings of up to 19 digits, or safe JSON integers', () => {
    expect(whenIssues(leaf('MESSAGE_ID', 'in', ['9999999999999999999', '0000000000000000001', 42]))).toEqual([]);
    expectOne(
      whenIssues(leaf('MESSAGE_ID', 'equals', '12345678901234567890')),
      'rules[0].when.value',
      'expected a digit string of up to 19 digits for MESSAGE_ID',
      'got the text "12345678901234567890"',
    );
    expectOne(whenIssues(leaf('MESSAGE_ID', 'equals', '12a')), 'rules[0].when.value', 'digit string');
    expectOne(whenIssues(leaf('MESSAGE_ID', 'equals', -1)), 'rules[0].when.value', 'digit string', 'got the number -1');
    expectOne(whenIssues(leaf('MESSAGE_ID', 'equals', 1.5)), 'rules[0].when.value', 'digit string');
    expectOne(whenIssues(leaf('MESSAGE_ID', 'gt', 12345678901234567000)), 'rules[0].when.value', 'too large for a JSON number', 'as text');
  });

  it('rejects empty all / any groups', () => {
    expectOne(whenIssues({ all: [] }), 'rules[0].when.all', 'an empty "all" group');
    expectOne(whenIssues({ all: [{ any: [] }] }), 'rules[0].when.all[0].any', 'an empty "any" group');
    expectOne(whenIssues({ any: leaf('RANK', 'isEmpty') }), 'rules[0].when.any', '"any" takes a list of conditions', 'got an object');
  });

  it('rejects a not given a list', () => {
    expectOne(whenIssues({ not: [leaf('RANK', 'isEmpty')] }), 'rules[0].when.not', '"not" takes one condition or group, not a list');
    expectOne(whenIssues({ not: { all: [leaf('RANK', 'lt', 'x')] } }), 'rules[0].when.not.all[0].value', 'expected a number');
  });

  it('rejects a node that is none of condition / all / any / not', () => {
    expectOne(whenIssues({}), 'rules[0].when', 'empty node', 'a condition {"column", "op", "value"} or a group');
    expectOne(whenIssues({ ALL: [] }), 'rules[0].when.ALL', 'unknown key "ALL"');
    expectOne(whenIssues('BIAS = X'), 'rules[0].when', 'expected a condition', 'got the text "BIAS = X"');
    expectOne(whenIssues([leaf('RANK', 'isEmpty')]), 'rules[0].when', 'got a list');
    expectOne(whenIssues({ all: [null] }), 'rules[0].when.all[0]', 'got null');
  });

  it('rejects a node that is several of them at once', () => {
    expectOne(
      whenIssues({ all: [leaf('RANK', 'isEmpty')], any: [leaf('PX', 'isEmpty')] }),
      'rules[0].when',
      'mixes "all" and "any"',
      'exactly one',
    );
    expectOne(
      whenIssues({ ...leaf('RANK', 'isEmpty'), not: leaf('PX', 'isEmpty') }),
      'rules[0].when',
      'mixes a condition (column/op/value) and "not"',
    );
  });

  it('rejects unknown keys on a condition or group', () => {
    expect(whenIssues({ column: 'RANK', op: 'in', values: [1] })).toEqual([
      { path: 'rules[0].when.values', message: 'unknown key "values" (did you mean "value"?): a condition has "column", "op" and "value"' },
      { path: 'rules[0].when.value', message: '"in" needs a "value", such as [1, 3]' },
    ]);
    expectOne(whenIssues({ any: [leaf('RANK', 'isEmpty')], comment: 'x' }), 'rules[0].when.comment', 'a group has the one key "any"');
  });

  it('limits nesting depth', () => {
    let node: unknown = leaf('RANK', 'isEmpty');
    for (let depth = 0; depth < MAX_RULE_DEPTH - 1; depth++) node = { not: node };
    expect(whenIssues(node)).toEqual([]);
    const found = whenIssues({ all: [node] });
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toContain(`more than ${MAX_RULE_DEPTH} levels`);
  });
});
