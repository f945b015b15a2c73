/**
 * Writes one Parquet file of a run table (docs/queries.md, "The file contract") with
 * hyparquet-writer (chosen by measurement: docs/benchmarks.md, "Parquet"). The columns, their order
 * and types come from lib/run-tables.ts, the same list the stack gives Glue, so the file and the
 * table cannot drift apart.
 *
 * Rows are added one at a time as typed values and written a row group at a time: each full group
 * is encoded, and its bytes go on to the OutputWriter (hashed there) before the next is collected,
 * so a million-row file never holds more than one group of values.
 */
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { GlueType, TableColumn } from '../../../lib/run-tables.js';
import type { OutputWriter } from '../ports.js';

/** The media type registered for Parquet (IANA, 2024). */
export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

/** Rows per row group: large enough for good compression and statistics, small enough to hold in memory. */
export const ROW_GROUP_ROWS = 65_536;

/** A typed value as the writer takes it: string, double, INT32 number, INT64 bigint, boolean, µs since the epoch as bigint; null for null. */
export type CellValue = string | number | bigint | boolean | null;

type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];

/** The Parquet physical and logical type of each Hive type the contract uses. */
function schemaElement(column: TableColumn): SchemaElement {
  const element = { name: column.name, repetition_type: 'OPTIONAL' } as const;
  const byType: Readonly<Record<GlueType, SchemaElement>> = {
    string: { ...element, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } },
    double: { ...element, type: 'DOUBLE' },
    int: { ...element, type: 'INT32' },
    bigint: { ...element, type: 'INT64' },
    boolean: { ...element, type: 'BOOLEAN' },
    // An instant: UTC-adjusted microseconds, which Athena, Spark and DuckDB read as a timestamp.
    timestamp: {
      ...element,
      type: 'INT64',
      converted_type: 'TIMESTAMP_MICROS',
      logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
    },
  };
  return byType[column.type];
}

/** A ByteWriter that hands each finished row group's bytes on instead of keeping the whole file. */
class ForwardingWriter extends ByteWriter {
  /** Whether a row group was handed on; until then the whole file is still in the buffer. */
  private flushed = false;

  constructor(private readonly out: OutputWriter) {
    super(1 << 20);
  }

  flush(): void {
    if (this.index === 0) return;
    this.out.writeBytes(new Uint8Array(this.buffer, 0, this.index));
    this.index = 0;
    this.flushed = true;
  }

  override finish(): void {
    if (!this.flushed) typeEmptyRowGroupList(new Uint8Array(this.buffer, 0, this.index));
    this.flush();
  }
}

/**
 * hyparquet-writer 0.17.0 writes a file without rows with its footer's empty `row_groups` list
 * typed as a list of bytes (a Thrift list with no elements carries an element type all the same);
 * readers generated from parquet.thrift ignore it, arrow-rs refuses the file ("Expected list
 * element type of Struct"). In the footer of such a file the list follows `num_rows` = 0, as the
 * compact protocol bytes 16 00 (field 3, i64 0) 19 (field 4, a list) and a list header whose high
 * nibble is the size, 0: its low nibble, the element type, becomes C (struct). Any other layout is
 * an error, not a silent pass.
 */
function typeEmptyRowGroupList(file: Uint8Array): void {
  const footerLength = new DataView(file.buffer, file.byteOffset + file.length - 8, 4).getUint32(0, true);
  const footer = file.subarray(file.length - 8 - footerLength, file.length - 8);
  for (let at = 0; at + 3 < footer.length; at++) {
    if (footer[at] === 0x16 && footer[at + 1] === 0x00 && footer[at + 2] === 0x19 && footer[at + 3]! >> 4 === 0) {
      footer[at + 3] = 0x0c;
      return;
    }
  }
  throw new Error('the Parquet footer of a table without rows is not laid out as expected: cannot type its empty row group list');
}

export class ParquetTableWriter {
  private readonly writer: ParquetWriter;
  private readonly values: CellValue[][];
  private pending = 0;

  constructor(
    private readonly columns: readonly TableColumn[],
    out: OutputWriter,
    metadata: Readonly<Record<string, string>>,
  ) {
    this.writer = new ParquetWriter({
      writer: new ForwardingWriter(out),
      schema: [{ name: 'schema', num_children: columns.length }, ...columns.map(schemaElement)],
      kvMetadata: Object.entries(metadata).map(([key, value]) => ({ key, value })),
      createdBy: 'market-pulse (hyparquet-writer)',
    });
    this.values = columns.map(() => []);
  }

  /** Adds one row, its values in column order. Returns true when a row group was just written. */
  add(row: readonly CellValue[]): boolean {
    if (row.length !== this.columns.length) throw new Error(`a row of ${row.length} values for ${this.columns.length} columns`);
    for (let index = 0; index < row.length; index++) this.values[index]!.push(row[index]!);
    if (++this.pending < ROW_GROUP_ROWS) return false;
    this.writeGroup();
    return true;
  }

  /** Writes the last row group and the footer. A table with no rows is a valid file with its schema. */
  finish(): void {
    if (this.pending > 0) this.writeGroup();
    this.writer.finish();
  }

  private writeGroup(): void {
    this.writer.write({
      columnData: this.columns.map((column, index) => ({ name: column.name, data: this.values[index]! })),
      rowGroupSize: this.pending,
    });
    for (const column of this.values) column.length = 0;
    this.pending = 0;
  }
}
