/**
 * A color row held as the CSV text it will be written as: its 18 fields joined by commas, no line
 * end. A million-row run keeps every row until it is ranked; as one line (stored as UTF-8 in a
 * LineArena) a row costs a fraction of the memory and garbage-collection work of a row object with
 * two arrays and 18 strings, and writing it out later is a copy rather than a render.
 *
 * The line is also what the final ranking tie-break reads: it holds every column's output text.
 */
import { COLUMNS, COLUMN_TYPES } from './columns.js';
import { csvField } from './csv-writer.js';

/**
 * Only free text can hold a comma, quote, line end or edge space. Ids, numbers and dates are
 * written from text their parsers accepted (digits, signs, `.`, `e`, `-`, `:`, `T`), which never
 * needs quoting, so they skip csvField's check.
 */
const MAY_NEED_QUOTES: readonly boolean[] = COLUMNS.map((column) => COLUMN_TYPES[column] === 'text');

// Reused for every row: join() builds one flat string, where `+=` per field would leave a rope of
// 35 pieces per row to be flattened when the line is stored.
const parts: string[] = COLUMNS.map(() => '');

// Free text repeats from row to row (one dealer, sector and side per message): per column, the
// last value and its CSV form, so a repeat skips csvField's check.
const lastText: (string | null)[] = COLUMNS.map(() => null);
const lastField: string[] = COLUMNS.map(() => '');

/** The row's fields as one CSV line without its line end; null is the empty field. */
export function rowLine(text: readonly (string | null)[]): string {
  for (let index = 0; index < COLUMNS.length; index++) {
    const value = text[index] ?? null;
    if (value === null) parts[index] = '';
    else if (!MAY_NEED_QUOTES[index]) parts[index] = value;
    else if (value === lastText[index]) parts[index] = lastField[index]!;
    else {
      lastText[index] = value;
      parts[index] = lastField[index] = csvField(value);
    }
  }
  return parts.join(',');
}

/**
 * The field texts of a line made by {@link rowLine}, null for empty fields. A valid row never has
 * empty non-null text (SPEC §2: empty or whitespace-only text is null), so empty means null.
 */
export function rowFields(line: string): (string | null)[] {
  const fields: (string | null)[] = [];
  let at = 0;
  for (;;) {
    if (line.charCodeAt(at) === 0x22) {
      // Quoted: runs to the quote that is not doubled; "" inside stands for one quote.
      let value = '';
      let from = at + 1;
      for (;;) {
        const close = line.indexOf('"', from);
        if (line.charCodeAt(close + 1) === 0x22) {
          value += line.slice(from, close + 1);
          from = close + 2;
          continue;
        }
        value += line.slice(from, close);
        at = close + 1;
        break;
      }
      fields.push(value);
    } else {
      const comma = line.indexOf(',', at);
      const end = comma === -1 ? line.length : comma;
      fields.push(end === at ? null : line.slice(at, end));
      at = end;
    }
    if (at >= line.length) return fields;
    at++; // the comma
  }
}

/** Where the first field (MESSAGE_ID, digits only and so never quoted) ends. */
export function messageIdOf(line: string): string {
  return line.slice(0, line.indexOf(','));
}
