/**
 * `latest.json`: the pointer a reader follows to an as-of date's newest complete run. It moves only
 * after the run's manifest exists, so following it never lands on a partial run.
 */
import type { OutputFile } from './ports.js';

export const LATEST_FILE = 'latest.json';

export interface LatestPointer {
  readonly asOf: string;
  readonly runId: string;
  /** The manifest's path relative to the as-of folder, e.g. `run-id=…/manifest.json`. */
  readonly manifest: string;
  readonly manifestSha256: string;
  readonly publishedAt: string;
}

export function runFolder(runId: string): string {
  return `run-id=${runId}`;
}

export function asOfFolder(asOf: string): string {
  return `as-of=${asOf}`;
}

export function latestPointer(asOf: string, runId: string, manifest: OutputFile, publishedAt: Date): LatestPointer {
  return {
    asOf,
    runId,
    manifest: `${runFolder(runId)}/${manifest.name}`,
    manifestSha256: manifest.sha256,
    publishedAt: publishedAt.toISOString(),
  };
}
