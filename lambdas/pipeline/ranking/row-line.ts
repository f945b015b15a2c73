/**
 * How the row store (row-store.ts) encodes a row: its 18 output texts as one CSV record, joined
 * by commas, no line end; null is the empty field. A million-row run keeps every row until it is
 * ranked; as one line (stored as UTF-8 in a LineArena) a row costs a fraction of the memory and
 * garbage-collection work of a row object with two arrays and 18 strings, and colors.csv and
 * excluded.csv later copy its bytes rather than render it again.
 *
 * The encoding is the store's own: {@link RowLineEncoder} writes it and {@link decodeRowLine} reads
 * it back; nothing outside ranking/ sees a line.
 */
import { COLUMN_TYPES, COLUMNS } from '../columns.js';
import { csvField } from '../csv-writer.js';

/**
 * Only free text can hold a comma, quote, line end or edge space. Ids, numbers and dates are
 * written from text their parsers accepted (digits, signs, `.`, `e`, `-`, `:`, `T`), which never
 * needs quoting, so they skip csvField's check.
 */
const MAY_NEED_QUOTES: readonly boolean[] = COLUMNS.map((column) => COLUMN_TYPES[column] === 'text');

export class RowLineEncoder {
  // Reused for every row: join() builds one flat string, where `+=` per field would leave a rope
  // of 35 pieces per row to be flattened when the line is stored.
  private readonly parts: string[] = COLUMNS.map(() => '');
  // Free text repeats from row to row (one dealer, sector and side per message): per column, the
  // last value and its CSV form, so a repeat skips csvField's check.
  private readonly lastText: (string | null)[] = COLUMNS.map(() => null);
  private readonly lastField: string[] = COLUMNS.map(() => '');

  /** The row's fields as one CSV line without its line end. */
  encode(text: readonly (string | null)[]): string {
    const { parts, lastText, lastField } = this;
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
   * Makes the plain CSV line at [start, end) of `bytes` (ASCII, so characters are bytes; no quote
   * or CR), which the row was read from as `fields`, into the row's line in place: the same bytes
   * {@link encode} would give, without joining the fields and encoding them again. Most of a line is
   * its record as read; a value written differently at the same length (a DATE read as
   * `2026-11-19 12:21:40` is written `2026-11-19T12:21:40`) is written over it. Returns false, and
   * writes nothing, when the line is not the record's shape (a null read from a non-empty field, a
   * trimmed value, a value that needs quotes): then the row is to be encoded.
   */
  rewriteAsRead(text: readonly (string | null)[], fields: readonly string[], bytes: Uint8Array, start: number, end: number): boolean {
    if (fields.length !== COLUMNS.length) return false;
    let length = -1;
    let rewritten = false;
    for (let index = 0; index < COLUMNS.length; index++) {
      const value = text[index] ?? null;
      const field = fields[index]!;
      if (value === null) {
        if (field.length !== 0) return false;
      } else if (value !== field) {
        // Only ids, numbers and dates are rewritten, always in ASCII and never needing quotes.
        if (value.length !== field.length || MAY_NEED_QUOTES[index] || !isAsciiText(value)) return false;
        rewritten = true;
      } else if (MAY_NEED_QUOTES[index] && hasEdgeSpace(value)) {
        // A field of a plain record holds no quote, comma or line end: it needs quotes (csvField)
        // only for a space or tab at an edge, and is then encoded.
        return false;
      }
      length += field.length + 1;
    }
    // The fields and the bytes must be the same record, or the rewrites would land elsewhere.
    if (length !== end - start) return false;
    if (rewritten) {
      let offset = start;
      for (let index = 0; index < COLUMNS.length; index++) {
        const value = text[index] ?? null;
        const field = fields[index]!;
        if (value !== null && value !== field) for (let k = 0; k < value.length; k++) bytes[offset + k] = value.charCodeAt(k);
        offset += field.length + 1;
      }
    }
    return true;
  }
}

function isAsciiText(value: string): boolean {
  for (let k = 0; k < value.length; k++) if (value.charCodeAt(k) > 0x7f) return false;
  return true;
}

/** Whether a non-empty ASCII text starts or ends with a space or tab. */
function hasEdgeSpace(value: string): boolean {
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  return first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09;
}

/**
 * The field texts of a line made by {@link RowLineEncoder}, null for empty fields: all of them, or
 * the first `count`. A valid row never has empty non-null text (empty or whitespace-only text is
 * null: README, "What a run writes"), so empty means null.
 */
export function decodeRowLine(line: string, count = Infinity): (string | null)[] {
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
    if (at >= line.length || fields.length >= count) return fields;
    at++; // the comma
  }
}
