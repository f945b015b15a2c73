/**
 * The benchmark's baseline: the job written the straightforward way, to show what the product's
 * optimizations buy. A general CSV library parses each row into an object, the rules document is
 * interpreted per row, rows are grouped in a Map and sorted with a comparator that normalizes
 * text and converts ids with BigInt on every comparison, and lines are written as strings.
 * Definitions match duckdb-sql.ts (wall-clock timestamps, the same grammars), so its output can
 * be checked against the product's the same way.
 *
 *   node .bench/runners/baseline-colors.mjs --input colors.csv --config bench-config.json --out ranked.csv
 */

import { once } from 'node:events';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse';

type Row = Record<string, string>;
interface Typed {
  row: Row;
  rank: number | null;
  date: number;
  px: number | null;
  id: bigint;
}
type Condition = { all: Condition[] } | { any: Condition[] } | { not: Condition } | { column: string; op: string; value?: unknown };

const COLUMNS = [
  'MESSAGE_ID',
  'TICKER',
  'SECTOR',
  'CUSIP',
  'DATE',
  'PRICE_LEVEL',
  'BID',
  'ASK',
  'PX',
  'COV_PRICE',
  'PERCENT_DIFF',
  'PRICE_DIFF',
  'SOURCE',
  'BIAS',
  'RANK',
  'CONFIDENCE',
  'DATE_1',
  'DIFF_STATUS',
];
const TEXT = new Set(['TICKER', 'SECTOR', 'CUSIP', 'SOURCE', 'BIAS', 'DIFF_STATUS']);
const DATES = new Set(['DATE', 'DATE_1']);
const DECIMALS = new Set(['PRICE_LEVEL', 'BID', 'ASK', 'PX', 'COV_PRICE', 'PERCENT_DIFF', 'PRICE_DIFF']);
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** A wall-clock time as epoch-like milliseconds, or null when not a valid date. */
function wallTime(text: string): number | null {
  const m = DATE.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map((part) => Number(part ?? 0)) as number[];
  const time = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
  const date = new Date(time);
  if (date.getUTCDate() !== day || hour! > 23 || minute! > 59 || second! > 59) return null;
  return time;
}

function formatDate(text: string, time: number): string {
  const iso = new Date(time).toISOString();
  return text.length === 10 ? iso.slice(0, 10) : iso.slice(0, 19);
}

/** The row as the product writes it (trimmed numbers, ISO dates, text as is), or null if invalid. */
function validate(raw: Row): Typed | null {
  const row: Row = {};
  for (const column of COLUMNS) {
    const text = (raw[column] ?? '').trim();
    if (text === '') {
      if (column === 'MESSAGE_ID' || column === 'CUSIP' || column === 'DATE') return null;
      row[column] = '';
    } else if (TEXT.has(column)) row[column] = raw[column]!;
    else if (DATES.has(column)) {
      const time = wallTime(text);
      if (time === null) return null;
      row[column] = formatDate(text, time);
    } else if (DECIMALS.has(column)) {
      if (!DECIMAL.test(text) || !Number.isFinite(Number(text))) return null;
      row[column] = text;
    } else if (column === 'MESSAGE_ID') {
      if (!/^\d{1,19}$/.test(text)) return null;
      row[column] = text;
    } else {
      if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) return null;
      if (column === 'CONFIDENCE' && (Number(text) < 0 || Number(text) > 10)) return null;
      row[column] = text;
    }
  }
  const number = (text: string) => (text === '' ? null : Number(text));
  return { row, rank: number(row.RANK!), date: wallTime(row.DATE!.replace('T', ' '))!, px: number(row.PX!), id: BigInt(row.MESSAGE_ID!) };
}

/** Interprets a rules condition against one row (the product compiles them once instead). */
function matches(condition: Condition, row: Row): boolean {
  if ('all' in condition) return condition.all.every((child) => matches(child, row));
  if ('any' in condition) return condition.any.some((child) => matches(child, row));
  if ('not' in condition) return !matches(condition.not, row);
  const text = row[condition.column] ?? '';
  if (condition.op === 'isEmpty') return text === '';
  if (text === '') return false;
  if (TEXT.has(condition.column)) {
    const value = text.trim().toUpperCase();
    const wanted = condition.value;
    const one = String(wanted).toUpperCase();
    switch (condition.op) {
      case 'equals':
        return value === one;
      case 'in':
        return (wanted as string[]).map((item) => item.toUpperCase()).includes(value);
      case 'notIn':
        return !(wanted as string[]).map((item) => item.toUpperCase()).includes(value);
      case 'startsWith':
        return value.startsWith(one);
      case 'endsWith':
        return value.endsWith(one);
      case 'contains':
        return value.includes(one);
    }
  }
  const value = DATES.has(condition.column) ? wallTime(text.replace('T', ' '))! : Number(text);
  const bound = (item: unknown) => (typeof item === 'string' ? wallTime(item)! : Number(item));
  switch (condition.op) {
    case 'lt':
      return value < bound(condition.value);
    case 'lte':
      return value <= bound(condition.value);
    case 'between':
      return value >= bound((condition.value as unknown[])[0]) && value <= bound((condition.value as unknown[])[1]);
  }
  throw new Error(`baseline: operator ${condition.op} on ${condition.column} is not supported`);
}

function nullsLast<T>(a: T | null, b: T | null, compare: (x: T, y: T) => number): number {
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  return compare(a, b);
}

const byValue = (x: number | bigint | string, y: number | bigint | string) => (x < y ? -1 : x > y ? 1 : 0);

function compare(a: Typed, b: Typed): number {
  return (
    nullsLast(a.rank, b.rank, byValue) ||
    -byValue(a.date, b.date) ||
    nullsLast(a.px, b.px, (x, y) => -byValue(x, y)) ||
    byValue(a.id, b.id) ||
    COLUMNS.reduce((order, column) => order || nullsLast(a.row[column] || null, b.row[column] || null, byValue), 0)
  );
}

function csvField(value: string): string {
  return /[",\r\n]|^[ \t]|[ \t]$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { input: { type: 'string' }, config: { type: 'string' }, out: { type: 'string' } } });
  const rules = (JSON.parse(readFileSync(values.config!, 'utf8')) as { rules: { active?: boolean; when: Condition }[] }).rules.filter(
    (rule) => rule.active !== false,
  );
  const groups = new Map<string, Typed[]>();
  for await (const raw of createReadStream(values.input!).pipe(parse({ columns: true, relax_column_count: true })) as AsyncIterable<Row>) {
    const typed = validate(raw);
    if (typed === null || rules.some((rule) => matches(rule.when, typed.row))) continue;
    const key = typed.row.CUSIP!.trim().toUpperCase();
    const group = groups.get(key);
    if (group) group.push(typed);
    else groups.set(key, [typed]);
  }
  const out = createWriteStream(values.out!);
  const write = async (line: string) => {
    if (!out.write(line)) await once(out, 'drain');
  };
  await write(`${[...COLUMNS, 'GROUP_POSITION', 'IS_PARENT', 'PARENT_MESSAGE_ID', 'CHILDREN_COUNT'].join(',')}\n`);
  for (const key of [...groups.keys()].sort()) {
    const members = groups.get(key)!.sort(compare);
    const parent = members[0]!.row.MESSAGE_ID!;
    for (const [index, { row }] of members.entries()) {
      const added = index === 0 ? [1, true, '', members.length - 1] : [index + 1, false, parent, 0];
      await write(`${[...COLUMNS.map((column) => csvField(row[column]!)), ...added].join(',')}\n`);
    }
  }
  out.end();
  await once(out, 'finish');
}

main().catch((error: unknown) => {
  console.error(`baseline-colors: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
