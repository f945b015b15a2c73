/**
 * Synthetic dealer colors (docs/configuration.md, "Values and their limits") for the demo sample,
 * tests and the benchmark: a seeded, streaming generator of CSV lines with the structure a real
 * feed has — dealer *messages* that share one MESSAGE_ID and one timestamp, BID/OFFER pairs, a
 * skewed CUSIP popularity with a long tail, case/space variants of CUSIPs, ids above 2^53, exact
 * repeats (a message delivered twice), forwarded copies under a new id (ties on RANK+DATE+PX), and,
 * on request, invalid rows.
 *
 * Memory does not grow with the row count beyond the CUSIP universe (12 bytes per CUSIP, about
 * rows/20 of them): rows are produced one message at a time. The same options give the same bytes.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { COLUMN_INDEX as C, COLUMNS } from '../lambdas/pipeline/columns.js';
import { SECTORS, Universe } from './bond-universe.js';
import { hash3, Random } from './seeded-random.js';

export interface ColorsOptions {
  /** Data rows to write (the header is extra). */
  readonly rows: number;
  /** Any integer; taken modulo 2^32. Default 20261120. */
  readonly seed?: number;
  /** The run's as-of date, `YYYY-MM-DD`; DATEs fall on it and the day before. Default 2026-11-20. */
  readonly asOf?: string;
  /** Probability that a row carries one defect that gets it rejected. Default 0. */
  readonly invalidRate?: number;
}

export interface ColorsStats {
  rows: number;
  /** Distinct MESSAGE_IDs started (forwarded copies count; redeliveries do not). */
  messages: number;
  /** Messages re-sent later with the same MESSAGE_ID and identical rows. */
  redeliveredMessages: number;
  /** Messages re-sent with a new MESSAGE_ID and otherwise identical rows. */
  forwardedMessages: number;
  /** Rows that exactly repeat an earlier row. */
  duplicateRows: number;
  invalidRows: number;
  invalidByKind: Record<string, number>;
  /** MESSAGE_IDs by digit count. */
  messageIdDigits: Record<string, number>;
  /** Distinct CUSIPs (as normalized) in the output, and how rows spread over them. */
  cusips: number;
  cusipsWithOneRow: number;
  cusipsWith100PlusRows: number;
  maxRowsPerCusip: number;
  /** Rows whose CUSIP is written in lower/mixed case or with surrounding spaces. */
  cusipVariantRows: number;
}

export const DEFAULT_SEED = 20261120;
export const DEFAULT_AS_OF = '2026-11-20';
export const HEADER = `${COLUMNS.join(',')}\n`;

// ---------------------------------------------------------------------------------------------
// Dealers and messages.

const DEALERS: readonly { readonly name: string; readonly rank: number; readonly weight: number }[] = [
  { name: 'JPM', rank: 1, weight: 14 },
  { name: 'GS', rank: 1, weight: 11 },
  { name: 'MS', rank: 1, weight: 11 },
  { name: 'BARC', rank: 2, weight: 10 },
  { name: 'CITI', rank: 2, weight: 10 },
  { name: 'SMBC', rank: 2, weight: 9 },
  { name: 'WFS', rank: 3, weight: 8 },
  { name: 'BNP', rank: 3, weight: 7 },
  { name: 'DB', rank: 3, weight: 7 },
  { name: 'NOMURA', rank: 4, weight: 6 },
  { name: 'MIZUHO', rank: 4, weight: 4 },
  { name: 'JEFF', rank: 5, weight: 2 },
  { name: 'SEAPORT', rank: 6, weight: 1 },
];
const DEALER_WEIGHT = DEALERS.reduce((sum, dealer) => sum + dealer.weight, 0);
const OTHER_BIASES = ['TALK', 'MARKET', 'TWO-WAY'];
const INT64_MAX = '9223372036854775807';

interface Row {
  fields: string[];
  /** Set for a row carrying a defect. */
  invalid?: string;
  cusipIndex: number;
  variant: boolean;
}

function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function serialize(row: Row): string {
  let line = field(row.fields[0]!);
  for (let i = 1; i < row.fields.length; i++) line += `,${field(row.fields[i]!)}`;
  return `${line}\n`;
}

/** Prices print like a database NUMBER: shortest text, no float noise. */
function price(value: number, tick: number): string {
  return String(Math.round(Math.round(value / tick) * tick * 1e6) / 1e6);
}

/** `-6.0929999999999998E-2`: how some extract tools print a double. */
function exponentForm(value: number): string {
  return value.toExponential(16).replace('e+', 'E').replace('e', 'E');
}

const pad = (n: number): string => String(n).padStart(2, '0');

function messageId(rng: Random): string {
  for (;;) {
    const r = rng.float();
    const digits = r < 0.15 ? 17 : r < 0.4 ? 18 : 19; // every one of them is above 2^53
    let id = String(rng.int(1, 9));
    while (id.length < digits) id += String(rng.int(0, 9));
    if (digits < 19 || id <= INT64_MAX) return id;
  }
}

// ---------------------------------------------------------------------------------------------

interface Resolved {
  rows: number;
  seed: number;
  asOf: string;
  dayBefore: string;
  invalidRate: number;
  /** Rows broken so far. */
  broken: number;
}

function resolve(options: ColorsOptions): Resolved {
  const { rows, seed = DEFAULT_SEED, asOf = DEFAULT_AS_OF, invalidRate = 0 } = options;
  if (!Number.isSafeInteger(rows) || rows < 0) throw new RangeError(`rows must be a non-negative integer, got ${rows}`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  if (!(invalidRate >= 0 && invalidRate <= 1)) throw new RangeError(`invalidRate must be within [0, 1], got ${invalidRate}`);
  const day = /^\d{4}-\d{2}-\d{2}$/.test(asOf) ? Date.parse(`${asOf}T00:00:00Z`) : NaN;
  if (Number.isNaN(day) || new Date(day).toISOString().slice(0, 10) !== asOf)
    throw new RangeError(`asOf must be a YYYY-MM-DD date, got ${asOf}`);
  return { rows, seed: seed >>> 0, asOf, dayBefore: new Date(day - 86_400_000).toISOString().slice(0, 10), invalidRate, broken: 0 };
}

function emptyStats(): ColorsStats {
  return {
    rows: 0,
    messages: 0,
    redeliveredMessages: 0,
    forwardedMessages: 0,
    duplicateRows: 0,
    invalidRows: 0,
    invalidByKind: {},
    messageIdDigits: {},
    cusips: 0,
    cusipsWithOneRow: 0,
    cusipsWith100PlusRows: 0,
    maxRowsPerCusip: 0,
    cusipVariantRows: 0,
  };
}

/**
 * The CSV as lines (header first, each ending in `\n`); the generator's return value is the
 * statistics of what it produced.
 */
export function* colorLines(options: ColorsOptions): Generator<string, ColorsStats, undefined> {
  const o = resolve(options);
  const rng = new Random(o.seed);
  const universe = new Universe(Math.max(40, Math.round(o.rows / 20)), hash3(o.seed, 0, 0), rng);
  const perCusip = new Uint32Array(universe.size);
  const stats = emptyStats();
  const pending: { rows: readonly Row[]; wait: number; forwardId?: string }[] = [];

  yield HEADER;

  const emit = function* (rows: readonly Row[], redelivery: boolean): Generator<string, void, undefined> {
    let previous = '';
    for (const row of rows) {
      if (stats.rows >= o.rows) return;
      const line = serialize(row);
      stats.rows++;
      if (redelivery || line === previous) stats.duplicateRows++;
      if (row.invalid !== undefined) {
        stats.invalidRows++;
        stats.invalidByKind[row.invalid] = (stats.invalidByKind[row.invalid] ?? 0) + 1;
      }
      if (row.variant) stats.cusipVariantRows++;
      perCusip[row.cusipIndex]!++;
      previous = line;
      yield line;
    }
  };
  const countMessage = (id: string): void => {
    stats.messages++;
    stats.messageIdDigits[id.length] = (stats.messageIdDigits[id.length] ?? 0) + 1;
  };

  while (stats.rows < o.rows) {
    const { id, rows } = buildMessage(rng, universe, o);
    countMessage(id);
    yield* emit(rows, false);
    // Delivered twice: the same message again, right after it or up to two messages later.
    if (rng.chance(0.03)) pending.push({ rows, wait: rng.int(0, 2) });
    if (rng.chance(0.03)) {
      // Forwarded by a salesperson: a new MESSAGE_ID, the dealer's rows and timestamp unchanged.
      const forwardId = messageId(rng);
      const copies = new Map<Row, Row>();
      for (const row of rows) {
        if (copies.has(row)) continue;
        const fields = row.fields.slice();
        if (row.invalid !== 'MESSAGE_ID') fields[C.MESSAGE_ID] = forwardId;
        copies.set(row, { ...row, fields });
      }
      pending.push({ rows: rows.map((row) => copies.get(row)!), wait: rng.int(0, 3), forwardId });
    }
    for (let i = 0; i < pending.length; ) {
      const entry = pending[i]!;
      if (entry.wait-- > 0) {
        i++;
        continue;
      }
      pending.splice(i, 1);
      if (stats.rows >= o.rows) continue;
      if (entry.forwardId === undefined) {
        stats.redeliveredMessages++;
      } else {
        stats.forwardedMessages++;
        countMessage(entry.forwardId);
      }
      yield* emit(entry.rows, entry.forwardId === undefined);
    }
  }

  for (const count of perCusip) {
    if (count === 0) continue;
    stats.cusips++;
    if (count === 1) stats.cusipsWithOneRow++;
    if (count >= 100) stats.cusipsWith100PlusRows++;
    if (count > stats.maxRowsPerCusip) stats.maxRowsPerCusip = count;
  }
  return stats;
}

function buildMessage(rng: Random, universe: Universe, o: Resolved): { id: string; rows: Row[] } {
  let pickDealer = rng.float() * DEALER_WEIGHT;
  const dealer =
    DEALERS.find((d) => {
      pickDealer -= d.weight;
      return pickDealer < 0;
    }) ?? DEALERS[0]!;
  const id = messageId(rng);
  const day = rng.chance(0.7) ? o.asOf : o.dayBefore;
  const hour = Math.min(18, Math.max(6, Math.round(11 + 2.6 * rng.normal())));
  // A quarter of the runs go out on a 5-minute mark, so timestamps coincide across dealers.
  const round = rng.chance(0.25);
  const minute = round ? 5 * rng.int(0, 11) : rng.int(0, 59);
  const second = round ? 0 : rng.int(0, 59);
  const date = `${day}${rng.chance(0.7) ? ' ' : 'T'}${pad(hour)}:${pad(minute)}:${pad(second)}`;
  const bwic = rng.chance(0.1);
  // The desk's quality rank for this dealer's run; an individual color now and then differs.
  const runRank = Math.min(6, Math.max(1, dealer.rank + (rng.chance(0.2) ? rng.pick([-1, 1]) : 0)));
  const size = 20 + Math.floor(180 * rng.float() ** 2);
  let pickSector = rng.float();
  const sector = Math.max(
    0,
    SECTORS.findIndex((s) => {
      pickSector -= s.share;
      return pickSector < 0;
    }),
  );
  const tick = rng.chance(0.6) ? 0.125 : 0.01;
  const used = new Set<number>();
  const rows: Row[] = [];
  let colors = 0; // distinct rows; a repeated line does not count

  while (colors < size) {
    let index = -1;
    // Mostly the run's sector; when that is exhausted (a small universe), anything not yet quoted.
    for (let attempt = 0; attempt < 24 && index < 0; attempt++) {
      const candidate = universe.sample(rng, attempt < 4 && rng.chance(0.75) ? sector : -1);
      if (!used.has(candidate)) index = candidate;
    }
    if (index < 0) {
      if (colors >= 20) break; // a small universe ran out of fresh CUSIPs: end the message
      index = universe.sample(rng, -1);
    }
    used.add(index);
    const bond = universe.bond(index);
    const mid = bond.price + rng.normal() * 0.35 * (0.5 + bond.spread);
    const bid = mid - bond.spread / 2;
    const ask = mid + bond.spread / 2;
    const biases = bwic ? ['BWIC COVER'] : sides(rng);
    const variant = rng.chance(0.04) ? cusipVariant(rng, bond.cusip) : undefined;
    for (const bias of biases) {
      if (colors >= size) break;
      const f: string[] = new Array<string>(COLUMNS.length).fill('');
      f[C.MESSAGE_ID] = id;
      f[C.TICKER] = ticker(rng, bond.ticker);
      f[C.SECTOR] = rng.chance(0.03) ? '' : bond.sector;
      f[C.CUSIP] = variant ?? bond.cusip;
      f[C.DATE] = date;
      f[C.SOURCE] = rng.chance(0.01) ? '' : dealer.name;
      f[C.BIAS] = rng.chance(0.01) ? '' : bias;
      let px: string;
      if (bias === 'BWIC COVER') {
        // Some lines traded away with no cover given ("DNT"): no price.
        const cover = rng.chance(0.08) ? '' : price(mid + rng.normal() * 0.25, tick);
        f[C.COV_PRICE] = cover;
        f[C.PRICE_LEVEL] = cover;
        px = cover;
      } else {
        f[C.BID] = bias === 'OFFER' && rng.chance(0.3) ? '' : price(bid, tick);
        f[C.ASK] = bias === 'BID' && rng.chance(0.3) ? '' : price(ask, tick);
        f[C.PRICE_LEVEL] = rng.chance(0.05) ? '' : price(mid, 0.01);
        px = bias === 'BID' ? price(bid, tick) : bias === 'OFFER' ? price(ask, tick) : price(mid, tick);
        if (rng.chance(0.02)) px = '';
      }
      f[C.PX] = px;
      const rank = Math.min(6, Math.max(1, runRank + (rng.chance(0.05) ? rng.pick([-1, 1]) : 0)));
      f[C.RANK] = rng.chance(0.03) ? '' : String(rank);
      const confidence = bwic ? rng.int(0, 10) : Math.min(10, Math.max(0, Math.round(8 - dealer.rank + 1.8 * rng.normal())));
      f[C.CONFIDENCE] = rng.chance(0.03) ? '' : String(confidence);
      diffColumns(rng, f, px === '' ? undefined : Number(px), tick);
      f[C.DATE_1] = dateOne(rng, day, hour, minute);
      const row: Row = { fields: f, cusipIndex: index, variant: variant !== undefined };
      if (o.invalidRate > 0 && rng.chance(o.invalidRate)) row.invalid = breakRow(rng, f, o.asOf, o.broken++);
      rows.push(row);
      colors++;
      // The feed sometimes stores a line twice in the same message.
      if (rng.chance(0.01)) rows.push(row);
    }
  }
  return { id, rows };
}

function sides(rng: Random): string[] {
  const r = rng.float();
  if (r < 0.35) return ['BID', 'OFFER'];
  if (r < 0.68) return ['BID'];
  if (r < 0.95) return ['OFFER'];
  return [rng.pick(OTHER_BIASES)];
}

function ticker(rng: Random, base: string): string {
  const r = rng.float();
  if (r < 0.02) return '';
  if (r < 0.025) return '  ';
  if (r < 0.03) return `${base}, 144A`; // needs RFC 4180 quoting
  if (r < 0.032) return `${base} "REGS"`; // quotes inside a field
  return base;
}

function cusipVariant(rng: Random, cusip: string): string {
  switch (rng.int(0, 3)) {
    case 0:
      return cusip.toLowerCase();
    case 1:
      return `  ${cusip.toLowerCase()} `;
    case 2:
      return ` ${cusip}`;
    default:
      return `${cusip.slice(0, 6) + cusip.slice(6).toLowerCase()} `;
  }
}

function diffColumns(rng: Random, f: string[], px: number | undefined, tick: number): void {
  const r = rng.float();
  if (px === undefined || r < 0.15) {
    f[C.DIFF_STATUS] = 'NEW';
    return;
  }
  if (r < 0.35) {
    f[C.DIFF_STATUS] = 'UNCH';
    f[C.PRICE_DIFF] = '0';
    f[C.PERCENT_DIFF] = '0';
    return;
  }
  const change = (rng.chance(0.5) ? -1 : 1) * Math.max(tick, Math.round(Math.abs(rng.normal() * 0.4) / tick) * tick);
  const percent = (change / (px - change)) * 100;
  f[C.DIFF_STATUS] = change > 0 ? 'UP' : 'DOWN';
  f[C.PRICE_DIFF] = rng.chance(0.3) ? exponentForm(change) : String(Math.round(change * 1e6) / 1e6);
  f[C.PERCENT_DIFF] = rng.chance(0.5) ? exponentForm(percent) : String(Math.round(percent * 1e6) / 1e6);
  if (rng.chance(0.02)) f[C.PERCENT_DIFF] = '';
}

function dateOne(rng: Random, day: string, hour: number, minute: number): string {
  const r = rng.float();
  if (r < 0.2) return '';
  if (r < 0.75) return day;
  const earlier = Math.max(0, hour * 60 + minute - rng.int(1, 90));
  return `${day} ${pad(Math.floor(earlier / 60))}:${pad(earlier % 60)}:${pad(rng.int(0, 59))}`;
}

/**
 * Gives the row one defect that the run rejects (docs/troubleshooting.md, "Rejected-row reasons"); returns the column it broke. Defects take turns,
 * so even a small sample shows each kind of rejection.
 */
function breakRow(rng: Random, f: string[], asOf: string, turn: number): string {
  const [year, month, day] = asOf.split('-');
  switch (turn % 8) {
    case 0:
      f[C.DATE] = rng.pick([`${year}-${month}-32 10:15:00`, `${month}/${day}/${year} 10:15`, `${asOf} 24:30:00`, 'N/A']);
      return 'DATE';
    case 1:
      f[C.DATE] = '';
      return 'DATE';
    case 2:
      f[C.PX] = rng.pick(['N/A', '99.5x', '1,012.5', '--', '99..5']);
      return 'PX';
    case 3:
      f[C.CUSIP] = rng.pick(['', '   ']);
      return 'CUSIP';
    case 4: {
      // A letter typed for a digit, or 20 digits (one more than NUMBER(19) holds).
      const id = f[C.MESSAGE_ID]!;
      const at = rng.int(1, id.length - 1);
      f[C.MESSAGE_ID] = rng.chance(0.5)
        ? id.slice(0, at) + rng.pick(['A', 'O', 'l']) + id.slice(at + 1)
        : id.padEnd(20, String(rng.int(0, 9)));
      return 'MESSAGE_ID';
    }
    case 5:
      f[C.CONFIDENCE] = rng.pick(['11', '12', '-1']);
      return 'CONFIDENCE';
    case 6:
      f[C.RANK] = rng.pick(['1.5', 'A']);
      return 'RANK';
    default:
      f[C.BID] = rng.pick(['n/a', '98-16']);
      return 'BID';
  }
}

// ---------------------------------------------------------------------------------------------
// Writing.

/** The whole CSV as one string, for tests and small samples. */
export function colorsCsv(options: ColorsOptions): { csv: string; stats: ColorsStats } {
  const lines = colorLines(options);
  const parts: string[] = [];
  for (;;) {
    const next = lines.next();
    if (next.done) return { csv: parts.join(''), stats: next.value };
    parts.push(next.value);
  }
}

/** Streams the CSV to a writable in ~256 KiB chunks, honouring back-pressure. */
export async function writeColors(options: ColorsOptions, out: NodeJS.WritableStream): Promise<ColorsStats> {
  const lines = colorLines(options);
  let chunk = '';
  for (;;) {
    const next = lines.next();
    if (!next.done) chunk += next.value;
    if (chunk.length >= 262_144 || (next.done && chunk.length > 0)) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
    if (next.done) return next.value;
  }
}

/** Writes the CSV to a file atomically (a temporary file renamed into place). */
export async function writeColorsFile(path: string, options: ColorsOptions): Promise<ColorsStats> {
  const temporary = `${path}.${process.pid}.tmp`;
  const out = createWriteStream(temporary);
  try {
    const stats = await writeColors(options, out);
    out.end();
    await once(out, 'finish');
    await rename(temporary, path);
    return stats;
  } catch (error) {
    out.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
}
