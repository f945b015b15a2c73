/**
 * Finding the runs a report compares with (docs/report.md): the previous published run of the same
 * as-of date — what its latest.json names before this run publishes — and the last run of the
 * previous date, the nearest earlier as-of date with a latest.json within
 * {@link PREVIOUS_DATE_LOOKBACK_DAYS} days (weekends and holidays have none).
 *
 * Both are read through {@link PublishedRuns}, which a folder and an S3 prefix implement alike.
 * Nothing here fails a run: a run that is absent, or cannot be read, becomes a comparison that says
 * so, and an unreadable one is also reported as a warning.
 */
import { createHash } from 'node:crypto';
import { parsePointer } from '../latest-pointer.js';
import { MANIFEST_FILE, type Manifest } from '../manifest.js';
import type { ComparedRun, Relation } from './changes.js';
import { PARENTS_FILE, parseParents } from './parents.js';

/** Read access to published runs, under the same layout the sinks write (docs/publishing.md). */
export interface PublishedRuns {
  /** The as-of date's latest.json, or null when there is none. */
  readLatest(asOf: string): Promise<Uint8Array | null>;
  /** A file of a published run, or null when there is none. */
  readRunFile(asOf: string, runId: string, name: string): Promise<Uint8Array | null>;
}

export const PREVIOUS_DATE_LOOKBACK_DAYS = 7;

export type PreviousRun =
  | { readonly relation: Relation; readonly status: 'found'; readonly run: ComparedRun }
  | { readonly relation: Relation; readonly status: 'none' | 'unreadable'; readonly note: string };

/** The same date's previous run and the previous date's last run, as found or why not. */
export async function findPreviousRuns(
  runs: PublishedRuns,
  asOf: string,
  runId: string,
  onWarning: (message: string) => void,
): Promise<PreviousRun[]> {
  const sameDate = await lookUp('same-date', onWarning, async () => {
    const pointer = await readPointer(runs, asOf);
    if (pointer === null) return `no run of ${asOf} was published before this one`;
    if (pointer.runId >= runId) return `latest.json of ${asOf} names run ${pointer.runId}, not one before this run`;
    return readRun(runs, asOf, pointer.runId, pointer.manifestSha256);
  });
  const previousDate = await lookUp('previous-date', onWarning, async () => {
    for (let back = 1; back <= PREVIOUS_DATE_LOOKBACK_DAYS; back++) {
      const date = daysBefore(asOf, back);
      const pointer = await readPointer(runs, date);
      if (pointer !== null) return readRun(runs, date, pointer.runId, pointer.manifestSha256);
    }
    return `no run was published for the ${PREVIOUS_DATE_LOOKBACK_DAYS} dates before ${asOf}`;
  });
  return [sameDate, previousDate];
}

/** Runs `find`, which gives the run or why there is none; an error becomes an unreadable lookup and a warning. */
async function lookUp(
  relation: Relation,
  onWarning: (message: string) => void,
  find: () => Promise<ComparedRun | string>,
): Promise<PreviousRun> {
  try {
    const found = await find();
    return typeof found === 'string' ? { relation, status: 'none', note: found } : { relation, status: 'found', run: found };
  } catch (error) {
    const note = `the ${relation === 'same-date' ? 'previous run of the same date' : "previous date's run"} could not be read: ${error instanceof Error ? error.message : String(error)}`;
    onWarning(`report: ${note}; the report says so and the run goes on`);
    return { relation, status: 'unreadable', note };
  }
}

async function readPointer(runs: PublishedRuns, asOf: string) {
  const bytes = await runs.readLatest(asOf);
  if (bytes === null) return null;
  const pointer = parsePointer(Buffer.from(bytes).toString('utf8'));
  if (pointer === null) throw new Error(`latest.json of ${asOf} is not a pointer`);
  return pointer;
}

async function readRun(runs: PublishedRuns, asOf: string, runId: string, manifestSha256: string): Promise<ComparedRun> {
  const manifestBytes = await runs.readRunFile(asOf, runId, MANIFEST_FILE);
  if (manifestBytes === null) throw new Error(`run ${runId} of ${asOf}, named by latest.json, has no ${MANIFEST_FILE}`);
  if (sha256(manifestBytes) !== manifestSha256) {
    throw new Error(`the ${MANIFEST_FILE} of run ${runId} of ${asOf} does not have the SHA-256 latest.json names`);
  }
  const manifest = JSON.parse(Buffer.from(manifestBytes).toString('utf8')) as Manifest;
  const listed = manifest.files.find((file) => file.name === PARENTS_FILE);
  if (listed === undefined) return { asOf, runId, counts: manifest.counts, parents: null };
  const parents = await runs.readRunFile(asOf, runId, PARENTS_FILE);
  if (parents === null) throw new Error(`run ${runId} of ${asOf} lists ${PARENTS_FILE} but it is missing`);
  if (sha256(parents) !== listed.sha256)
    throw new Error(`the ${PARENTS_FILE} of run ${runId} of ${asOf} does not have the SHA-256 its manifest lists`);
  return { asOf, runId, counts: manifest.counts, parents: parseParents(parents) };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The calendar date `days` before an ISO date. */
export function daysBefore(asOf: string, days: number): string {
  const [year, month, day] = asOf.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day - days)).toISOString().slice(0, 10);
}
