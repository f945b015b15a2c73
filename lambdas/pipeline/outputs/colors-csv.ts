/**
 * colors.csv: one line per ranked row, group by group, with the 18 color columns and then the
 * parent/child columns (README, "What a run writes").
 */
import { COLUMNS } from '../columns.js';
import { CSV_CONTENT_TYPE, csvField, csvLine } from '../csv-writer.js';
import type { OutputWriter } from '../ports.js';
import { type GroupPlace, PARENT_CHILD_COLUMNS, type Ranking } from '../ranking/ranked.js';
import type { OutputRenderer } from './renderer.js';

export function colorsCsv(ranking: Ranking): OutputRenderer {
  return {
    name: 'colors.csv',
    contentType: CSV_CONTENT_TYPE,
    rows: ranking.rowCount,
    *render(out: OutputWriter) {
      out.write(csvLine([...COLUMNS, ...PARENT_CHILD_COLUMNS]));
      yield;
      for (const group of ranking.groups()) {
        // Each row's line is its CSV record, then its place. Only GROUP_POSITION changes from
        // child to child, so the rest of a child's place is rendered once per group.
        const { rows } = group;
        const parentTail = placeAfterPosition(group.place(1));
        const childTail = rows.length > 1 ? placeAfterPosition(group.place(2)) : '';
        for (let at = 0; at < rows.length; at++) {
          out.writeBytes(ranking.csvRecord(rows[at]!));
          // Three writes, not one joined string: joining would build and flatten a string per row.
          out.write(positionField(at + 1));
          out.write(at === 0 ? parentTail : childTail);
        }
        yield;
      }
    },
  };
}

/** `,1`, `,2`, …: GROUP_POSITION's field with its comma, made once for the first positions. */
const positionFields: string[] = [];
const KEPT_POSITIONS = 1024;

function positionField(position: number): string {
  if (position >= KEPT_POSITIONS) return `,${position}`;
  let field = positionFields[position];
  if (field === undefined) {
    field = `,${position}`;
    positionFields[position] = field;
  }
  return field;
}

/** The parent/child columns after GROUP_POSITION, the first. */
const AFTER_POSITION = PARENT_CHILD_COLUMNS.slice(1);

/** The place's fields after GROUP_POSITION, each after a comma, then the line end. */
function placeAfterPosition(place: GroupPlace): string {
  let text = '';
  for (const column of AFTER_POSITION) {
    const value = place[column];
    text += `,${csvField(value === null ? null : String(value))}`;
  }
  return `${text}\n`;
}
