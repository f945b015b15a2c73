/**
 * The files uploaded to a day join every run of that day (docs/runbook.md "Adding a file to a
 * day"): each listed upload is read once, at its listed version, and checked as a run reads an
 * input (pipeline/upload-check.ts); the ones that pass are read again in the run, after the Oracle
 * window, as one union of inputs — deduplicated, excluded and ranked as one set. One that fails (a
 * name no reader takes, too large, not a workbook, a wrong header, unreadable) is left out with a
 * one-line reason for the manifest and a warning in the log: the Oracle rows publish regardless.
 * A failure that says nothing about the file (a timeout, a 5xx) is thrown, and the run is tried again.
 */
import type { UploadStore } from '../adapters/s3/day-uploads.js';
import { SourceError } from '../errors.js';
import type { Log } from '../log.js';
import type { ColumnUses } from '../pipeline/column-check.js';
import type { RejectedUpload } from '../pipeline/manifest.js';
import type { ColorSource } from '../pipeline/ports.js';
import { MIB } from '../pipeline/text.js';
import { UnionSource } from '../pipeline/union-source.js';
import { checkUploadRecords, checkUploadSize, MAX_DAY_UPLOAD_BYTES, uploadFormat, uploadProblem } from '../pipeline/upload-check.js';
import { UploadSource } from '../pipeline/upload-source.js';

/** Where a check's message about a missing column ends. */
const LEFT_OUT = 'the upload is left out of the run';

export interface DayUploads {
  /** The uploads that passed, in key order, each read again when the run reaches it. */
  readonly sources: readonly ColorSource[];
  readonly rejected: readonly RejectedUpload[];
}

/** Lists the day's uploads and checks each; `uses` are the columns the run's config reads. */
export async function gatherDayUploads(store: UploadStore, asOf: string, uses: ColumnUses, log: Log): Promise<DayUploads> {
  const sources: ColorSource[] = [];
  const rejected: RejectedUpload[] = [];
  // What the joined uploads come to: the run holds a workbook whole while it reads it.
  let total = 0;
  for (const upload of await store.list(asOf)) {
    const { key, versionId } = upload;
    const name = store.describe(key);
    try {
      const format = uploadFormat(name);
      checkUploadSize(name, upload.bytes);
      if (total + upload.bytes > MAX_DAY_UPLOAD_BYTES) {
        throw new SourceError(`${name}: with it, the uploads this run reads would come to more than ${MAX_DAY_UPLOAD_BYTES / MIB} MiB`);
      }
      const checked = await checkUploadRecords(await store.read(upload), name, format, uses, LEFT_OUT);
      sources.push(new UploadSource(name, { key, versionId }, checked, () => store.read(upload)));
      total += upload.bytes;
    } catch (error) {
      if (!(error instanceof SourceError)) throw error;
      const reason = uploadProblem(error, name);
      rejected.push({ key, versionId, reason });
      log.warn('upload left out of the run', { asOf, key, versionId, reason });
    }
  }
  if (sources.length > 0 || rejected.length > 0) {
    log.info('day uploads', { asOf, joined: sources.map((source) => source.origin?.key), rejected: rejected.length });
  }
  return { sources, rejected };
}

/** The run's source: the Oracle window alone, or followed by the uploads that passed. */
export function withUploads(oracle: ColorSource, uploads: DayUploads, uses: ColumnUses): ColorSource {
  return uploads.sources.length === 0 ? oracle : new UnionSource([oracle, ...uploads.sources], uses);
}
