/**
 * Validation of a rules document (docs/rules.md, "Errors"). Every problem is collected, not just
 * the first, each located by its JSON path with a message a desk analyst can act on. The language
 * itself is in rules-language.ts, a condition's values are checked in rule-values.ts, compilation
 * and matching are in rules.ts.
 */
import * as z from 'zod';
import type { ConfigIssue } from '../errors.js';
import { COLUMN_TYPES, COLUMNS, type ColumnName, isColumnName } from './columns.js';
import { checkRuleValue, describe, EXAMPLES, inOrder, LIST_EXAMPLES } from './rule-values.js';
import {
  type Condition,
  type LeafCondition,
  OPERATORS,
  OPERATORS_BY_TYPE,
  type Operator,
  RESERVED_RULE_NAMES,
  type Rule,
  type RuleValue,
  TYPE_LABELS,
} from './rules-language.js';
import { normalizeText } from './text.js';
import type { ZoneClock } from './time-zone.js';
import { joinJsonPath } from './validation-issues.js';

/** Conditions nest at most this deep, which keeps validation and matching off the stack limit. */
export const MAX_RULE_DEPTH = 32;

const LEAF_KEYS: readonly string[] = ['column', 'op', 'value'];
const GROUP_KEYS = ['all', 'any', 'not'] as const;
const NODE_SHAPES = 'a condition {"column", "op", "value"} or a group {"all": [...]}, {"any": [...]} or {"not": {...}}';
const RULE_KEYS = '"name", "when" and optionally "active"';

/** Spellings an analyst may reach for, mapped to the operator meant. */
const OPERATOR_ALIASES: Readonly<Record<string, Operator>> = {
  '=': 'equals',
  '==': 'equals',
  eq: 'equals',
  '!=': 'notEquals',
  '<>': 'notEquals',
  ne: 'notEquals',
  '<': 'lt',
  '<=': 'lte',
  '>': 'gt',
  '>=': 'gte',
  isNull: 'isEmpty',
  isNotNull: 'isNotEmpty',
  notBetween: 'between',
};

const ruleName = z
  .string({
    error: (issue) => (issue.input === undefined ? 'every rule needs a "name"' : `a rule name is text, got ${describe(issue.input)}`),
  })
  .trim()
  .min(1, { error: 'a rule name cannot be empty' })
  .refine((name) => !name.includes(';'), { error: 'a rule name cannot contain ";" (EXCLUDED_BY separates rule names with ";")' })
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the check is for control characters.
  .refine((name) => !/[\u0000-\u001f\u007f]/.test(name), { error: 'a rule name cannot contain line breaks or control characters' });

const ruleShape = z.strictObject(
  {
    name: ruleName,
    active: z.boolean({ error: (issue) => `"active" is true or false, got ${describe(issue.input)}` }).optional(),
    when: z.unknown().optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? undefined : `each rule must be an object with ${RULE_KEYS}, got ${describe(issue.input)}`,
  },
);

/**
 * Checks a rules list (the `rules` value of the config document) and returns the rules it holds.
 * Every problem is collected, not just the first; `rules` is complete only when `issues` is empty.
 */
export function validateRules(
  raw: unknown,
  path: string,
  clock: ZoneClock,
  numberTexts: ReadonlyMap<string, string> = new Map(),
): { rules: Rule[]; issues: ConfigIssue[] } {
  if (!Array.isArray(raw)) {
    const message = `the rules must be a list (a JSON array) of rules, got ${describe(raw)} (use [] for no rules)`;
    return { rules: [], issues: [{ path, message }] };
  }
  const checker = new RulesChecker(clock, numberTexts);
  const rules: Rule[] = [];
  raw.forEach((item: unknown, index) => {
    const rule = checker.rule(item, joinJsonPath(path, [index]));
    if (rule !== undefined) rules.push(rule);
  });
  return { rules, issues: checker.issues };
}

class RulesChecker {
  readonly issues: ConfigIssue[] = [];
  /** Lower-cased rule name → the path of the first rule that has it. */
  private readonly names = new Map<string, string>();

  constructor(
    private readonly clock: ZoneClock,
    /** Each number's text as written in the document, by JSON path (see config-document.ts). */
    private readonly numberTexts: ReadonlyMap<string, string>,
  ) {}

  rule(raw: unknown, path: string): Rule | undefined {
    const before = this.issues.length;
    const shape = ruleShape.safeParse(raw);
    if (!shape.success) {
      for (const issue of shape.error.issues) {
        if (issue.code === 'unrecognized_keys') {
          for (const key of issue.keys) this.report(joinJsonPath(path, [key]), `unknown key "${key}" (a rule has ${RULE_KEYS})`);
        } else {
          this.report(joinJsonPath(path, issue.path), issue.message);
        }
      }
    }
    if (!isObject(raw)) return undefined;
    const name = ruleName.safeParse(raw.name);
    if (name.success) this.checkName(name.data, path);
    const whenPath = joinJsonPath(path, ['when']);
    const when = raw.when === undefined ? this.report(whenPath, 'every rule needs a "when" condition') : this.node(raw.when, whenPath, 1);
    if (!shape.success || !name.success || when === undefined || this.issues.length > before) return undefined;
    return { name: name.data, active: shape.data.active ?? true, when };
  }

  private checkName(name: string, rulePath: string): void {
    const path = joinJsonPath(rulePath, ['name']);
    const key = name.toLowerCase();
    if (RESERVED_RULE_NAMES.includes(key)) {
      this.report(path, `"${name}" is reserved for dedupe, which writes EXCLUDED_BY = duplicate on exact repeat rows: choose another name`);
      return;
    }
    const first = this.names.get(key);
    if (first === undefined) this.names.set(key, rulePath);
    else this.report(path, `duplicate rule name "${name}": ${first} has it too (rule names must be unique, ignoring case)`);
  }

  private node(raw: unknown, path: string, depth: number): Condition | undefined {
    if (!isObject(raw)) return this.report(path, `expected ${NODE_SHAPES}, got ${describe(raw)}`);
    if (depth > MAX_RULE_DEPTH) return this.report(path, `conditions nest more than ${MAX_RULE_DEPTH} levels deep: simplify the rule`);
    const keys = Object.keys(raw);
    const kinds: ('condition' | (typeof GROUP_KEYS)[number])[] = keys.some((key) => LEAF_KEYS.includes(key)) ? ['condition'] : [];
    for (const group of GROUP_KEYS) if (Object.hasOwn(raw, group)) kinds.push(group);
    const unknown = keys.filter((key) => !LEAF_KEYS.includes(key) && !(GROUP_KEYS as readonly string[]).includes(key));
    const shape =
      kinds.length !== 1
        ? `expected ${NODE_SHAPES}`
        : kinds[0] === 'condition'
          ? 'a condition has "column", "op" and "value"'
          : `a group has the one key "${kinds[0]}"`;
    for (const key of unknown) {
      const meant = [...LEAF_KEYS, ...GROUP_KEYS].find((known) => known === key.toLowerCase().replace(/s$/, ''));
      this.report(joinJsonPath(path, [key]), `unknown key "${key}"${meant === undefined ? '' : ` (did you mean "${meant}"?)`}: ${shape}`);
    }
    const kind = kinds[0];
    if (kind === undefined) return unknown.length === 0 ? this.report(path, `empty node: expected ${NODE_SHAPES}`) : undefined;
    if (kinds.length > 1) {
      const parts = kinds.map((each) => (each === 'condition' ? 'a condition (column/op/value)' : `"${each}"`));
      const hint = 'to require several, list them in {"all": [...]}';
      return this.report(path, `this node mixes ${parts.join(' and ')}: each node is exactly one condition or one group (${hint})`);
    }
    const node =
      kind === 'condition'
        ? this.leaf(raw, path)
        : kind === 'not'
          ? this.negation(raw.not, joinJsonPath(path, ['not']), depth)
          : this.group(kind, raw[kind], joinJsonPath(path, [kind]), depth);
    return unknown.length > 0 ? undefined : node;
  }

  private group(kind: 'all' | 'any', items: unknown, path: string, depth: number): Condition | undefined {
    if (!Array.isArray(items)) return this.report(path, `"${kind}" takes a list of conditions, got ${describe(items)}`);
    if (items.length === 0) return this.report(path, `an empty "${kind}" group: list at least one condition in it, or remove it`);
    const children = items.map((item: unknown, index) => this.node(item, joinJsonPath(path, [index]), depth + 1));
    if (!children.every(isDefined)) return undefined;
    return kind === 'all' ? { all: children } : { any: children };
  }

  private negation(child: unknown, path: string, depth: number): Condition | undefined {
    if (Array.isArray(child)) {
      return this.report(path, '"not" takes one condition or group, not a list (to negate several, write {"not": {"any": [...]}})');
    }
    const inner = this.node(child, path, depth + 1);
    return inner === undefined ? undefined : { not: inner };
  }

  private leaf(raw: Record<string, unknown>, path: string): LeafCondition | undefined {
    const column = this.column(raw.column, joinJsonPath(path, ['column']));
    const op = this.operator(raw.op, joinJsonPath(path, ['op']));
    if (column === undefined || op === undefined) return undefined;
    const type = COLUMN_TYPES[column];
    const allowed = OPERATORS_BY_TYPE[type];
    if (!allowed.includes(op)) {
      const label = TYPE_LABELS[type];
      const message = `"${op}" is not valid for ${label} column ${column} (${label} columns take ${allowed.join(', ')})`;
      return this.report(joinJsonPath(path, ['op']), message);
    }
    const valuePath = joinJsonPath(path, ['value']);
    const has = Object.hasOwn(raw, 'value');
    if (op === 'isEmpty' || op === 'isNotEmpty') {
      return has ? this.report(valuePath, `"${op}" takes no value: remove "value"`) : { column, op };
    }
    if (!has) {
      const example = op === 'in' || op === 'notIn' || op === 'between' ? LIST_EXAMPLES[type] : EXAMPLES[type];
      return this.report(valuePath, `"${op}" needs a "value", such as ${example}`);
    }
    const value = raw.value;
    if (op === 'in' || op === 'notIn') {
      if (!Array.isArray(value)) return this.report(valuePath, `"${op}" takes a list of values in [brackets], got ${describe(value)}`);
      if (value.length === 0) return this.report(valuePath, `"${op}" needs at least one value in its list`);
      const items = value.map((item: unknown, index) => this.scalar(item, joinJsonPath(valuePath, [index]), column));
      return items.every(isDefined) ? { column, op, value: items } : undefined;
    }
    if (op === 'between') {
      if (!Array.isArray(value) || value.length !== 2) {
        const got = Array.isArray(value) ? `a list of ${value.length}` : describe(value);
        return this.report(valuePath, `"between" takes a list of two values [low, high], got ${got}`);
      }
      const low = this.scalar(value[0], joinJsonPath(valuePath, [0]), column);
      const high = this.scalar(value[1], joinJsonPath(valuePath, [1]), column);
      if (low === undefined || high === undefined) return undefined;
      if (!inOrder(low, high, type, this.clock)) {
        const shown = (value: RuleValue): string => (type === 'decimal' || type === 'integer' ? String(value) : JSON.stringify(value));
        return this.report(valuePath, `"between" runs from low to high, but ${shown(low)} comes after ${shown(high)}: swap them`);
      }
      return { column, op, value: [low, high] };
    }
    if (Array.isArray(value)) {
      const hint = op === 'equals' ? ' (use "in" to match any of several)' : op === 'notEquals' ? ' (use "notIn" to rule out several)' : '';
      return this.report(valuePath, `"${op}" takes a single value, not a list${hint}`);
    }
    const single = this.scalar(value, valuePath, column);
    return single === undefined ? undefined : { column, op, value: single };
  }

  private column(raw: unknown, path: string): ColumnName | undefined {
    if (raw === undefined) return this.report(path, `a condition needs a "column" (one of ${COLUMNS.join(', ')})`);
    if (typeof raw !== 'string') return this.report(path, `a column is named in quotes, got ${describe(raw)}`);
    if (isColumnName(raw)) return raw;
    const upper = normalizeText(raw);
    if (isColumnName(upper)) {
      return this.report(path, `unknown column "${raw}" (did you mean "${upper}"? column names are written in capitals)`);
    }
    return this.report(path, `unknown column "${raw}" (columns are ${COLUMNS.join(', ')})`);
  }

  private operator(raw: unknown, path: string): Operator | undefined {
    if (raw === undefined) return this.report(path, `a condition needs an "op" (one of ${OPERATORS.join(', ')})`);
    if (typeof raw !== 'string') return this.report(path, `an operator is named in quotes, got ${describe(raw)}`);
    if ((OPERATORS as readonly string[]).includes(raw)) return raw as Operator;
    const meant =
      OPERATORS.find((op) => op.toLowerCase() === raw.trim().toLowerCase()) ??
      (Object.hasOwn(OPERATOR_ALIASES, raw) ? OPERATOR_ALIASES[raw] : undefined);
    const hint =
      meant === undefined ? '' : raw === 'notBetween' ? ': write {"not": {... "op": "between" ...}}' : `: did you mean "${meant}"?`;
    return this.report(path, `unknown operator "${raw}"${hint} (operators are ${OPERATORS.join(', ')})`);
  }

  /** One value for the column, as the rule keeps it; undefined (with an issue) when it does not fit. */
  private scalar(raw: unknown, path: string, column: ColumnName): RuleValue | undefined {
    const checked = checkRuleValue(raw, column, this.clock, this.numberTexts.get(path));
    return 'problem' in checked ? this.report(path, checked.problem) : checked.value;
  }

  /** Records a problem; returns undefined so callers can `return this.report(...)`. */
  private report(path: string, message: string): undefined {
    this.issues.push({ path, message });
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}
