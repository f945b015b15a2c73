/**
 * The files `outputs.report` adds to a run (docs/report.md): parents.csv (what a later run compares
 * with), changes.json and report.html, and the summary of what changed for the run notification.
 * They render from counts, parents and the runs found before this one, never from the rows.
 */
import type { OutputRenderer } from '../outputs/renderer.js';
import type { Ranking } from '../ranking/ranked.js';
import { changesJson, summarizeChanges, type ComparisonSummary } from './changes-json.js';
import { parentsCsv, parentsOf } from './parents.js';
import { reportHtml } from './report-html.js';
import { reportModel, type ReportInput } from './report-model.js';

export interface ReportFiles {
  /** parents.csv: its rows are known before the report, which lists it. */
  readonly parents: OutputRenderer;
  /** changes.json and report.html, given the run's other files as the manifest lists them. */
  pages(files: ReportInput['files']): { readonly renderers: readonly OutputRenderer[]; readonly changes: readonly ComparisonSummary[] };
}

export function reportFiles(ranking: Ranking, input: Omit<ReportInput, 'parents' | 'files'>): ReportFiles {
  const parents = parentsOf(ranking);
  return {
    parents: parentsCsv(ranking),
    pages(files) {
      const model = reportModel({ ...input, parents, files });
      const changes = { changesVersion: 1 as const, asOf: input.run.asOf, runId: input.run.runId, comparisons: model.comparisons };
      return { renderers: [changesJson(changes), reportHtml(model)], changes: summarizeChanges(changes) };
    },
  };
}
