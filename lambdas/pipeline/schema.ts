/**
 * From source records to typed color rows (README, "What a run reads"; docs/configuration.md,
 * "Values and their limits"): header resolution, then per-row validation. A row that breaks a
 * rule becomes a {@link RejectedRow} with every problem named; nothing is dropped.
 */
import { SourceError } from '../errors.js';
import { COLUMN_INDEX, COLUMN_TYPES, COLUMNS, type ColumnType, REQUIRED_COLUMNS } from './columns.js';
import { parseDate } from './date-values.js';
import type { RawRecord } from './ports.js';
import { detached, normalizeText } from './text.js';
import { TextIds } from './text-ids.js';
import type { ZoneClock } from './time-zone.js';
import { type IntegerRange, isBlankText, isProblem, type ParseResult, parseDecimal, parseId, parseInteger } from './values.js';

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
  /** The record as the input holds it, where the source keeps it (see RawRecord.raw); else null. */
  readonly rawRecord: string | null;
}

export interface HeaderMapping {
  /** For each logical column, its position in the source header, or -1 when absent. */
  readonly positions: readonly number[];
  /** Source columns that are not logical columns; ignored with a warning. */
  readonly extraColumns: readonly string[];
}

/** Header names match case-insensitively with surrounding spaces ignored (a UTF-8 BOM too). */
export function normalizeHeaderName(name: string): string {
  return normalizeText(name.replace(/^\uFEFF/, ''));
}

export function resolveHeader(header: readonly string[], source: string): HeaderMapping {
  const positions = COLUMNS.map(() => -1);
  const extraColumns: string[] = [];
  const seen = new Map<string, number>();
  header.forEach((name, position) => {
    const key = normalizeHeaderName(name);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      const positions = `positions ${earlier + 1} and ${position + 1}`;
      throw new SourceError(`${source}: column "${name.trim()}" appears twice in the header (${positions})`);
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

const CONFIDENCE_RANGE: IntegerRange = { min: 0, max: 10, problem: 'not between 0 and 10' };
/** 1 is the best rank: a 0 or a negative rank would outrank every real one, so it is refused. */
const RANK_RANGE: IntegerRange = { min: 1, max: Number.MAX_SAFE_INTEGER, problem: 'not a rank (a whole number from 1, the best)' };

/**
 * Dates repeat: a dealer message stamps one DATE on all its rows, and a day-only DATE_1 takes a
 * handful of values. Remembering each date column's recent parses means a repeated value is parsed
 * once. The memory is bounded: a column's cache starts over when it reaches this many values.
 * Other columns are not cached: text needs no parsing, and numbers and ids parse faster than a
 * lookup in a large Map costs.
 */
const PARSE_CACHE_LIMIT = 65_536;

const REQUIRED: readonly boolean[] = COLUMNS.map((column) => REQUIRED_COLUMNS.includes(column));
const TYPES: readonly ColumnType[] = COLUMNS.map((column) => COLUMN_TYPES[column]);
const CUSIP = COLUMN_INDEX.CUSIP;
const CONFIDENCE = COLUMN_INDEX.CONFIDENCE;
const RANK = COLUMN_INDEX.RANK;

/**
 * Where a row's arrays start, one value per column: array literals give packed arrays (holey ones
 * read slower).
 */
export function nullTexts(): (string | null)[] {
  return [null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null];
}

function nanValues(): number[] {
  return [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN];
}

if (nullTexts().length !== COLUMNS.length || nanValues().length !== COLUMNS.length) {
  throw new Error('row templates out of step with COLUMNS');
}

export class RowValidator {
  /** Per date column: each recent distinct text and its parse. */
  private readonly dateCaches: readonly (DateCache | undefined)[];
  private readonly positions: readonly number[];
  /** With `reuseRows`, the arrays every row it returns shares. */
  private readonly texts: (string | null)[] | undefined;
  private readonly values: number[] | undefined;

  /**
   * With `reuseRows`, each valid row it returns shares its `text` and `value` arrays with the next:
   * a row is valid until the next call. For a reader that is done with each row before it reads
   * the next (parallel/chunk-rows.ts), two arrays fewer per row: ~0.4 KB less garbage a row.
   */
  constructor(
    readonly mapping: HeaderMapping,
    clock: ZoneClock,
    options: { readonly reuseRows?: boolean } = {},
  ) {
    this.positions = mapping.positions;
    this.dateCaches = COLUMNS.map((column) => (COLUMN_TYPES[column] === 'date' ? new DateCache(clock) : undefined));
    if (options.reuseRows) {
      this.texts = nullTexts();
      this.values = nanValues();
    }
  }

  validate(record: RawRecord): ColorRow | RejectedRow {
    if (record.problem !== undefined) return this.reject(record, [record.problem]);
    const values = record.values;
    const text = this.texts?.fill(null) ?? nullTexts();
    const value = this.values?.fill(Number.NaN) ?? nanValues();
    let reasons: string[] | undefined;
    for (let index = 0; index < COLUMNS.length; index++) {
      const position = this.positions[index]!;
      const field = position < 0 ? null : (values[position] ?? null);
      if (field === null || isBlankText(field)) {
        if (REQUIRED[index]) {
          reasons ??= [];
          reasons.push(`${COLUMNS[index]}: missing (required)`);
        }
        continue;
      }
      const type = TYPES[index]!;
      if (type === 'text') {
        text[index] = field;
        continue;
      }
      const parsed = type === 'date' ? this.dateCaches[index]!.parse(field) : this.parse(index, type, field);
      if (isProblem(parsed)) {
        reasons ??= [];
        reasons.push(`${COLUMNS[index]}: ${parsed.problem}`);
      } else {
        text[index] = parsed.text;
        if (parsed.value !== null) value[index] = parsed.value;
      }
    }
    if (reasons) return this.reject(record, reasons);
    return { sourceRow: record.sourceRow, text, value, cusipKey: normalizeText(text[CUSIP]!) };
  }

  /** Rejected rows keep their raw values, aligned to the logical columns. */
  private reject(record: RawRecord, reasons: readonly string[]): RejectedRow {
    const raw = this.positions.map((position) => {
      const field = position < 0 ? null : (record.values[position] ?? null);
      return field === null ? null : detached(field);
    });
    return { sourceRow: record.sourceRow, raw, reasons, rawRecord: record.raw === undefined ? null : detached(record.raw) };
  }

  private parse(index: number, type: ColumnType, field: string): ParseResult {
    switch (type) {
      case 'id':
        return parseId(field);
      case 'decimal':
        return parseDecimal(field);
      case 'integer':
        return parseInteger(field, index === CONFIDENCE ? CONFIDENCE_RANGE : index === RANK ? RANK_RANGE : undefined);
      default:
        throw new Error(`no parser for ${type} column ${COLUMNS[index]}`);
    }
  }
}

/** Remembered parses of one date column, bounded by {@link PARSE_CACHE_LIMIT}. */
class DateCache {
  private ids = new TextIds();
  private parsed: ParseResult[] = [];
  // The rows of one message follow each other and share their DATE: comparing with the last
  // value is cheaper than looking it up.
  private lastText: string | undefined;
  private lastParsed: ParseResult = { problem: '' };

  constructor(private readonly clock: ZoneClock) {}

  parse(text: string): ParseResult {
    if (text === this.lastText) return this.lastParsed;
    if (this.ids.size >= PARSE_CACHE_LIMIT) {
      this.ids = new TextIds();
      this.parsed = [];
    }
    const id = this.ids.id(text);
    if (id === this.parsed.length) this.parsed.push(parseDate(text, this.clock));
    this.lastText = text;
    this.lastParsed = this.parsed[id]!;
    return this.lastParsed;
  }
}

export function isRejected(row: ColorRow | RejectedRow): row is RejectedRow {
  return (row as RejectedRow).reasons !== undefined;
}
