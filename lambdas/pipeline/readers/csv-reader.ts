/**
 * CSV input as a source (README, "What a run reads"): the first non-blank record is the header,
 * and the rest are handed out lazily as records numbered from 1. A record whose field count
 * differs from the header's is rejected with its fields, re-joined as CSV, kept for rejected.csv.
 */
import { SourceError } from '../../errors.js';
import { csvLine } from '../csv-writer.js';
import type { OpenedSource, RawRecord } from '../ports.js';
import { CsvParser, type CsvRecord } from './csv-parser.js';
import { pullRecords, readFirst } from './pull-records.js';

function fieldCountProblem(count: number, headerCount: number): string {
  return `has ${count} field${count === 1 ? '' : 's'}, the header has ${headerCount}`;
}

/**
 * Opens a CSV byte stream as a source: reads up to the header (the first non-blank record), then
 * hands out the rest lazily as records numbered from 1. `source` names the input in errors.
 */
export async function readCsvRecords(
  chunks: AsyncIterable<Uint8Array>,
  source: string,
  options: { readonly maxRecordChars?: number } = {},
): Promise<OpenedSource> {
  const parser = new CsvParser({ source, ...options });
  const input = chunks[Symbol.asyncIterator]();
  const headerRecord = await readFirst(parser, input);
  if (headerRecord === undefined) throw new SourceError(`${source}: the input is empty (no header row)`);
  if (headerRecord.problem !== undefined) {
    await input.return?.();
    throw new SourceError(`${source}: the header row on line ${headerRecord.line} is not valid CSV (${headerRecord.problem})`);
  }
  const header = headerRecord.fields;
  let sourceRow = 0;
  const records = pullRecords(parser, input, (record: CsvRecord): RawRecord => csvRawRecord(record, ++sourceRow, header.length));
  return { header, records };
}

/** A parsed record as the run reads it: data row `sourceRow`, rejected if malformed or of the wrong width. */
export function csvRawRecord(record: CsvRecord, sourceRow: number, headerLength: number): RawRecord {
  const problem =
    record.problem ?? (record.fields.length !== headerLength ? fieldCountProblem(record.fields.length, headerLength) : undefined);
  if (problem === undefined) return { sourceRow, values: record.fields };
  // Fields beyond the header have no column: the record's text keeps them for rejected.csv.
  return { sourceRow, values: record.fields, problem, raw: csvLine(record.fields).slice(0, -1) };
}
