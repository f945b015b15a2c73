/**
 * Names that the CDK app (lib/), the CLI (bin/) and the functions must spell the same way, in one
 * module with no imports so that each of them, the Lambda bundles included, can use it.
 */

/** A stage name: 1-32 lowercase letters, digits or '-', starting with a letter or digit (dev, prod). */
export const STAGE_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** The stage's KMS key, as lib/encryption-key.ts names it. */
export function stageKeyAlias(stage: string): string {
  return `alias/market-pulse-${stage}`;
}

/** The stage's backfill state machine, as lib/backfill.ts names it. */
export function backfillStateMachineName(stage: string): string {
  return `market-pulse-${stage}-backfill`;
}

/** Where results go in the bucket when RESULTS_PREFIX (or the `resultsPrefix` context key) is not set. */
export const DEFAULT_RESULTS_PREFIX = 'market-pulse';

/** The plain SSM parameter where the stack records the config document run-colors reads (`s3://bucket/key`), when it reads one. */
export function configLocationParameter(stage: string): string {
  return `/market-pulse/${stage}/config/location`;
}

/** The plain SSM parameter the stack sets to `s3://<results bucket>/<results prefix>`, where `market-pulse upload --stage` puts files. */
export function resultsLocationParameter(stage: string): string {
  return `/market-pulse/${stage}/results/url`;
}

/** The folder under the results prefix where files uploaded to a day go: `<prefix>/uploads/as-of=YYYY-MM-DD/<file>`. */
export const UPLOADS_FOLDER = 'uploads';

/** The content type of every JSON object written (manifest, latest.json, heartbeat, extract files). */
export const JSON_CONTENT_TYPE = 'application/json';
