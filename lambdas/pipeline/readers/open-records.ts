/**
 * A file's format from its name, and its bytes opened as records with that format's reader: the one
 * place that maps `.csv`, `.jsonl`/`.ndjson` and `.xlsx` to a reader, for a local file
 * (adapters/file-source.ts) and for a file uploaded to a day in S3 (run-colors/day-uploads.ts) alike.
 */
import { extname } from 'node:path';
import type { OpenedSource } from '../ports.js';
import { readCsvRecords } from './csv-reader.js';
import { readJsonlRecords } from './jsonl-reader.js';
import { readXlsxRecords } from './xlsx-reader.js';

export type FileFormat = 'csv' | 'jsonl' | 'xlsx';

const EXTENSIONS: Readonly<Record<string, FileFormat>> = { '.csv': 'csv', '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.xlsx': 'xlsx' };

/** What to name the file instead, for a message about a name no reader takes. */
export const SUPPORTED_EXTENSIONS = 'use .csv for CSV, .jsonl / .ndjson for JSON Lines, or .xlsx for an Excel workbook';

/** The format a file name's extension (any case) implies, or undefined for one no reader takes. */
export function formatOfName(name: string): FileFormat | undefined {
  return EXTENSIONS[extname(name).toLowerCase()];
}

/** Why a name has no format: its extension, or the lack of one. */
export function unsupportedName(name: string): string {
  const extension = extname(name);
  return `${extension ? `unsupported extension "${extension}"` : 'no file extension'}; ${SUPPORTED_EXTENSIONS}`;
}

export interface OpenRecordsOptions {
  /** For a workbook: the sheet to read (the first by default). */
  readonly sheet?: string;
}

/** Opens the bytes with the format's reader; `source` names the input in errors. */
export function openRecords(
  format: FileFormat,
  chunks: AsyncIterable<Uint8Array>,
  source: string,
  options: OpenRecordsOptions = {},
): Promise<OpenedSource> {
  if (format === 'xlsx') return readXlsxRecords(chunks, source, options.sheet === undefined ? {} : { sheet: options.sheet });
  return format === 'csv' ? readCsvRecords(chunks, source) : readJsonlRecords(chunks, source);
}
