/**
 * What a file uploaded to a day must pass before it joins that day's runs (docs/runbook.md,
 * "Adding a file to a day"): a name whose extension a reader takes, a size within the limits, a
 * header with the required columns and every column the config reads, and records framed well
 * enough that the reader gets to the end (a workbook that is one, no unterminated quote). A run
 * leaves out an upload that fails and names the reason in its manifest; `market-pulse upload`
 * refuses the file before anything is sent. Both ask this module, so they agree.
 *
 * Rows are not validated here: a row that breaks a data rule is rejected by the run like any other
 * row, into rejected.csv, and the upload still joins.
 */
import { SourceError } from '../errors.js';
import { UPLOADS_FOLDER } from '../names.js';
import { type ColumnUses, recordKeyWarnings } from './column-check.js';
import { asOfFolder } from './latest-pointer.js';
import { type FileFormat, formatOfName, openRecords, unsupportedName } from './readers/open-records.js';
import { forEachRecord } from './readers/pull-records.js';
import { WORKBOOK_LIMITS } from './readers/workbook-guard.js';
import { resolveHeader } from './schema.js';
import { MIB } from './text.js';
import { inputHeaderWarnings } from './union-source.js';

/** The largest upload read. A workbook is read whole, so this is the workbook limit, for every format alike. */
export const MAX_UPLOAD_BYTES = WORKBOOK_LIMITS.maxFileBytes;

/** What the uploads one run reads may come to in all; one that would take them past it is left out. */
export const MAX_DAY_UPLOAD_BYTES = 2 * MAX_UPLOAD_BYTES;

/** A date's uploads folder relative to the results prefix: `uploads/as-of=YYYY-MM-DD/`. */
export function dayUploadsFolder(asOf: string): string {
  return `${UPLOADS_FOLDER}/${asOfFolder(asOf)}/`;
}

export interface CheckedUpload {
  readonly format: FileFormat;
  readonly header: readonly string[];
  /** Records read (data rows, the header not counted). */
  readonly rows: number;
  /** What a run will warn about the file (columns ignored, columns absent and null). */
  readonly warnings: readonly string[];
}

/** The format an upload's name implies; a SourceError naming the supported extensions otherwise. */
export function uploadFormat(name: string): FileFormat {
  const format = formatOfName(name);
  if (format === undefined) throw new SourceError(`${name}: ${unsupportedName(name)}`);
  return format;
}

/** Refuses an upload larger than {@link MAX_UPLOAD_BYTES}. */
export function checkUploadSize(name: string, bytes: number): void {
  if (bytes > MAX_UPLOAD_BYTES) {
    throw new SourceError(
      `${name}: the file is ${bytes.toLocaleString('en-US')} bytes; an upload may be at most ` +
        `${MAX_UPLOAD_BYTES.toLocaleString('en-US')} bytes (${MAX_UPLOAD_BYTES / MIB} MiB)`,
    );
  }
}

/**
 * Reads the upload's bytes through to the end as a run would, checking what a run checks of an
 * input: the header (against `uses`, the columns the config reads) and the records' framing.
 * Throws a SourceError whose message starts with `name: ` and ends, where the header lacks a column
 * the config reads, with `consequence`.
 */
export async function checkUploadRecords(
  chunks: AsyncIterable<Uint8Array>,
  name: string,
  format: FileFormat,
  uses: ColumnUses,
  consequence: string,
): Promise<CheckedUpload> {
  const opened = await openRecords(format, chunks, name);
  let warnings: string[];
  try {
    warnings = inputHeaderWarnings({ source: name, opened, mapping: resolveHeader(opened.header, name) }, uses, consequence);
  } catch (error) {
    // The records were never iterated: close the input explicitly.
    await opened.records[Symbol.asyncIterator]().return?.();
    throw error;
  }
  let rows = 0;
  await forEachRecord(opened.records, () => {
    rows++;
  });
  if (opened.recordKeys) warnings.push(...recordKeyWarnings(opened.recordKeys(), uses, name));
  return { format, header: opened.header, rows, warnings };
}

/** A check's message without the file's name in front: the one-line reason a manifest records. */
export function uploadProblem(error: unknown, name: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith(`${name}: `) ? message.slice(name.length + 2) : message;
}
