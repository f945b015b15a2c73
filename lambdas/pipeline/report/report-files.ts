/**
 * The files `outputs.report` adds to a run (docs/report.md): parents.jsonl (what a later run compares
 * with), changes.json and report.html, and the summary of what changed for the run notification.
 * They render from counts, parents and the runs found before this one, never from the rows; what
 * they were made from is garbage once they are rendered, before the run publishes.
 */
import type { ManifestFileEntry } from '../manifest.js';
import { renderFile } from '../outputs/renderer.js';
import type { OutputFile } from '../ports.js';
import type { Ranking } from '../ranking/ranked.js';
import { type ComparisonSummary, changesJson, summarizeChanges } from './changes-json.js';
import { parentsJsonl, parentsOf } from './parents.js';
import { reportHtml } from './report-html.js';
import { type ReportInput, reportModel } from './report-model.js';

export interface RenderedReport {
  /** parents.jsonl, changes.json and report.html, in that order, with their rows. */
  readonly files: readonly { readonly file: OutputFile; readonly rows: number }[];
  readonly changes: readonly ComparisonSummary[];
}

/** Renders the report's files after the run's other files, which `entries` lists as the manifest will. */
export function renderReport(
  ranking: Ranking,
  input: Omit<ReportInput, 'parents' | 'files'>,
  entries: readonly ManifestFileEntry[],
): RenderedReport {
  const parents = parentsJsonl(ranking);
  const parentsFile = { file: renderFile(parents), rows: parents.rows };
  const files = [
    ...entries,
    { name: parentsFile.file.name, bytes: parentsFile.file.bytes, sha256: parentsFile.file.sha256, rows: parentsFile.rows },
  ];
  const model = reportModel({ ...input, parents: parentsOf(ranking), files });
  const changes = { changesVersion: 1 as const, asOf: input.run.asOf, runId: input.run.runId, comparisons: model.comparisons };
  const pages = [changesJson(changes), reportHtml(model)].map((renderer) => ({ file: renderFile(renderer), rows: renderer.rows }));
  return { files: [parentsFile, ...pages], changes: summarizeChanges(changes) };
}
