/**
 * Held back, not promoted (docs/publishing.md): a run with no ranked rows, or whose rejected rows
 * exceed `publish.maxRejectedRatio` of the rows read, is published with its manifest — its
 * rejected.csv is the diagnosis — but latest.json does not move to it, so a header-only file or a
 * feed with every date in the wrong format never replaces a good run.
 */
import type { RunCounts } from './manifest.js';

export const DEFAULT_MAX_REJECTED_RATIO = 0.5;

/** Why a run with these counts is held back, or null when it may be promoted. */
export function holdBackReason(
  counts: Pick<RunCounts, 'read' | 'ranked' | 'excluded' | 'rejected'>,
  maxRejectedRatio: number,
): string | null {
  const n = (value: number) => value.toLocaleString('en-US');
  if (counts.ranked === 0) {
    if (counts.read === 0) return 'no ranked rows: the input has no data rows';
    return `no ranked rows (${n(counts.read)} read: ${n(counts.excluded)} excluded, ${n(counts.rejected)} rejected)`;
  }
  if (counts.rejected > counts.read * maxRejectedRatio) {
    const percent = Math.round((counts.rejected / counts.read) * 1000) / 10;
    return `${n(counts.rejected)} of ${n(counts.read)} rows rejected (${percent}%), more than publish.maxRejectedRatio ${maxRejectedRatio}`;
  }
  return null;
}
