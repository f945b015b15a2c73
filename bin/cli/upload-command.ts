/**
 * `market-pulse upload`: adds a file to a day of a deployed stage (docs/runbook.md, "Adding a file
 * to a day"). The file is checked here first, as a run would check it (lambdas/pipeline/upload-check.ts),
 * so a bad one fails before anything is sent, with the run's exit code and reason; then it is put
 * create-only (`If-None-Match: *`), with its SHA-256 for S3 to verify and the bucket's encryption,
 * at `<prefix>/uploads/as-of=<date>/<file name>`. The bucket reports it, and a run of the date
 * follows within about a minute (lib/upload-trigger.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { createS3Client } from '../../lambdas/adapters/s3/client.js';
import { describeS3Error, isPreconditionFailed } from '../../lambdas/adapters/s3/errors.js';
import { objectBody, S3Objects } from '../../lambdas/adapters/s3/objects.js';
import { joinKey, s3Url } from '../../lambdas/adapters/s3-location.js';
import { PublishError, SourceError, UploadExistsError, UsageError } from '../../lambdas/errors.js';
import { parseAsOf } from '../../lambdas/pipeline/as-of.js';
import { columnUses } from '../../lambdas/pipeline/column-check.js';
import { asOfFolder, LATEST_FILE } from '../../lambdas/pipeline/latest-pointer.js';
import type { FileFormat } from '../../lambdas/pipeline/readers/open-records.js';
import {
  checkUploadColumns,
  checkUploadSize,
  dayUploadsFolder,
  readUploadRecords,
  uploadFormat,
} from '../../lambdas/pipeline/upload-check.js';
import { requireRegion } from './aws-region.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { checkStage, rejectEmptyOptions } from './options.js';
import { stageConfig, stageResults } from './stage-results.js';

export const UPLOAD_HELP = `Usage: market-pulse upload --stage <stage> --as-of YYYY-MM-DD <file.xlsx|file.csv|file.jsonl>

Adds a file of colors to a day of a deployed stage: it joins every run of that as-of date (the
scheduled one, backfills, manual runs), ranked with the Oracle rows as one set, and a run of the
date starts within about a minute of the upload.

The file is checked first as a run reads it — a workbook that is one, a header with MESSAGE_ID,
CUSIP, DATE and every column the stage's config reads, records a reader gets through — so a bad
file is refused here, before anything is sent. Then it is put, create-only, at
<resultsPrefix>/uploads/as-of=<date>/<file name> in the stage's results bucket (found through the
SSM parameter /market-pulse/<stage>/results/url); a file of that name already there for that
date is never overwritten: give the new one another name.

Options:
  --stage <stage>    the deployed stage
  --as-of <date>     the as-of date the file's colors belong to
  -h, --help         show this help

Prints the key, the S3 version id, and where the run of that date will land. Uses the standard
AWS credential chain; the role needs the stage's market-pulse-<stage>-uploader policy.
Exit codes: ${EXIT.ok} uploaded, ${EXIT.failed} SSM or S3 failed, ${EXIT.usage} usage (also: no AWS region set, the stage not
deployed), ${EXIT.config} the stage's config document is invalid, ${EXIT.source} the file is refused (the reason says why),
${EXIT.publish} the upload failed (nothing stored), ${EXIT.uploadExists} the day already has a file of that name (nothing overwritten).`;

const CONTENT_TYPES: Readonly<Record<FileFormat, string>> = {
  csv: 'text/csv',
  jsonl: 'application/x-ndjson',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** What a refusal for a missing column the config reads ends with. */
const NOTHING_UPLOADED = 'nothing was uploaded';

export async function uploadCommand(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { stage: { type: 'string' }, 'as-of': { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  rejectEmptyOptions(values);
  const missing = (['stage', 'as-of'] as const).filter((name) => values[name] === undefined);
  if (missing.length > 0)
    throw new UsageError(`upload needs ${missing.map((name) => `--${name}`).join(', ')} (see market-pulse upload --help)`);
  if (positionals.length !== 1) throw new UsageError('upload takes exactly one file (see market-pulse upload --help)');
  const stage = checkStage(values.stage!);
  const asOf = parseAsOf(values['as-of']!);
  const path = positionals[0]!;

  // Everything the file alone decides, before any request.
  const name = basename(path);
  const format = uploadFormat(path);
  const bytes = await readLocalFile(path);
  const read = await readUploadRecords(chunksOf(bytes), path, format);

  // Then the columns the stage's config reads, as its run-colors reads that config.
  const results = await stageResults(stage);
  const s3 = createS3Client();
  await requireRegion(s3);
  const { config } = await stageConfig(results, s3);
  const checked = checkUploadColumns(read, path, columnUses(config.ranking.order, config.rules), NOTHING_UPLOADED);
  for (const warning of checked.warnings) io.err(`warning: ${warning}`);

  const key = joinKey(results.prefix, `${dayUploadsFolder(asOf)}${name}`);
  const where = s3Url(results.bucket, key);
  let versionId: string | undefined;
  try {
    // No KMS settings: the bucket's default encryption (the stage key) applies, as for every CLI write.
    const stored = await new S3Objects({ client: s3, bucket: results.bucket }).put(key, objectBody(bytes, CONTENT_TYPES[format]), 'create');
    versionId = stored.VersionId;
  } catch (error) {
    if (isPreconditionFailed(error)) {
      throw new UploadExistsError(
        `${where} already exists; nothing was overwritten. Upload the file under another name (${asOf} keeps both)`,
      );
    }
    throw new PublishError(`uploading ${path} to ${where} failed: ${describeS3Error(error)}; nothing was stored`, { cause: error });
  } finally {
    s3.destroy();
  }
  const runs = s3Url(results.bucket, joinKey(results.prefix, `runs/${asOfFolder(asOf)}`));
  io.out(`Uploaded ${path} (${checked.rows.toLocaleString('en-US')} rows) for as-of ${asOf}`);
  io.out(`  key:     ${where}`);
  io.out(`  version: ${versionId ?? '(none: the bucket is not versioned)'}`);
  io.out(`  run:     a run of ${asOf} starts within about a minute and lands under ${runs}/run-id=<id>/`);
  io.out(`  latest:  ${runs}/${LATEST_FILE} names it once it is published; its manifest lists this file with its version`);
}

/** The file's bytes, once it is known to be a file no larger than an upload may be. */
async function readLocalFile(path: string): Promise<Buffer> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new SourceError(error.code === 'ENOENT' ? `file not found: ${path}` : `${path} cannot be read: ${error.message}`, {
      cause: error,
    });
  });
  if (!info.isFile()) throw new SourceError(`${path} is not a file; give a .csv, .jsonl, .ndjson or .xlsx file`);
  checkUploadSize(path, info.size);
  return readFile(path);
}

async function* chunksOf(bytes: Buffer): AsyncGenerator<Uint8Array> {
  yield bytes;
}
