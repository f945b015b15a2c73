/**
 * changes.json: the report's "What changed" for machines (docs/report.md lists its fields), every
 * changed parent and every new and gone CUSIP, not only the first few; and the short summary a
 * run notification carries.
 */

import type { OutputRenderer } from '../outputs/renderer.js';
import type { OutputWriter } from '../ports.js';
import type { ChangeReason, Relation, RunComparison } from './changes.js';

export const CHANGES_FILE = 'changes.json';

export interface RunChanges {
  readonly changesVersion: 1;
  readonly asOf: string;
  readonly runId: string;
  readonly comparisons: readonly RunComparison[];
}

/** One comparison in a few numbers; `parentsChanged` and the CUSIP counts are null when parents were not compared. */
export interface ComparisonSummary {
  readonly relation: Relation;
  readonly status: RunComparison['status'];
  readonly against: RunComparison['against'];
  readonly parentsChanged: number | null;
  readonly changedByReason: Readonly<Record<ChangeReason, number>> | null;
  readonly newCusips: number | null;
  readonly goneCusips: number | null;
  readonly note: string | null;
}

export function changesJson(changes: RunChanges): OutputRenderer {
  return {
    name: CHANGES_FILE,
    contentType: 'application/json',
    rows: 0,
    // biome-ignore lint/correctness/useYield: renderers are generators so that long ones can pause; this one is written in one piece.
    *render(out: OutputWriter) {
      out.write(`${JSON.stringify(changes, null, 2)}\n`);
    },
  };
}

export function summarizeChanges(changes: RunChanges): ComparisonSummary[] {
  return changes.comparisons.map(({ relation, status, against, parents, note }) => ({
    relation,
    status,
    against,
    parentsChanged: parents?.changed.length ?? null,
    changedByReason: parents?.changedByReason ?? null,
    newCusips: parents?.newCusips.length ?? null,
    goneCusips: parents?.goneCusips.length ?? null,
    note,
  }));
}
