/**
 * colors.jsonl (with `outputs.jsonl`, docs/configuration.md): colors.csv's rows and columns as
 * one JSON object per line. Field values stay strings (or null) so that 19-digit ids and decimals
 * keep every digit; the parent/child columns are numbers, booleans and null.
 */
import { COLUMNS } from '../columns.js';
import type { OutputWriter } from '../ports.js';
import { PARENT_CHILD_COLUMNS, type Ranking } from '../ranking/ranked.js';
import type { OutputRenderer } from './renderer.js';

export const JSONL_CONTENT_TYPE = 'application/x-ndjson; charset=utf-8';

/** What comes before each column's value: `{"MESSAGE_ID":`, `,"TICKER":`, … */
const FIELD_KEYS = COLUMNS.map((column, index) => `${index === 0 ? '{' : ','}${JSON.stringify(column)}:`);
const PLACE_KEYS = PARENT_CHILD_COLUMNS.map((column) => `,${JSON.stringify(column)}:`);

export function colorsJsonl(ranking: Ranking): OutputRenderer {
  return {
    name: 'colors.jsonl',
    contentType: JSONL_CONTENT_TYPE,
    rows: ranking.rowCount,
    *render(out: OutputWriter) {
      for (const group of ranking.groups()) {
        group.rows.forEach((row, at) => {
          // The object JSON.stringify would write for these keys in this order, without building it.
          let line = '';
          const fields = ranking.fields(row);
          FIELD_KEYS.forEach((key, index) => {
            line += key + JSON.stringify(fields[index] ?? null);
          });
          const place = group.place(at + 1);
          PARENT_CHILD_COLUMNS.forEach((column, index) => {
            line += PLACE_KEYS[index] + JSON.stringify(place[column]);
          });
          out.write(`${line}}\n`);
        });
        yield;
      }
    },
  };
}
