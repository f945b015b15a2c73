/**
 * From source records to typed color rows (SPEC §2): header resolution, then per-row validation.
 * A row that breaks a rule becomes a {@link RejectedRow} with every problem named; nothing is dropped.
 */
import { SourceError } from '../errors.js';
import { COLUMNS, COLUMN_INDEX, COLUMN_TYPES, REQUIRED_COLUMNS, type ColumnName, type ColumnType } from './columns.js';
import type { RawRecord } from './ports.js';
import type { ZoneClock } from './time-zone.js';
import { isNullText, isProblem, parseDate, parseDecimal, parseId, parseInteger, type ParseResult } from './values.js';

/** A valid color row. Arrays are indexed like {@link COLUMNS}. */
export interface ColorRow {
  readonly sourceRow: number;
  /** The text written for each column; null for a null value. */
  readonly text: readonly (string | null)[];
  /**
   * The comparable value: numbers, and dates as epoch ms; NaN for null values, text and ids.
   * NaN rather than null keeps each row's values one array of unboxed doubles, which saves a
   * boxed number per field on a million-row run.
   */
  readonly value: readonly number[];
  /** The grouping key: trim(upper(CUSIP)). */
  readonly cusipKey: string;
}

export interface RejectedRow {
  readonly sourceRow: number;
  /** The raw values as read, indexed like {@link COLUMNS}. */
  readonly raw: readonly (string | null)[];
  /** One entry per problem, each `COLUMN: problem` (or a record-level problem). */
  readonly reasons: readonly string[];
}

export interface HeaderMapping {
  /** For each logical column, its position in the source header, or -1 when absent. */
  readonly positions: readonly number[];
  /** Source columns that are not logical columns; ignored with a warning. */
  readonly extraColumns: readonly string[];
}

/** Header names match case-insensitively with surrounding spaces ignored (a UTF-8 BOM too). */
export function normalizeHeaderName(name: string): string {
  return name.replace(/^\uFEFF/, '').trim().toUpperCase();
}

export function resolveHeader(header: readonly string[], source: string): HeaderMapping {
  const positions = COLUMNS.map(() => -1);
  const extraColumns: string[] = [];
  const seen = new Map<string, number>();
  header.forEach((name, position) => {
    const key = normalizeHeaderName(name);
    if (seen.has(key)) {
      throw new SourceError(`${source}: column "${name.trim()}" appears twice in the header (positions ${seen.get(key)! + 1} and ${position + 1})`);
    }
    seen.set(key, position);
    const index = (COLUMN_INDEX as Record<string, number>)[key];
    if (index === undefined) extraColumns.push(name.trim());
    else positions[index] = position;
  });
  const missing = REQUIRED_COLUMNS.filter((column) => positions[COLUMN_INDEX[column]] === -1);
  if (missing.length > 0) {
    throw new SourceError(
      `${source}: the header lacks the required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` +
        ` (found: ${header.map((name) => name.trim()).join(', ') || 'no columns'})`,
    );
  }
  return { positions, extraColumns };
}

const CONFIDENCE_RANGE = { min: 0, max: 10 };

/**
 * Feeds repeat themselves: a dealer message stamps one DATE on all its rows, and tickers, sectors,
 * dealers and prices recur. Remembering each column's recent parses means a repeated value is
 * parsed once and its text stored once, which is most of a million-row run's time and memory.
 * The memory is bounded: a column's cache starts over when it reaches this many distinct values.
 */
const PARSE_CACHE_LIMIT = 65_536;

/** Numbers and ids parse faster than a cache lookup, and mostly differ row to row. */
const CACHED_TYPES: ReadonlySet<ColumnType> = new Set(['date', 'text']);

export class RowValidator {
  private readonly caches = COLUMNS.map((column) => (CACHED_TYPES.has(COLUMN_TYPES[column]) ? new Map<string, ParseResult>() : undefined));

  constructor(
    readonly mapping: HeaderMapping,
    private readonly clock: ZoneClock,
  ) {}

  validate(record: RawRecord): ColorRow | RejectedRow {
    const raw = this.mapping.positions.map((position) => (position < 0 ? null : (record.values[position] ?? null)));
    if (record.problem !== undefined) return { sourceRow: record.sourceRow, raw, reasons: [record.problem] };
    const text: (string | null)[] = new Array(COLUMNS.length).fill(null);
    const value: number[] = new Array(COLUMNS.length).fill(NaN);
    let reasons: string[] | undefined;
    for (let index = 0; index < COLUMNS.length; index++) {
      const column = COLUMNS[index]!;
      const field = raw[index];
      if (isNullText(field)) {
        if (REQUIRED_COLUMNS.includes(column)) (reasons ??= []).push(`${column}: missing (required)`);
        continue;
      }
      const parsed = this.parseCached(index, column, field);
      if (isProblem(parsed)) {
        (reasons ??= []).push(`${column}: ${parsed.problem}`);
      } else {
        text[index] = parsed.text;
        if (parsed.value !== null) value[index] = parsed.value;
      }
    }
    if (reasons) return { sourceRow: record.sourceRow, raw, reasons };
    const cusip = text[COLUMN_INDEX.CUSIP]!;
    return { sourceRow: record.sourceRow, text, value, cusipKey: cusip.trim().toUpperCase() };
  }

  private parseCached(index: number, column: ColumnName, field: string): ParseResult {
    const cache = this.caches[index];
    if (cache === undefined) return this.parse(column, field);
    let parsed = cache.get(field);
    if (parsed === undefined) {
      if (cache.size >= PARSE_CACHE_LIMIT) cache.clear();
      parsed = this.parse(column, field);
      cache.set(field, parsed);
    }
    return parsed;
  }

  private parse(column: ColumnName, field: string): ParseResult {
    switch (COLUMN_TYPES[column]) {
      case 'id':
        return parseId(field);
      case 'text':
        return { text: field, value: null };
      case 'decimal':
        return parseDecimal(field);
      case 'integer':
        return parseInteger(field, column === 'CONFIDENCE' ? CONFIDENCE_RANGE : undefined);
      case 'date':
        return parseDate(field, this.clock);
    }
  }
}

export function isRejected(row: ColorRow | RejectedRow): row is RejectedRow {
  return (row as RejectedRow).reasons !== undefined;
}
