/**
 * The Athena table files of a run (outputs.parquet), placed, to render as the sink writes them: what run.ts loads with a
 * dynamic import, only for a run that asks for them. The writer is then a chunk of its own, outside
 * the code every run loads: in the CLI (`npm run build` splits it off) and in the run-colors Lambda,
 * whose bundle leaves this module out and gets it as `parquet/table-outputs.mjs` beside it
 * (lib/job-function.ts, `chunks`), keeping the bundle under its size target (docs/benchmarks.md).
 */

import type { PlacedFile } from '../ports.js';
import type { Ranking } from '../ranking/ranked.js';
import type { RejectedRow } from '../schema.js';
import { colorsParquet, excludedParquet, rejectedParquet, type TableFileContext } from './renderers.js';
import { tableFilePath } from './table-files.js';

export interface TableFile extends PlacedFile {
  readonly rows: number;
}

export function tableFiles(
  ranking: Ranking,
  excluded: Ranking,
  excludedBy: readonly string[],
  rejected: readonly RejectedRow[],
  context: TableFileContext,
): TableFile[] {
  return [colorsParquet(ranking, context), excludedParquet(excluded, excludedBy, context), rejectedParquet(rejected, context)].map(
    (renderer) => ({
      file: renderer,
      rows: renderer.rows,
      path: tableFilePath(renderer.table, context.asOf, context.runId),
    }),
  );
}
