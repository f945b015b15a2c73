/**
 * Where the Athena table files of a run go (docs/queries.md, "The file contract"), apart from the
 * run folder because Athena reads every object under a partition's location:
 *
 *   tables/<table>/as-of=YYYY-MM-DD/run-id=<id>/<table>.parquet   written create-only before the manifest
 *   tables/latest/as-of=YYYY-MM-DD/latest.json                    a copy of the as-of folder's latest.json
 *
 * Paths are relative to the results prefix (or folder). The copy of latest.json follows the pointer
 * by the same forward-only compare-and-swap (latest-pointer.ts): it is brought up to what
 * latest.json names, never back, so it can lag behind latest.json (until the next run or retry of
 * the date moves it) but never name an older run than it.
 */
import { type RunTableName, tableFolder } from '../../../lib/run-tables.js';
import {
  asOfFolder,
  LATEST_FILE,
  movePointerForward,
  type PointerOutcome,
  type PointerRetry,
  type PointerStore,
  runFolder,
} from '../latest-pointer.js';

export function tableFilePath(table: RunTableName, asOf: string, runId: string): string {
  return `${tableFolder(table)}/${asOfFolder(asOf)}/${runFolder(runId)}/${table}.parquet`;
}

/** The folder of the as-of date's latest.json copy, and the copy itself. */
export function latestCopyFolder(asOf: string): string {
  return `${tableFolder('latest')}/${asOfFolder(asOf)}`;
}

export function latestCopyPath(asOf: string): string {
  return `${latestCopyFolder(asOf)}/${LATEST_FILE}`;
}

/**
 * Brings the copy up to the run latest.json names, byte for byte (both are rendered by
 * renderPointer from the same fields). Returns what the copy names afterwards, or null when there
 * is no latest.json to copy.
 */
export async function followLatest<A, B>(
  latest: PointerStore<A>,
  copy: PointerStore<B>,
  retry: PointerRetry,
): Promise<PointerOutcome | null> {
  const pointer = (await latest.read())?.pointer ?? null;
  if (pointer === null) return null;
  return movePointerForward(copy, pointer, () => pointer, retry);
}
