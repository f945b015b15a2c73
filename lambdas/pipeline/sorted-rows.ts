/**
 * What reading a run's input yields (read-run.ts): every row read lands in exactly one place — kept for
 * ranking, excluded (with the rules it matched), or rejected — and, for the report, the ranked rows
 * per dealer and sector. Filled row by row on one thread, or
 * chunk by chunk in file order from worker threads (parallel/), with the same result.
 */

import type { RunConfig } from './config.js';
import type { SpillFile } from './ranking/spill-file.js';
import { RankingTable } from './ranking/table.js';
import { RowTally } from './report/row-tally.js';
import type { ColorRow, HeaderMapping, RejectedRow } from './schema.js';

export class SortedRows {
  read = 0;
  readonly kept: RankingTable;
  readonly excluded: RankingTable;
  /** Per excluded row (by table index): the rules it matched, `;`-separated. */
  readonly excludedBy: string[] = [];
  /** Excluded rows per distinct list of matched rules. */
  readonly exclusions = new Map<readonly string[], number>();
  readonly rejected: RejectedRow[] = [];
  /** Ranked rows per dealer and sector, for the report; undefined without one. */
  readonly tally: RowTally | undefined;
  // rules.match returns a fresh list per excluded row; keep one shared list and its text per combination.
  private readonly combinations = new Map<string, { names: readonly string[]; text: string }>();
  private spill: SpillFile | undefined;

  constructor(config: RunConfig) {
    this.kept = new RankingTable(config.ranking.order);
    this.excluded = new RankingTable(config.ranking.order);
    this.tally = config.outputs.report ? new RowTally() : undefined;
  }

  /** Rows added from now on with `addPrepared` keep their lines in `file` (RankingTable.spillLinesTo), until {@link release}. */
  spillLinesTo(file: SpillFile, windowBytes?: number): void {
    this.spill = file;
    this.kept.spillLinesTo(file, windowBytes);
    this.excluded.spillLinesTo(file, windowBytes);
  }

  /** Waits until every line spilled so far is in the spill file, if the rows have one; fails if one could not be written. */
  async flush(): Promise<void> {
    await this.spill?.flush();
  }

  /** Frees the spill file, if the rows have one; their rankings are not to be read after. */
  async release(): Promise<void> {
    await this.spill?.close();
  }

  keep(row: ColorRow): void {
    this.kept.add(row);
    this.tally?.add(row);
  }

  exclude(row: ColorRow, names: readonly string[]): void {
    this.excluded.add(row);
    this.countExcluded(names);
  }

  /** Records the rules matched by the excluded row just added to {@link excluded}. */
  countExcluded(names: readonly string[]): void {
    const text = names.join(';');
    let combination = this.combinations.get(text);
    if (combination === undefined) {
      combination = { names, text };
      this.combinations.set(text, combination);
    }
    this.excludedBy.push(combination.text);
    this.exclusions.set(combination.names, (this.exclusions.get(combination.names) ?? 0) + 1);
  }
}

/** What reading the rows elsewhere (on worker threads: parallel/) needs to know of the run. */
export interface RowsJob {
  readonly source: string;
  readonly header: readonly string[];
  readonly mapping: HeaderMapping;
  readonly config: RunConfig;
  readonly onProgress?: ((rowsRead: number) => void) | undefined;
  readonly onWarning?: ((message: string) => void) | undefined;
  readonly progressEvery: number;
}

/** Reads the run's rows elsewhere, or returns undefined to have read-run.ts read them on this thread. */
export type ReadRowsElsewhere = (job: RowsJob) => Promise<SortedRows | undefined>;
