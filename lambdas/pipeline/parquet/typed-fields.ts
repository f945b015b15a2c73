/**
 * The 18 color columns of a ranked row as the Parquet tables type them (docs/queries.md, "Types"),
 * converted from the output text the Ranking gives (ranking/ranked.ts says its form per type):
 *
 * - ids and text stay strings (MESSAGE_ID keeps all of its up to 19 digits);
 * - a decimal becomes its nearest double (decimalValue, as the rules compare it), followed by its
 *   text with every digit, the `<COLUMN>_TEXT` column;
 * - an integer becomes an INT64;
 * - a date (ISO-8601 local time in the config's zone) becomes the instant it names, in µs since
 *   the epoch UTC; a bare date is its midnight in that zone. The CSV writes a local time without
 *   its offset, so within the hour a daylight-saving change repeats, the earlier instant is taken,
 *   as it is for any local time read (docs/configuration.md).
 */
import { COLUMN_TYPES, COLUMNS } from '../columns.js';
import { wallTime } from '../date-values.js';
import type { ZoneClock } from '../time-zone.js';
import { decimalValue } from '../values.js';
import type { CellValue } from './table-writer.js';

/** The form the Ranking gives a date in: `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS[.fraction]`, local time. */
const OUTPUT_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?$/;

export class TypedFields {
  /** Consecutive rows of a group often share their dates: the last conversion is kept per column. */
  private readonly lastDate = new Map<number, { text: string; micros: bigint }>();

  constructor(private readonly clock: ZoneClock) {}

  /** The row's typed values in the tables' order (the decimal texts after their doubles). */
  convert(fields: readonly (string | null)[]): CellValue[] {
    const values: CellValue[] = [];
    for (let index = 0; index < COLUMNS.length; index++) {
      const text = fields[index] ?? null;
      const type = COLUMN_TYPES[COLUMNS[index]!];
      if (type === 'decimal') values.push(text === null ? null : decimalValue(text), text);
      else if (type === 'integer') values.push(text === null ? null : BigInt(Number(text)));
      else if (type === 'date') values.push(text === null ? null : this.micros(index, text));
      else values.push(text);
    }
    return values;
  }

  private micros(column: number, text: string): bigint {
    const last = this.lastDate.get(column);
    if (last?.text === text) return last.micros;
    const match = OUTPUT_DATE.exec(text);
    if (match === null) throw new Error(`${COLUMNS[column]} "${text}" is not an output date (YYYY-MM-DD[THH:MM:SS[.fraction]])`);
    const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = ''] = match;
    const digits = fraction.padEnd(6, '0');
    const wall = wallTime(
      Number(year),
      Number(month),
      Number(day),
      Number(hour),
      Number(minute),
      Number(second),
      Number(digits.slice(0, 3)),
    );
    const micros = BigInt(this.clock.toInstant(wall)) * 1000n + BigInt(digits.slice(3, 6));
    this.lastDate.set(column, { text, micros });
    return micros;
  }
}
