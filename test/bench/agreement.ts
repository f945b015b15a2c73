/**
 * Does another engine's ranked CSV agree with the product's? Both files are read as CSV (quoting
 * may differ; values may not), grouped by the normalized CUSIP, and compared group by group: the
 * same parent, and the same rows in the same order. A row is identified by its fingerprint, the
 * exact text of its 18 fields (MESSAGE_ID first), so two rows of one message are told apart and
 * exact repeats are interchangeable, as they are in the output.
 */
import { createReadStream } from 'node:fs';
import { COLUMN_INDEX } from '../../lambdas/pipeline/columns.js';
import { readCsvRecords } from '../../lambdas/pipeline/readers/csv-reader.js';

const FIELDS = 18;
const CUSIP = 3;

export interface RankedAgreement {
  groups: number;
  rows: { product: number; other: number };
  onlyInProduct: number;
  onlyInOther: number;
  /** Groups in both whose first row differs. */
  differentParent: number;
  /** Groups in both with the same parent whose rows or order differ. */
  differentOrder: number;
  /** Rows whose PARENT_MESSAGE_ID / GROUP_POSITION / CHILDREN_COUNT columns disagree with the order. */
  wrongAddedColumns: number;
  /** Rows of the other output set aside before comparing: rows the product rejected (see {@link rejectedKeys}). */
  setAside: number;
  examples: string[];
}

interface Group {
  key: string;
  rows: string[][];
}

function fingerprint(values: readonly (string | null)[]): string {
  return values
    .slice(0, FIELDS)
    .map((value) => value ?? '')
    .join('\u0000');
}

/** Consecutive rows with one CUSIP key, in file order. */
async function* groups(path: string): AsyncGenerator<Group> {
  const { records } = await readCsvRecords(createReadStream(path, { highWaterMark: 1 << 20 }), path);
  let current: Group | undefined;
  for await (const record of records) {
    const values = record.values.map((value) => value ?? '');
    const key = values[CUSIP]!.trim().toUpperCase();
    if (current !== undefined && current.key === key) {
      current.rows.push(values);
      continue;
    }
    if (current !== undefined) yield current;
    current = { key, rows: [values] };
  }
  if (current !== undefined) yield current;
}

/** The added columns must describe the rows' order: positions 1.., the parent's id, its children. */
function addedColumnsWrong(group: Group): number {
  const parentId = group.rows[0]![0]!;
  let wrong = 0;
  group.rows.forEach((row, index) => {
    const [position, isParent, parent, children] = row.slice(FIELDS);
    const first = index === 0;
    const expected = [String(index + 1), String(first), first ? '' : parentId, String(first ? group.rows.length - 1 : 0)];
    if (position !== expected[0] || isParent !== expected[1] || parent !== expected[2] || children !== expected[3]) wrong++;
  });
  return wrong;
}

/**
 * A looser query keeps some rows the product rejects (a PX of `N/A` read as null, say). `compareRanked`
 * can set those rows aside: each is known by its raw fields, trimmed (blank text is null), but the dates (which an output rewrites),
 * the first 18 columns of the product's rejected.csv.
 */
export async function rejectedKeys(rejectedCsvPath: string): Promise<Set<string>> {
  const { records } = await readCsvRecords(createReadStream(rejectedCsvPath), rejectedCsvPath);
  const keys = new Set<string>();
  for await (const record of records) keys.add(rawKey(record.values));
  return keys;
}

const DATE_COLUMNS = new Set<number>([COLUMN_INDEX.DATE, COLUMN_INDEX.DATE_1]);

function rawKey(values: readonly (string | null)[]): string {
  return values
    .slice(0, FIELDS)
    .map((value, index) => (DATE_COLUMNS.has(index) ? '' : (value ?? '').trim()))
    .join('\u0000');
}

export async function compareRanked(productPath: string, otherPath: string, setAside?: ReadonlySet<string>): Promise<RankedAgreement> {
  const result: RankedAgreement = {
    groups: 0,
    rows: { product: 0, other: 0 },
    onlyInProduct: 0,
    onlyInOther: 0,
    differentParent: 0,
    differentOrder: 0,
    wrongAddedColumns: 0,
    setAside: 0,
    examples: [],
  };
  const example = (text: string) => {
    if (result.examples.length < 5) result.examples.push(text);
  };
  const a = groups(productPath);
  const b = groups(otherPath);
  let x = await a.next();
  let y = await b.next();
  while (!x.done || !y.done) {
    // Merge on the key, so a group missing on one side does not throw the rest out of step.
    const order = x.done ? 1 : y.done ? -1 : x.value.key < y.value.key ? -1 : x.value.key > y.value.key ? 1 : 0;
    if (order < 0 && !x.done) {
      result.onlyInProduct++;
      result.rows.product += x.value.rows.length;
      example(`group ${x.value.key} only in the product's output`);
      x = await a.next();
      continue;
    }
    if (order > 0 && !y.done && setAside !== undefined && y.value.rows.every((row) => setAside.has(rawKey(row)))) {
      result.setAside += y.value.rows.length;
      y = await b.next();
      continue;
    }
    if (order > 0 && !y.done) {
      result.onlyInOther++;
      result.rows.other += y.value.rows.length;
      example(`group ${y.value.key} only in the other output`);
      y = await b.next();
      continue;
    }
    const p = x.value as Group;
    let q = y.value as Group;
    const kept = setAside === undefined ? q.rows : q.rows.filter((row) => !setAside.has(rawKey(row)));
    result.groups++;
    result.rows.product += p.rows.length;
    result.wrongAddedColumns += addedColumnsWrong(p) + (kept.length === q.rows.length ? addedColumnsWrong(q) : 0);
    result.setAside += q.rows.length - kept.length;
    q = { key: q.key, rows: kept };
    result.rows.other += q.rows.length;
    const pf = p.rows.map(fingerprint);
    const qf = q.rows.map(fingerprint);
    if (pf[0] !== qf[0]) {
      result.differentParent++;
      example(`group ${p.key}: parent ${p.rows[0]![0]} (product) vs ${q.rows[0]![0]} (other)`);
    } else if (pf.length !== qf.length || pf.some((print, index) => print !== qf[index])) {
      result.differentOrder++;
      const at = pf.findIndex((print, index) => print !== qf[index]);
      example(`group ${p.key}: rows differ from position ${at + 1} (${pf.length} vs ${qf.length} rows)`);
    }
    x = await a.next();
    y = await b.next();
  }
  return result;
}

export function agrees(result: RankedAgreement): boolean {
  return (
    result.onlyInProduct === 0 &&
    result.onlyInOther === 0 &&
    result.differentParent === 0 &&
    result.differentOrder === 0 &&
    result.wrongAddedColumns === 0 &&
    result.rows.product === result.rows.other
  );
}

/** Row-by-row comparison of two CSVs of the same columns (quoting aside); the first differences. */
export async function compareRows(
  productPath: string,
  otherPath: string,
): Promise<{ rows: number; different: number; examples: string[] }> {
  const open = async (path: string) =>
    (await readCsvRecords(createReadStream(path, { highWaterMark: 1 << 20 }), path)).records[Symbol.asyncIterator]();
  const a = await open(productPath);
  const b = await open(otherPath);
  const result = { rows: 0, different: 0, examples: [] as string[] };
  for (;;) {
    const [x, y] = await Promise.all([a.next(), b.next()]);
    if (x.done && y.done) return result;
    result.rows++;
    const p = x.done ? '(none)' : x.value.values.map((value) => value ?? '').join(',');
    const q = y.done ? '(none)' : y.value.values.map((value) => value ?? '').join(',');
    if (p !== q) {
      result.different++;
      if (result.examples.length < 3) result.examples.push(`row ${result.rows}: ${p} | ${q}`);
    }
  }
}
