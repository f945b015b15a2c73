/**
 * What changed between two validated config documents, rule by rule (docs/configuration.md,
 * "Managing the rules"): rules added, removed, switched on or off, their conditions (down to the
 * operator or value that changed), and every other setting — ranking order, window, column map,
 * outputs, publish threshold, dedupe, the version label. Pure: both sides are already parsed, so
 * operator spellings and number texts compare as the run would read them.
 */
import { COLUMN_TYPES, COLUMNS } from './columns.js';
import type { RunConfig } from './config.js';
import type { Condition, LeafCondition, Rule, RuleValue } from './rules-language.js';

export interface ConfigChange {
  readonly kind: 'added' | 'removed' | 'changed';
  /** `rule "drop-weak-covers"`, `ranking.order`, `window.timeZone`… */
  readonly subject: string;
  /** One line per difference, e.g. `condition all[1]: PX lt 95 → PX lte 95`. */
  readonly details: readonly string[];
}

export function diffConfigs(before: RunConfig, after: RunConfig): ConfigChange[] {
  return [...ruleChanges(before.rules, after.rules), ...settingChanges(before, after)];
}

/** The changes as lines a person reads: `+ rule "x"`, `- rule "y"`, `~ ranking.order: …`. */
export function renderConfigDiff(changes: readonly ConfigChange[]): string[] {
  if (changes.length === 0) return ['no differences: both documents configure the same run'];
  const mark = { added: '+', removed: '-', changed: '~' } as const;
  return changes.flatMap((change) => [`${mark[change.kind]} ${change.subject}`, ...change.details.map((line) => `    ${line}`)]);
}

function ruleChanges(before: readonly Rule[], after: readonly Rule[]): ConfigChange[] {
  // Rule names are unique regardless of case (rules-schema.ts), so a name identifies a rule.
  const key = (rule: Rule) => rule.name.toLowerCase();
  const old = new Map(before.map((rule) => [key(rule), rule]));
  const now = new Map(after.map((rule) => [key(rule), rule]));
  const changes: ConfigChange[] = [];
  for (const rule of before) {
    if (!now.has(key(rule))) changes.push({ kind: 'removed', subject: `rule "${rule.name}"`, details: [`was: ${ruleText(rule)}`] });
  }
  for (const rule of after) {
    const previous = old.get(key(rule));
    if (previous === undefined) {
      changes.push({ kind: 'added', subject: `rule "${rule.name}"`, details: [ruleText(rule)] });
      continue;
    }
    const details: string[] = [];
    if (previous.name !== rule.name) details.push(`renamed: "${previous.name}" → "${rule.name}"`);
    if (previous.active !== rule.active)
      details.push(rule.active ? 'activated (active: true)' : 'deactivated (active: false): it excludes nothing now');
    details.push(...conditionChanges(previous.when, rule.when, 'condition'));
    if (details.length > 0) changes.push({ kind: 'changed', subject: `rule "${rule.name}"`, details });
  }
  const order = (rules: readonly Rule[], other: Map<string, Rule>) => rules.filter((rule) => other.has(key(rule))).map((rule) => rule.name);
  const was = order(before, now);
  const is = order(after, old);
  if (was.join('\n') !== is.join('\n')) {
    // Order decides how EXCLUDED_BY lists the rules a row matched.
    changes.push({ kind: 'changed', subject: 'rule order', details: [`${was.join(', ')} → ${is.join(', ')}`] });
  }
  return changes;
}

/**
 * Where two conditions have the same shape (the same groups with the same number of members),
 * each leaf that differs is named by its path; otherwise the whole condition is shown before and after.
 */
function conditionChanges(before: Condition, after: Condition, path: string): string[] {
  if (isLeaf(before) && isLeaf(after)) {
    return leafText(before) === leafText(after) ? [] : [`${path}: ${leafText(before)} → ${leafText(after)}`];
  }
  const group = (condition: Condition) => ('all' in condition ? 'all' : 'any' in condition ? 'any' : 'not' in condition ? 'not' : 'leaf');
  const kind = group(before);
  if (kind === group(after)) {
    if (kind === 'not') return conditionChanges((before as { not: Condition }).not, (after as { not: Condition }).not, `${path}.not`);
    if (kind === 'all' || kind === 'any') {
      const left = (before as Record<'all' | 'any', readonly Condition[]>)[kind];
      const right = (after as Record<'all' | 'any', readonly Condition[]>)[kind];
      if (left.length === right.length)
        return left.flatMap((member, index) => conditionChanges(member, right[index]!, `${path}.${kind}[${index}]`));
    }
  }
  const was = conditionText(before);
  const is = conditionText(after);
  return was === is ? [] : [`${path}: ${was} → ${is}`];
}

function settingChanges(before: RunConfig, after: RunConfig): ConfigChange[] {
  const changes: ConfigChange[] = [];
  const compare = (subject: string, was: string, is: string) => {
    if (was !== is) changes.push({ kind: 'changed', subject, details: [`${was} → ${is}`] });
  };
  compare('version', before.version ?? '(none)', after.version ?? '(none)');
  const order = (config: RunConfig) => config.ranking.order.map((entry) => `${entry.column} ${entry.direction}`).join(', ');
  compare('ranking.order', order(before), order(after));
  compare('window.lookbackDays', String(before.window.lookbackDays), String(after.window.lookbackDays));
  compare('window.timeZone', before.window.timeZone, after.window.timeZone);
  for (const column of COLUMNS) compare(`columns.${column}`, before.columns[column], after.columns[column]);
  compare('outputs.jsonl', String(before.outputs.jsonl), String(after.outputs.jsonl));
  compare('outputs.parquet', String(before.outputs.parquet), String(after.outputs.parquet));
  compare('publish.maxRejectedRatio', String(before.publish.maxRejectedRatio), String(after.publish.maxRejectedRatio));
  compare('dedupe', String(before.dedupe), String(after.dedupe));
  return changes;
}

function isLeaf(condition: Condition): condition is LeafCondition {
  return 'column' in condition;
}

function ruleText(rule: Rule): string {
  return `${rule.active ? '' : '(inactive) '}when ${conditionText(rule.when)}`;
}

export function conditionText(condition: Condition): string {
  if (isLeaf(condition)) return leafText(condition);
  if ('not' in condition) return `not (${conditionText(condition.not)})`;
  const [joiner, members] = 'all' in condition ? [' and ', condition.all] : [' or ', condition.any];
  return `(${members.map(conditionText).join(joiner)})`;
}

function leafText(leaf: LeafCondition): string {
  if (!('value' in leaf)) return `${leaf.column} ${leaf.op}`;
  const value = (item: RuleValue) => valueText(leaf, item);
  const shown = Array.isArray(leaf.value)
    ? `[${(leaf.value as readonly RuleValue[]).map(value).join(', ')}]`
    : value(leaf.value as RuleValue);
  return `${leaf.column} ${leaf.op} ${shown}`;
}

/** Numbers as written in the document; text, ids and dates quoted, so `"10"` and `10` never look alike. */
function valueText(leaf: LeafCondition, value: RuleValue): string {
  const type = COLUMN_TYPES[leaf.column];
  return type === 'decimal' || type === 'integer' ? String(value) : JSON.stringify(String(value));
}
