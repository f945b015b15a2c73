/**
 * The files `outputs.report` adds to a run (docs/report.md): parents.jsonl (what a later run compares
 * with), changes.json and report.html, and the summary of what changed for the run notification.
 * They render from counts, parents and the runs found before this one, never from the rows, and
 * stream to the sink after the run's other data files, like them.
 */
import { fileEntry } from '../manifest.js';
import type { OutputRenderer } from '../outputs/renderer.js';
import type { OutputWriter, WrittenFile } from '../ports.js';
import type { Ranking } from '../ranking/ranked.js';
import { CHANGES_FILE, type ComparisonSummary, changesJson, summarizeChanges } from './changes-json.js';
import { parentsJsonl, parentsOf } from './parents.js';
import { reportHtml } from './report-html.js';
import { type ReportInput, reportModel } from './report-model.js';

export interface ReportFiles {
  /** parents.jsonl, changes.json and report.html, in that order, to write after the run's other data files. */
  readonly files: readonly OutputRenderer[];
  readonly changes: readonly ComparisonSummary[];
}

/**
 * The report's files, written after the run's other data files. report.html lists the files
 * before it as they were written (their sizes and SHA-256s, as the manifest will record them),
 * so it is rendered only when the sink writes it; `rowsOf` gives each such file's rows.
 */
export function reportFiles(
  ranking: Ranking,
  input: Omit<ReportInput, 'parents' | 'files'>,
  rowsOf: (name: string) => number,
): ReportFiles {
  const parentRows = parentsOf(ranking);
  const parents = parentsJsonl(parentRows);
  const model = reportModel({ ...input, parents: parentRows, files: [] });
  const changes = { changesVersion: 1 as const, asOf: input.run.asOf, runId: input.run.runId, comparisons: model.comparisons };
  const html = reportHtml(model);
  const page: OutputRenderer = {
    name: html.name,
    contentType: html.contentType,
    rows: html.rows,
    readsEarlierFiles: true,
    *render(out: OutputWriter, before: readonly WrittenFile[] = []) {
      // Every file written before it but changes.json, which is written beside it.
      const files = before.filter((file) => file.name !== CHANGES_FILE).map((file) => fileEntry(file, rowsOf(file.name)));
      yield* reportHtml({ ...model, files }).render(out);
    },
  };
  return { files: [parents, changesJson(changes), page], changes: summarizeChanges(changes) };
}
