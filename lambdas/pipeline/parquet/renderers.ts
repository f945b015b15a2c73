/**
 * colors.parquet, excluded.parquet and rejected.parquet (with `outputs.parquet`,
 * docs/configuration.md): the rows of colors.csv, excluded.csv and rejected.csv, typed for Athena
 * by the contract in docs/queries.md ("The file contract"), each row carrying its RUN_ID, each file
 * its as-of date, run id, time zone and code version as key-value metadata. They render from the
 * same Ranking (and rejected rows) as the CSVs, so the two always hold the same rows in the same
 * order. Where they are published: ./table-files.ts.
 */
import { RUN_TABLES, type RunTableName } from '../../../lib/run-tables.js';
import type { OutputRenderer } from '../outputs/renderer.js';
import type { OutputWriter } from '../ports.js';
import type { Ranking } from '../ranking/ranked.js';
import type { RejectedRow } from '../schema.js';
import type { ZoneClock } from '../time-zone.js';
import { type CellValue, PARQUET_CONTENT_TYPE, ParquetTableWriter } from './table-writer.js';
import { TypedFields } from './typed-fields.js';

/** What every file says about itself (the FILE_METADATA_KEYS of lib/run-tables.ts). */
export interface TableFileContext {
  readonly asOf: string;
  readonly runId: string;
  readonly clock: ZoneClock;
  readonly codeVersion: string;
}

export interface TableRenderer extends OutputRenderer {
  readonly table: RunTableName;
}

function tableRenderer(
  table: RunTableName,
  rows: number,
  context: TableFileContext,
  addRows: (writer: ParquetTableWriter) => Generator<void, void, undefined>,
): TableRenderer {
  return {
    table,
    name: `${table}.parquet`,
    contentType: PARQUET_CONTENT_TYPE,
    rows,
    *render(out: OutputWriter) {
      const writer = new ParquetTableWriter(RUN_TABLES[table], out, {
        'market-pulse.as-of': context.asOf,
        'market-pulse.run-id': context.runId,
        'market-pulse.time-zone': context.clock.timeZone,
        'market-pulse.code-version': context.codeVersion,
      });
      yield* addRows(writer);
      writer.finish();
    },
  };
}

export function colorsParquet(ranking: Ranking, context: TableFileContext): TableRenderer {
  const typed = new TypedFields(context.clock);
  return tableRenderer('colors', ranking.rowCount, context, function* (writer) {
    for (const group of ranking.groups()) {
      const { rows } = group;
      for (let at = 0; at < rows.length; at++) {
        const place = group.place(at + 1);
        const row: CellValue[] = typed.convert(ranking.fields(rows[at]!));
        row.push(place.GROUP_POSITION, place.IS_PARENT, place.PARENT_MESSAGE_ID, place.CHILDREN_COUNT, context.runId);
        if (writer.add(row)) yield;
      }
    }
  });
}

/** `excludedBy[row]` is EXCLUDED_BY for the row with that handle in `ranking` (as for excluded.csv). */
export function excludedParquet(ranking: Ranking, excludedBy: readonly string[], context: TableFileContext): TableRenderer {
  const typed = new TypedFields(context.clock);
  return tableRenderer('excluded', ranking.rowCount, context, function* (writer) {
    for (const group of ranking.groups()) {
      for (const handle of group.rows) {
        const row: CellValue[] = typed.convert(ranking.fields(handle));
        row.push(excludedBy[handle] ?? null, context.runId);
        if (writer.add(row)) yield;
      }
    }
  });
}

/** `rejected` in the order to write them (as for rejected.csv): values as read, untyped; an empty value is null. */
export function rejectedParquet(rejected: readonly RejectedRow[], context: TableFileContext): TableRenderer {
  return tableRenderer('rejected', rejected.length, context, function* (writer) {
    for (const { raw, sourceRow, reasons, rawRecord } of rejected) {
      const values = raw.map((value) => (value === '' ? null : value));
      if (writer.add([...values, BigInt(sourceRow), reasons.join('; '), rawRecord, context.runId])) yield;
    }
  });
}
