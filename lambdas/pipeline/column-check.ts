/**
 * Which color columns a run's config reads, and what to say when the input lacks them (README,
 * "What a run reads"). A CSV header that lacks a column the ranking order or an active rule reads
 * stops the run before anything is published: a typo such as `RNK` would otherwise rank every row
 * with a null RANK. Any other absent column is named in a warning. JSON Lines has no header, and
 * an exporter leaves out a key whose value is null, so there a column no line has is a warning.
 */
import { SourceError } from '../errors.js';
import { COLUMN_INDEX, COLUMNS, type ColumnName, REQUIRED_COLUMNS } from './columns.js';
import type { RecordKeys } from './ports.js';
import type { RankingKey } from './ranking/order.js';
import { conditionColumns, type Rule } from './rules.js';
import type { HeaderMapping } from './schema.js';

/** For each column the config reads: who reads it (`the ranking order`, `rule "x"`). */
export type ColumnUses = ReadonlyMap<ColumnName, readonly string[]>;

export function columnUses(order: readonly RankingKey[], rules: readonly Rule[]): ColumnUses {
  const uses = new Map<ColumnName, string[]>();
  const use = (column: ColumnName, by: string): void => {
    const list = uses.get(column) ?? [];
    if (!list.includes(by)) list.push(by);
    uses.set(column, list);
  };
  for (const key of order) use(key.column, 'the ranking order');
  for (const rule of rules) if (rule.active) for (const column of conditionColumns(rule.when)) use(column, `rule "${rule.name}"`);
  return uses;
}

/** Who reads a column, for a message: the ranking order and the rules that name it. */
function readersOf(uses: ColumnUses, column: ColumnName): string {
  return (uses.get(column) ?? []).join(', ');
}

/**
 * Checks a header against what the config reads (required columns are resolveHeader's). Throws a
 * SourceError naming each column the config reads that the header lacks, with who reads it and a
 * header name that looks like a misspelling of it, ending with `consequence`; returns a warning
 * naming the other absent columns, if any.
 */
export function checkHeaderColumns(
  mapping: HeaderMapping,
  uses: ColumnUses,
  source: string,
  consequence = 'nothing was published',
): string | undefined {
  const absent = COLUMNS.filter((column) => mapping.positions[COLUMN_INDEX[column]] === -1);
  const needed = absent.filter((column) => uses.has(column));
  if (needed.length > 0) {
    const described = needed.map((column) => {
      const near = mapping.extraColumns.filter((name) => isNear(name.toUpperCase(), column));
      const hint = near.length > 0 ? `; the header has ${near.map((name) => `"${name}"`).join(', ')}` : '';
      return `${column} (read by ${readersOf(uses, column)}${hint})`;
    });
    throw new SourceError(
      `${source}: the header lacks ${needed.length > 1 ? 'columns' : 'a column'} the config reads: ${described.join(', ')}. ` +
        `Add ${needed.length > 1 ? 'them' : 'it'} to the input or change the config; ${consequence}`,
    );
  }
  const optional = absent.filter((column) => !REQUIRED_COLUMNS.includes(column));
  if (optional.length === 0) return undefined;
  return `${source}: the header lacks ${optional.join(', ')}; ${optional.length > 1 ? 'they are' : 'it is'} null in every row`;
}

/**
 * A header's columns as a run reads them: columns that are no color column (ignored) and absent
 * ones (null) as warnings; a column the config reads that is absent throws (checkHeaderColumns).
 */
export function headerColumnWarnings(mapping: HeaderMapping, uses: ColumnUses, source: string, consequence?: string): string[] {
  const warnings: string[] = [];
  if (mapping.extraColumns.length > 0)
    warnings.push(`${source}: ignoring columns that are not color columns: ${mapping.extraColumns.join(', ')}`);
  const absent = checkHeaderColumns(mapping, uses, source, consequence);
  if (absent !== undefined) warnings.push(absent);
  return warnings;
}

/** Warnings about a JSON Lines source, once read: keys that are no column, and columns the config reads that no line had. */
export function recordKeyWarnings(keys: RecordKeys, uses: ColumnUses, source: string): string[] {
  const warnings: string[] = [];
  if (keys.unknownCount > 0) {
    const more = keys.unknownCount - keys.unknown.length;
    warnings.push(`${source}: ignoring keys that are not color columns: ${keys.unknown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`);
  }
  const unread = COLUMNS.filter((column) => uses.has(column) && !keys.columns.has(column));
  if (unread.length > 0) {
    const described = unread.map((column) => `${column} (read by ${readersOf(uses, column)})`);
    const keys = unread.length > 1 ? 'keys' : 'a key';
    warnings.push(`${source}: no line has ${keys} the config reads: ${described.join(', ')}; null in every row`);
  }
  return warnings;
}

/** Whether `name` is one or two edits from `column` (RNK for RANK, PX_ for PX): a likely typo. */
function isNear(name: string, column: string): boolean {
  if (Math.abs(name.length - column.length) > 2) return false;
  let previous = Array.from({ length: column.length + 1 }, (_, index) => index);
  for (let i = 1; i <= name.length; i++) {
    const current = [i];
    for (let j = 1; j <= column.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (name[i - 1] === column[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[column.length]! <= Math.min(2, column.length - 1);
}
