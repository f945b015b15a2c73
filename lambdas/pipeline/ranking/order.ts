/**
 * The ranking order (docs/configuration.md, `ranking.order`): rows are grouped by normalized CUSIP
 * and ordered within a group by the configured keys, then by the tie-breaks, which make the order
 * total, so it never depends on the order the rows arrived in (README, "What a run writes").
 *
 * - Nulls sort last in every key, whatever its direction.
 * - Text keys compare trimmed and case-insensitively (text.ts), by UTF-16 code units.
 * - Ids compare numerically, decimals by exact value, dates as instants.
 * - The tie-breaks: MESSAGE_ID ascending, then every column's output text in column order.
 *
 * table.ts computes this order for a million rows; test/helpers/ranking-reference.ts states it as a
 * plain comparator, and the property tests hold the two to each other.
 */
import type { ColumnName } from '../columns.js';

export interface RankingKey {
  readonly column: ColumnName;
  readonly direction: 'asc' | 'desc';
}

/** Rank → Date → Price: best rank first, then newest, then highest price. */
export const DEFAULT_RANKING_ORDER: readonly RankingKey[] = [
  { column: 'RANK', direction: 'asc' },
  { column: 'DATE', direction: 'desc' },
  { column: 'PX', direction: 'desc' },
];

/** The first tie-break, appended to every configured order. */
export const MESSAGE_ID_KEY: RankingKey = { column: 'MESSAGE_ID', direction: 'asc' };

/** The tie-breaks as the manifest records them. */
export const TIE_BREAKS = 'MESSAGE_ID asc (numeric), then every column in input-column order by output text; nulls last';
