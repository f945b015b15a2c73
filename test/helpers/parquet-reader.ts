/**
 * An independent Parquet reader for tests: parquet-wasm (the Rust `parquet` crate of Apache Arrow,
 * compiled to WebAssembly; nothing shared with hyparquet-writer, which writes the product's files)
 * decodes the file, and Apache Arrow's JavaScript library reads the result. Runs offline on Node 20.
 *
 * Values come back as the reader sees them: strings, doubles, INT64 as bigint, INT32 as number,
 * booleans, and timestamps as bigint µs since the epoch (read from the column's own buffer, so no
 * conversion of the reader's rounds them), null for null.
 */
import { Type, tableFromIPC, type Vector } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';

export interface ParquetField {
  readonly name: string;
  /** Arrow's name for the type, e.g. `Utf8`, `Float64`, `Int64`, `Timestamp<MICROSECOND, UTC>`. */
  readonly type: string;
}

export interface ReadParquet {
  readonly fields: readonly ParquetField[];
  readonly metadata: ReadonlyMap<string, string>;
  readonly rows: readonly Record<string, unknown>[];
}

export function readParquetFile(bytes: Uint8Array): ReadParquet {
  const table = tableFromIPC(readParquet(bytes).intoIPCStream());
  const fields = table.schema.fields.map((field) => ({ name: field.name, type: String(field.type) }));
  const columns = table.schema.fields.map((field) => ({
    name: field.name,
    values: valuesOf(table.getChild(field.name)!, field.typeId === Type.Timestamp),
  }));
  const rows: Record<string, unknown>[] = [];
  for (let index = 0; index < table.numRows; index++)
    rows.push(Object.fromEntries(columns.map(({ name, values }) => [name, values[index]])));
  return { fields, metadata: table.schema.metadata, rows };
}

function valuesOf(vector: Vector, timestamp: boolean): unknown[] {
  if (!timestamp) return [...vector].map((value: unknown) => value ?? null);
  // Arrow's JS getter turns a timestamp into milliseconds as a double; the buffer holds the µs exactly.
  const values: unknown[] = [];
  for (const data of vector.data) {
    const raw = data.values as BigInt64Array;
    for (let at = 0; at < data.length; at++) values.push(data.getValid(at) ? raw[at]! : null);
  }
  return values;
}
