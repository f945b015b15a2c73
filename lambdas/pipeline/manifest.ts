/**
 * The run manifest (README, "What a run writes"; docs/runbook.md, "Reading a run"): what ran, on
 * what, with which config, and what came out. It is the last file of a run to be written, so its
 * presence means the run is complete.
 */
import type { LoadedConfig } from './config.js';
import type { ManifestInput } from './input-counts.js';
import { OutputBuffer } from './outputs/output-buffer.js';
import type { OutputFile, WrittenFile } from './ports.js';
import type { RankingKey } from './ranking/order.js';

export const MANIFEST_FILE = 'manifest.json';

export interface RunWindow {
  /** Inclusive start instant (ISO-8601 UTC). */
  readonly start: string;
  /** Exclusive end instant (ISO-8601 UTC). */
  readonly end: string;
  readonly lookbackDays: number;
  readonly timeZone: string;
}

export interface RunCounts {
  readonly read: number;
  readonly ranked: number;
  readonly groups: number;
  readonly excluded: number;
  /** Rows per exclusion rule (and `duplicate`); a row matching several rules counts under each. */
  readonly excludedByRule: Readonly<Record<string, number>>;
  readonly rejected: number;
  /** Problems per reason; a row with several problems counts under each. */
  readonly rejectedByReason: Readonly<Record<string, number>>;
}

export interface ManifestFileEntry {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly rows: number;
  /** Where a file outside the run folder is, relative to the results prefix (the Athena tables, docs/queries.md). */
  readonly path?: string;
}

/** A file uploaded to the day that the run left out, and why (one line). */
export interface RejectedUpload {
  readonly key: string;
  /** The S3 version looked at; null in an unversioned bucket. */
  readonly versionId: string | null;
  readonly reason: string;
}

export interface Manifest {
  readonly manifestVersion: 1;
  readonly runId: string;
  readonly asOf: string;
  readonly source: string;
  /** A run over several inputs (`--input` given more than once, or the day's uploads): each input and its rows. */
  readonly inputs?: readonly ManifestInput[];
  /**
   * A run that looked for the day's uploads (run-colors): the files it left out and why; the files
   * it read are among `inputs`. Absent from runs that look for none (the CLI's `run`).
   */
  readonly rejectedUploads?: readonly RejectedUpload[];
  /** The run window for database sources; null when a file is processed whole. */
  readonly window: RunWindow | null;
  readonly timeZone: string;
  readonly counts: RunCounts;
  readonly files: readonly ManifestFileEntry[];
  readonly config: { readonly source: string; readonly sha256: string; readonly version: string | null; readonly versionId: string | null };
  readonly ranking: { readonly order: readonly RankingKey[]; readonly tieBreaks: string };
  /**
   * Why latest.json was not moved to this run (docs/publishing.md), or null when it may be. Absent
   * from manifests written before runs could be held back.
   */
  readonly heldBack?: string | null;
  readonly codeVersion: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
}

export function fileEntry(file: WrittenFile, rows: number, path?: string): ManifestFileEntry {
  return { name: file.name, bytes: file.bytes, sha256: file.sha256, rows, ...(path === undefined ? {} : { path }) };
}

export function renderManifest(manifest: Manifest): OutputFile {
  const out = new OutputBuffer();
  out.write(`${JSON.stringify(manifest, null, 2)}\n`);
  return out.finish(MANIFEST_FILE, 'application/json');
}

export function configSummary(loaded: LoadedConfig): Manifest['config'] {
  return { source: loaded.source, sha256: loaded.sha256, version: loaded.config.version, versionId: loaded.versionId ?? null };
}
