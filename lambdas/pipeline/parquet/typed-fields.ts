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
import { parseDate } from '../date-values.js';
import type { ZoneClock } from '../time-zone.js';
import { decimalValue } from '../values.js';
import type { CellValue } from './table-writer.js';

/** The fraction digits after the milliseconds in an output time, e.g. `456` of `…:07.123456789`. */
const SUB_MILLIS = /\.\d{3}(\d{1,3})/;

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
    const parsed = parseDate(text, this.clock);
    if ('problem' in parsed) throw new Error(`${COLUMNS[column]} "${text}" is not an output date: ${parsed.problem}`);
    const subMillis = SUB_MILLIS.exec(text)?.[1]?.padEnd(3, '0') ?? '0';
    const micros = BigInt(parsed.value) * 1000n + BigInt(subMillis);
    this.lastDate.set(column, { text, micros });
    return micros;
  }
}
