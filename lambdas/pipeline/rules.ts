/**
 * The exclusion-rules engine (docs/rules.md): validated rules are compiled once into a tree of
 * closures, so matching a row (a million per run) never re-reads the rules document. The language
 * is in rules-language.ts, its validation in rules-schema.ts, the predicate of one condition in
 * rule-predicates.ts; this module is the one to import.
 */
import { compileLeaf, type Predicate } from './rule-predicates.js';
import type { Condition, Rule } from './rules-language.js';
import type { ColorRow } from './schema.js';
import type { ZoneClock } from './time-zone.js';

export {
  type Condition,
  conditionColumns,
  DUPLICATE_RULE,
  dateRange,
  type InstantRange,
  type LeafCondition,
  OPERATORS,
  OPERATORS_BY_TYPE,
  type Operator,
  RESERVED_RULE_NAMES,
  type Rule,
  type RuleValue,
} from './rules-language.js';
export { MAX_RULE_DEPTH, validateRules } from './rules-schema.js';

export interface CompiledRules {
  /** Names of the active rules in document order. */
  readonly activeRuleNames: readonly string[];
  /** Names of every active rule the row matches, in document order; an empty array when none. */
  match(row: ColorRow): readonly string[];
}

const NO_MATCH: readonly string[] = Object.freeze([]);

/**
 * Compiles validated rules (see validateRules) against the config's time zone. Inactive rules are
 * left out. Throws a TypeError on a rule that validation would have refused.
 */
export function compileRules(rules: readonly Rule[], clock: ZoneClock): CompiledRules {
  const active = rules.filter((rule) => rule.active);
  const names = Object.freeze(active.map((rule) => rule.name));
  const predicates = active.map((rule) => compileCondition(rule.when, clock));
  return {
    activeRuleNames: names,
    match(row: ColorRow): readonly string[] {
      let matched: string[] | undefined;
      for (let index = 0; index < predicates.length; index++) {
        if (predicates[index]!(row)) {
          matched ??= [];
          matched.push(names[index]!);
        }
      }
      return matched ?? NO_MATCH;
    },
  };
}

function compileCondition(condition: Condition, clock: ZoneClock): Predicate {
  if ('all' in condition) {
    const parts = condition.all.map((child) => compileCondition(child, clock));
    if (parts.length === 1) return parts[0]!;
    return (row) => {
      for (const part of parts) if (!part(row)) return false;
      return true;
    };
  }
  if ('any' in condition) {
    const parts = condition.any.map((child) => compileCondition(child, clock));
    if (parts.length === 1) return parts[0]!;
    return (row) => {
      for (const part of parts) if (part(row)) return true;
      return false;
    };
  }
  if ('not' in condition) {
    const inner = compileCondition(condition.not, clock);
    return (row) => !inner(row);
  }
  return compileLeaf(condition, clock);
}
