/**
 * Judging a publish from the store's side, for the fault matrices (docs/publishing.md): what a
 * reader can see of a run, what the run said about itself, and whether the two agree.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { PublishError, RunAlreadyPublishedError, RunHeldBackError } from '../../lambdas/errors.js';

/** What the store shows of one run. */
export type Visible =
  /** Every file present and matching the manifest's hashes, and latest.json names the run. */
  | 'complete'
  /** No manifest of the run, and latest.json unchanged. */
  | 'nothing'
  /** Complete files and manifest, latest.json unchanged: finished by the next attempt of the run. */
  | 'stored'
  /** Anything else: a manifest whose files do not match, latest.json on a partial or older run… */
  | 'inconsistent';

/** What the run reported: success, or the visibility its failure claims. */
export type Claim = 'success' | 'held-back' | 'nothing' | 'unknown' | 'stored' | 'pointer-unknown' | 'other';

/** The store as the judge reads it, bypassing any fault. */
export interface StoreView {
  /** The run's manifest text, or null. */
  manifest(): Promise<string | null>;
  /** A file of the run, or null. */
  file(name: string): Promise<Buffer | null>;
  /** latest.json's text now, or null. */
  latest(): Promise<string | null>;
}

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

export async function visibleState(store: StoreView, runId: string, latestBefore: string | null): Promise<Visible> {
  const manifestText = await store.manifest();
  const latestText = await store.latest();
  if (manifestText === null) return latestText === latestBefore ? 'nothing' : 'inconsistent';
  const manifest = JSON.parse(manifestText) as { runId: string; files: { name: string; sha256: string }[] };
  if (manifest.runId !== runId) return 'inconsistent';
  for (const entry of manifest.files) {
    const bytes = await store.file(entry.name);
    if (bytes === null || sha256(bytes) !== entry.sha256) return 'inconsistent';
  }
  if (latestText === latestBefore) return 'stored';
  const latest = JSON.parse(latestText ?? 'null') as { runId?: string; manifestSha256?: string } | null;
  return latest?.runId === runId && latest.manifestSha256 === sha256(manifestText) ? 'complete' : 'inconsistent';
}

/** The claim of a run that threw (Lambda) or returned. */
export function claimOf(error: unknown): Claim {
  if (error === undefined) return 'success';
  if (error instanceof RunHeldBackError) return 'held-back';
  if (error instanceof PublishError) return error.visible;
  if (error instanceof RunAlreadyPublishedError) return 'other';
  return 'other';
}

/** The claim of a CLI run, from its exit code and the one line it printed on stderr. */
export function claimOfCli(code: number, stderr: string): Claim {
  if (code === 0) return 'success';
  if (code === 7) return 'held-back';
  if (code !== 5) return 'other';
  if (/was not published: .*Nothing of the run is visible/.test(stderr)) return 'nothing';
  if (/was not published: .*may or may not be stored/.test(stderr)) return 'unknown';
  if (/is complete at .*, but .* was not moved to it/.test(stderr)) return 'stored';
  if (/is complete at .*flushing .* failed.*the run folder may be missing/.test(stderr)) return 'stored';
  if (/is complete at .*could not be confirmed/.test(stderr)) return 'pointer-unknown';
  if (/is complete at .*flushing .* failed.*may name the run before it/.test(stderr)) return 'pointer-unknown';
  return 'other';
}

/** Whether what the run said matches what the store shows. */
export function agrees(claim: Claim, visible: Visible): boolean {
  switch (claim) {
    case 'success':
      return visible === 'complete';
    case 'held-back':
    case 'stored':
      return visible === 'stored';
    case 'nothing':
      return visible === 'nothing';
    case 'unknown':
      return visible === 'nothing' || visible === 'stored';
    case 'pointer-unknown':
      return visible === 'stored' || visible === 'complete';
    default:
      return false;
  }
}

export interface CaseResult {
  readonly name: string;
  readonly claim: Claim;
  readonly visible: Visible | 'hung';
  /** What the next attempt (same run id for the Lambda, a new run for the CLI) left: it must be complete. */
  readonly after: Visible | 'not run';
}

export interface Totals {
  faults: number;
  complete: number;
  nothing: number;
  /**
   * Complete but not promoted when the attempt ended (its faults outlasted its retries), reported as
   * such; the next attempt ended complete (the Lambda: the same run finished; the CLI: a new run).
   */
  stored: number;
  inconsistent: number;
  hung: number;
}

export function tally(results: readonly CaseResult[]): Totals {
  const totals: Totals = { faults: results.length, complete: 0, nothing: 0, stored: 0, inconsistent: 0, hung: 0 };
  for (const result of results) {
    if (result.visible === 'hung') totals.hung++;
    else if (!agrees(result.claim, result.visible) || (result.after !== 'not run' && result.after !== 'complete')) totals.inconsistent++;
    else if (result.visible === 'complete') totals.complete++;
    else if (result.visible === 'nothing') totals.nothing++;
    else totals.stored++;
  }
  return totals;
}

/** The totals docs/publishing.md states for one path of the matrix (a row of its totals table). */
export function documentedTotals(path: string): Totals {
  const row = readFileSync('docs/publishing.md', 'utf8')
    .split('\n')
    .find((line) => line.startsWith(`| ${path} |`));
  if (!row) throw new Error(`docs/publishing.md has no totals row for "${path}"`);
  const [faults, complete, nothing, stored, inconsistent, hung] = row
    .split('|')
    .slice(2, 8)
    .map((cell) => Number(cell.trim()));
  return { faults: faults!, complete: complete!, nothing: nothing!, stored: stored!, inconsistent: inconsistent!, hung: hung! };
}

/**
 * What every fault matrix must show: nothing inconsistent or hung, every fault accounted for, each
 * kind of outcome reached (so the matrix is not trivially passing), and the totals docs/publishing.md
 * states for `path` (a change in the protocol's outcomes must update the doc).
 */
export function expectMatrixTotals(totals: Totals, path: string): void {
  console.info(`${path} fault matrix: ${JSON.stringify(totals)}`);
  expect(totals).toMatchObject({ inconsistent: 0, hung: 0 });
  expect(totals).toEqual(documentedTotals(path));
  expect(totals.complete + totals.nothing + totals.stored).toBe(totals.faults);
  expect(totals.complete).toBeGreaterThan(0);
  expect(totals.nothing).toBeGreaterThan(0);
  expect(totals.stored).toBeGreaterThan(0);
}
