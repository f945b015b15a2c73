/**
 * Everything report.html and changes.json show, gathered from what a run already holds: its
 * counts, the excluded-row combinations it counted, its rejected rows, the per-dealer and
 * per-sector tallies of the read loop, its parents and the runs found before it. Nothing here
 * reads a row again (docs/report.md, "Cost").
 */

import { COLUMN_INDEX } from '../columns.js';
import type { Manifest, ManifestFileEntry, RunCounts } from '../manifest.js';
import type { RankingKey } from '../ranking/order.js';
import type { RejectedRow } from '../schema.js';
import { compareRuns, type RunComparison } from './changes.js';
import type { ParentRow } from './parents.js';
import type { PreviousRun } from './previous-runs.js';
import { merged, type RowTally, type ValueCount } from './row-tally.js';

/** Examples shown per rejection reason. */
export const REJECTION_EXAMPLES = 3;

/** The run's own facts, as its manifest will state them. */
export interface RunFacts {
  readonly runId: string;
  readonly asOf: string;
  /** What started the run, e.g. `scheduled`, `manual`; null when not said. */
  readonly trigger: string | null;
  readonly source: string;
  readonly window: Manifest['window'];
  readonly timeZone: string;
  readonly config: Manifest['config'];
  readonly order: readonly RankingKey[];
  readonly heldBack: string | null;
  readonly codeVersion: string;
}

export interface ReportInput {
  readonly run: RunFacts;
  readonly counts: RunCounts;
  /** Excluded rows per distinct list of matched rules. */
  readonly exclusions: ReadonlyMap<readonly string[], number>;
  /** In SOURCE_ROW order. */
  readonly rejected: readonly RejectedRow[];
  readonly tally: RowTally;
  readonly parents: readonly ParentRow[];
  /** The runs found before this one; null when none were looked up. */
  readonly previous: readonly PreviousRun[] | null;
  /** The run's other files, as the manifest lists them. */
  readonly files: readonly ManifestFileEntry[];
}

export interface DealerCount {
  readonly value: string | null;
  readonly rows: number;
  /** CUSIPs whose parent is this dealer's color. */
  readonly parents: number;
}

export interface RejectionReason {
  readonly reason: string;
  readonly rows: number;
  readonly examples: readonly { readonly sourceRow: number; readonly messageId: string | null; readonly cusip: string | null }[];
}

export interface HistogramBin {
  readonly label: string;
  readonly groups: number;
}

export interface ReportModel {
  readonly run: RunFacts;
  readonly counts: RunCounts;
  /** Rule combinations that excluded rows, two rules or more only, busiest first. */
  readonly overlaps: readonly { readonly rules: readonly string[]; readonly rows: number }[];
  readonly rejections: readonly RejectionReason[];
  readonly dealers: readonly DealerCount[];
  readonly sectors: readonly ValueCount[];
  readonly histogram: readonly HistogramBin[];
  readonly comparisons: readonly RunComparison[];
  readonly files: readonly ManifestFileEntry[];
}

/** Group sizes by bin: the bin's label and its largest size. */
const BINS: readonly [string, number][] = [
  ['1', 1],
  ['2', 2],
  ['3', 3],
  ['4', 4],
  ['5', 5],
  ['6–10', 10],
  ['11–20', 20],
  ['21–50', 50],
  ['51–100', 100],
  ['over 100', Infinity],
];

export function reportModel(input: ReportInput): ReportModel {
  return {
    run: input.run,
    counts: input.counts,
    overlaps: [...input.exclusions]
      .filter(([rules]) => rules.length > 1)
      .map(([rules, rows]) => ({ rules, rows }))
      .sort((a, b) => b.rows - a.rows),
    rejections: rejectionReasons(input.rejected),
    dealers: dealers(input.tally, input.parents),
    sectors: input.tally.bySector(),
    histogram: histogram(input.parents),
    comparisons: comparisons(input),
    files: input.files,
  };
}

function rejectionReasons(rejected: readonly RejectedRow[]): RejectionReason[] {
  const reasons = new Map<string, { rows: number; examples: RejectionReason['examples'][number][] }>();
  for (const row of rejected) {
    for (const reason of row.reasons) {
      let entry = reasons.get(reason);
      if (entry === undefined) {
        entry = { rows: 0, examples: [] };
        reasons.set(reason, entry);
      }
      entry.rows++;
      if (entry.examples.length < REJECTION_EXAMPLES) {
        entry.examples.push({
          sourceRow: row.sourceRow,
          messageId: row.raw[COLUMN_INDEX.MESSAGE_ID] ?? null,
          cusip: row.raw[COLUMN_INDEX.CUSIP] ?? null,
        });
      }
    }
  }
  return [...reasons].map(([reason, entry]) => ({ reason, ...entry })).sort((a, b) => b.rows - a.rows || (a.reason < b.reason ? -1 : 1));
}

function dealers(tally: RowTally, parents: readonly ParentRow[]): DealerCount[] {
  const parentSources = new Map<string | null, number>();
  for (const { source } of parents) {
    parentSources.set(source, (parentSources.get(source) ?? 0) + 1);
  }
  const parentCounts = new Map(merged(parentSources).map(({ value, rows }) => [value?.toUpperCase() ?? null, rows]));
  return tally.bySource().map(({ value, rows }) => ({ value, rows, parents: parentCounts.get(value?.toUpperCase() ?? null) ?? 0 }));
}

function histogram(parents: readonly ParentRow[]): HistogramBin[] {
  const counts = BINS.map(() => 0);
  for (const { groupSize } of parents) counts[BINS.findIndex(([, largest]) => groupSize <= largest)]!++;
  return BINS.map(([label], index) => ({ label, groups: counts[index]! }));
}

function comparisons(input: ReportInput): RunComparison[] {
  if (input.previous === null) {
    return (['same-date', 'previous-date'] as const).map((relation) => ({
      relation,
      status: 'none',
      note: 'previous runs were not looked up (a dry run, or a run without access to published runs)',
      against: null,
      counts: null,
      parents: null,
    }));
  }
  return input.previous.map((previous) =>
    previous.status === 'found'
      ? compareRuns(previous.relation, previous.run, { counts: input.counts, parents: input.parents }, input.run.order)
      : { relation: previous.relation, status: previous.status, note: previous.note, against: null, counts: null, parents: null },
  );
}
