import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { COLUMN_INDEX as C, COLUMNS } from '../../../lambdas/pipeline/columns.js';
import { isRejected, RowValidator, resolveHeader } from '../../../lambdas/pipeline/schema.js';
import { ZoneClock } from '../../../lambdas/pipeline/time-zone.js';
import { type ColorsStats, colorsCsv, writeColors, writeColorsFile } from '../../../scripts/colors-generator.js';

/** RFC 4180 for one line; the generator never puts a line break inside a field. */
function splitLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let value = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) throw new Error(`unterminated quote in ${line}`);
        value += line.slice(i, quote);
        i = quote + 1;
        if (line[i] === '"') {
          value += '"';
          i++;
        } else break;
      }
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      value = line.slice(i, end);
      if (value.includes('"')) throw new Error(`quote in an unquoted field: ${line}`);
      i = end;
    }
    fields.push(value);
    if (i >= line.length) return fields;
    if (line[i] !== ',') throw new Error(`text after a closing quote: ${line}`);
    i++;
  }
}

interface Parsed {
  csv: string;
  stats: ColorsStats;
  lines: string[];
  rows: string[][];
}

function generate(rows: number, seed: number, invalidRate = 0): Parsed {
  const { csv, stats } = colorsCsv({ rows, seed, invalidRate });
  const lines = csv.slice(0, -1).split('\n').slice(1);
  return { csv, stats, lines, rows: lines.map(splitLine) };
}

const TWO_POW_53 = 2n ** 53n;

describe('colors generator', () => {
  let large: Parsed;
  beforeAll(() => {
    large = generate(40_000, 42);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = colorsCsv({ rows: 3000, seed: 7, invalidRate: 0.01 }).csv;
    const b = colorsCsv({ rows: 3000, seed: 7, invalidRate: 0.01 }).csv;
    const c = colorsCsv({ rows: 3000, seed: 8, invalidRate: 0.01 }).csv;
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('writes the exact header and exactly the rows asked for, each with 18 fields and a \\n ending', () => {
    for (const rows of [0, 1, 19, 250, 4321]) {
      const { csv, lines, rows: parsed, stats } = generate(rows, 3, 0.01);
      expect(csv.startsWith(`${COLUMNS.join(',')}\n`)).toBe(true);
      expect(csv.endsWith('\n')).toBe(true);
      expect(csv).not.toContain('\r');
      expect(lines).toHaveLength(rows);
      expect(stats.rows).toBe(rows);
      expect(parsed.filter((fields) => fields.length !== COLUMNS.length)).toEqual([]);
    }
  });

  it('quotes only where RFC 4180 needs it, and does need it sometimes', () => {
    const quoted = large.lines.filter((line) => line.includes('"'));
    expect(quoted.length).toBeGreaterThan(0);
    const reserialized = large.rows.map((fields) =>
      fields.map((value) => (/[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value)).join(','),
    );
    expect(reserialized).toEqual(large.lines);
  });

  it('gives every message one 17–19 digit MESSAGE_ID, one dealer, one timestamp and 20–200 colors', () => {
    const byId = new Map<string, { lines: Set<string>; dates: Set<string>; sources: Set<string> }>();
    large.rows.forEach((fields, index) => {
      const id = fields[C.MESSAGE_ID]!;
      const message = byId.get(id) ?? { lines: new Set(), dates: new Set(), sources: new Set() };
      message.lines.add(large.lines[index]!);
      message.dates.add(fields[C.DATE]!);
      if (fields[C.SOURCE] !== '') message.sources.add(fields[C.SOURCE]!);
      byId.set(id, message);
    });
    expect(byId.size).toBe(large.stats.messages);
    const last = large.rows.at(-1)![C.MESSAGE_ID]!; // the last message is cut at the row count
    const sizes = [...byId].filter(([id]) => id !== last).map(([, message]) => message.lines.size);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(200);
    expect(Math.max(...sizes)).toBeGreaterThan(150);
    expect([...byId.values()].filter((message) => message.dates.size !== 1 || message.sources.size > 1)).toEqual([]);
    const ids = [...byId.keys()];
    expect(ids.filter((id) => !/^[1-9]\d{16,18}$/.test(id))).toEqual([]);
    expect(ids.every((id) => BigInt(id) > TWO_POW_53)).toBe(true);
    expect(ids.filter((id) => id.length === 19).length).toBeGreaterThan(ids.length / 3);
    expect(ids.some((id) => id.length === 17)).toBe(true);
    expect(ids.some((id) => id.length === 18)).toBe(true);
  });

  it('quotes a CUSIP as BID and OFFER within one message', () => {
    const sides = new Map<string, Set<string>>();
    for (const fields of large.rows) {
      const key = `${fields[C.MESSAGE_ID]}|${fields[C.CUSIP]!.trim().toUpperCase()}`;
      sides.set(key, (sides.get(key) ?? new Set()).add(fields[C.BIAS]!));
    }
    const pairs = [...sides.values()].filter((biases) => biases.has('BID') && biases.has('OFFER'));
    expect(pairs.length).toBeGreaterThan(sides.size / 10);
  });

  it('repeats rows exactly (a few percent), and counts them', () => {
    const seen = new Set<string>();
    let repeats = 0;
    for (const line of large.lines) {
      if (seen.has(line)) repeats++;
      else seen.add(line);
    }
    expect(repeats).toBe(large.stats.duplicateRows);
    expect(repeats / large.lines.length).toBeGreaterThan(0.01);
    expect(repeats / large.lines.length).toBeLessThan(0.08);
    expect(large.stats.redeliveredMessages).toBeGreaterThan(0);
  });

  it('writes one CUSIP in case and space variants', () => {
    const spellings = new Map<string, Set<string>>();
    for (const fields of large.rows) {
      const raw = fields[C.CUSIP]!;
      const key = raw.trim().toUpperCase();
      spellings.set(key, (spellings.get(key) ?? new Set()).add(raw));
    }
    expect([...spellings.keys()].filter((key) => !/^[0-9A-Z]{9}$/.test(key))).toEqual([]);
    const raws = [...spellings.values()].flatMap((set) => [...set]);
    expect(raws.some((raw) => raw !== raw.trim())).toBe(true);
    expect(raws.some((raw) => raw.trim() !== raw.trim().toUpperCase())).toBe(true);
    expect([...spellings.values()].filter((set) => set.size > 1).length).toBeGreaterThan(10);
  });

  it('spreads rows over CUSIPs with a mean near 20 and a long tail', () => {
    const perCusip = new Map<string, number>();
    for (const fields of large.rows) {
      const key = fields[C.CUSIP]!.trim().toUpperCase();
      perCusip.set(key, (perCusip.get(key) ?? 0) + 1);
    }
    const counts = [...perCusip.values()];
    const mean = large.rows.length / counts.length;
    expect(mean).toBeGreaterThan(15);
    expect(mean).toBeLessThan(30);
    expect(counts.filter((count) => count === 1).length).toBeGreaterThan(0);
    expect(counts.filter((count) => count >= 100).length).toBeGreaterThan(0);
    expect(perCusip.size).toBe(large.stats.cusips);
  });

  it('has ties on RANK + DATE + PX that are not exact repeats', () => {
    const byKey = new Map<string, Set<string>>();
    large.rows.forEach((fields, index) => {
      const key = [fields[C.CUSIP]!.trim().toUpperCase(), fields[C.RANK], fields[C.DATE]!.replace('T', ' '), fields[C.PX]].join('|');
      byKey.set(key, (byKey.get(key) ?? new Set()).add(large.lines[index]!));
    });
    expect([...byKey.values()].some((lines) => lines.size > 1)).toBe(true);
  });

  it('writes plausible values: both date-time forms on the as-of day and the day before, exponent-form decimals', () => {
    const dates = large.rows.map((fields) => fields[C.DATE]!);
    expect(dates.every((date) => /^2026-11-(19|20)[ T]\d{2}:\d{2}:\d{2}$/.test(date))).toBe(true);
    expect(dates.some((date) => date.includes('T'))).toBe(true);
    expect(dates.some((date) => date.includes(' '))).toBe(true);
    expect(large.rows.some((fields) => /^-?\d\.\d{16}E-?\d+$/.test(fields[C.PERCENT_DIFF]!))).toBe(true);
    expect(large.rows.some((fields) => fields[C.DATE_1] === '')).toBe(true);
    expect(large.rows.some((fields) => /^\d{4}-\d{2}-\d{2}$/.test(fields[C.DATE_1]!))).toBe(true);
    const biases = new Set(large.rows.map((fields) => fields[C.BIAS]));
    for (const bias of ['BID', 'OFFER', 'BWIC COVER']) expect(biases).toContain(bias);
    const ranks = new Set(large.rows.map((fields) => fields[C.RANK]));
    expect([...ranks].every((rank) => rank === '' || /^[1-6]$/.test(rank!))).toBe(true);
  });

  describe('against the product row validator', () => {
    const validate = (parsed: Parsed): number => {
      const mapping = resolveHeader([...COLUMNS], 'generated');
      const validator = new RowValidator(mapping, new ZoneClock('America/New_York'));
      return parsed.rows.filter((values, index) => isRejected(validator.validate({ sourceRow: index + 1, values }))).length;
    };

    it('rejects nothing when invalidRate is 0', () => {
      expect(large.stats.invalidRows).toBe(0);
      expect(validate(large)).toBe(0);
    });

    it('rejects exactly the rows it broke when invalidRate > 0, of every kind', () => {
      const parsed = generate(20_000, 11, 0.01);
      expect(parsed.stats.invalidRows).toBeGreaterThan(100);
      expect(validate(parsed)).toBe(parsed.stats.invalidRows);
      expect(Object.keys(parsed.stats.invalidByKind).sort()).toEqual(['BID', 'CONFIDENCE', 'CUSIP', 'DATE', 'MESSAGE_ID', 'PX', 'RANK']);
      const ids = parsed.rows.map((fields) => fields[C.MESSAGE_ID]!);
      expect(ids.some((id) => /^\d{20}$/.test(id))).toBe(true);
      expect(ids.some((id) => /[A-Za-z]/.test(id))).toBe(true);
    });
  });

  it('streams the same bytes it returns whole, to a stream and to a file', async () => {
    const options = { rows: 5000, seed: 99, invalidRate: 0.005 };
    const { csv, stats } = colorsCsv(options);
    const chunks: string[] = [];
    const sink = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString('utf8'));
        setImmediate(done);
      },
    });
    expect(await writeColors(options, sink)).toEqual(stats);
    expect(chunks.join('')).toBe(csv);
    const dir = await mkdtemp(join(tmpdir(), 'colors-generator-'));
    try {
      await writeColorsFile(join(dir, 'colors.csv'), options);
      expect(await readFile(join(dir, 'colors.csv'), 'utf8')).toBe(csv);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad options', () => {
    expect(() => colorsCsv({ rows: -1 })).toThrow(/rows/);
    expect(() => colorsCsv({ rows: 1.5 })).toThrow(/rows/);
    expect(() => colorsCsv({ rows: 10, asOf: '2026-02-30' })).toThrow(/asOf/);
    expect(() => colorsCsv({ rows: 10, invalidRate: 2 })).toThrow(/invalidRate/);
  });
});
