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
import { type ColumnUses, headerColumnWarnings, recordKeyWarnings } from './column-check.js';
import { asOfFolder } from './latest-pointer.js';
import type { RecordKeys } from './ports.js';
import { type FileFormat, formatOfName, openRecords, unsupportedName } from './readers/open-records.js';
import { forEachRecord } from './readers/pull-records.js';
import { WORKBOOK_LIMITS } from './readers/workbook-guard.js';
import { resolveHeader } from './schema.js';
import { MIB } from './text.js';

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

/** An upload read through, its columns not yet checked against a config. */
export interface ReadUpload extends CheckedUpload {
  /** JSON Lines: the keys its records held (ports.ts RecordKeys), which stand for its header. */
  readonly recordKeys?: RecordKeys;
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
 * Reads the upload's bytes through to the end as a run would: the header must have the required
 * columns (MESSAGE_ID, CUSIP, DATE) and every record must be framed so the reader gets past it.
 * Throws a SourceError whose message starts with `name: `. Needs no config.
 */
export async function readUploadRecords(chunks: AsyncIterable<Uint8Array>, name: string, format: FileFormat): Promise<ReadUpload> {
  const opened = await openRecords(format, chunks, name);
  try {
    resolveHeader(opened.header, name);
  } catch (error) {
    // The records were never iterated: close the input explicitly.
    await opened.records[Symbol.asyncIterator]().return?.();
    throw error;
  }
  let rows = 0;
  await forEachRecord(opened.records, () => {
    rows++;
  });
  const recordKeys = opened.recordKeys?.();
  return { format, header: opened.header, rows, warnings: opened.warnings ?? [], ...(recordKeys ? { recordKeys } : {}) };
}

/**
 * Checks a read upload against the columns the config reads (`uses`), as a run checks an input:
 * a header that lacks one throws a SourceError ending with `consequence`; the rest is warnings.
 */
export function checkUploadColumns(read: ReadUpload, name: string, uses: ColumnUses, consequence: string): CheckedUpload {
  const { recordKeys, ...upload } = read;
  const warnings = recordKeys
    ? recordKeyWarnings(recordKeys, uses, name)
    : [...read.warnings, ...headerColumnWarnings(resolveHeader(read.header, name), uses, name, consequence)];
  return { ...upload, warnings };
}

/** {@link readUploadRecords}, then {@link checkUploadColumns}: what a run asks of an upload before it joins. */
export async function checkUploadRecords(
  chunks: AsyncIterable<Uint8Array>,
  name: string,
  format: FileFormat,
  uses: ColumnUses,
  consequence: string,
): Promise<CheckedUpload> {
  return checkUploadColumns(await readUploadRecords(chunks, name, format), name, uses, consequence);
}

/** A check's message without the file's name in front: the one-line reason a manifest records. */
export function uploadProblem(error: unknown, name: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith(`${name}: `) ? message.slice(name.length + 2) : message;
}
