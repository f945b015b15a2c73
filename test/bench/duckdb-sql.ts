/**
 * The Run Colors job as one DuckDB query, for the benchmark's side-by-side: read the CSV (every
 * column as VARCHAR), check each row as the run does (docs/configuration.md), drop the rows
 * test/bench/bench-config.json excludes, and rank with row_number() over the same partition and
 * order as the product.
 *
 * Definitions are aligned with the product so the comparison is honest (see docs/benchmarks.md for
 * what is left): the same regular expressions for ids, numbers and dates; a row any column of which
 * fails is rejected, not cast to NULL; text compares trimmed and upper-cased; nulls sort last.
 * Timestamps in the bench file carry no zone, so they are compared as local wall times, which is
 * the product's order for one zone away from a daylight-saving change.
 */

const COLUMNS = [
  'MESSAGE_ID',
  'TICKER',
  'SECTOR',
  'CUSIP',
  'DATE',
  'PRICE_LEVEL',
  'BID',
  'ASK',
  'PX',
  'COV_PRICE',
  'PERCENT_DIFF',
  'PRICE_DIFF',
  'SOURCE',
  'BIAS',
  'RANK',
  'CONFIDENCE',
  'DATE_1',
  'DIFF_STATUS',
] as const;
const TEXT = ['TICKER', 'SECTOR', 'CUSIP', 'SOURCE', 'BIAS', 'DIFF_STATUS'];
const DECIMALS = ['PRICE_LEVEL', 'BID', 'ASK', 'PX', 'COV_PRICE', 'PERCENT_DIFF', 'PRICE_DIFF'];
const DATES = ['DATE', 'DATE_1'];

// The product's grammars (lambdas/pipeline/values.ts), in RE2 syntax.
const ID = '[0-9]{1,19}';
const DECIMAL = '[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?';
const INTEGER = '[+-]?[0-9]+';
// ISO date or date-time without a zone; hours, minutes and seconds in range (DuckDB's own cast
// would take 24:00:00 as the next midnight, and silently drop a zone offset).
const DATE = '[0-9]{4}-[0-9]{2}-[0-9]{2}([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?)?';

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
/** Empty or blank (spaces) is null, as docs/rules.md ("Empty values") says. */
const present = (column: string) => `nullif(trim(${column}), '')`;
const norm = (column: string) => `upper(trim(${column}))`;

/** Each column's output text (what the product writes) and each typed value, plus `ok`. */
function typedColumns(): string {
  // `src.` names the raw column: DuckDB would otherwise let a later item read an earlier alias.
  const raw = (column: string) => present(`src.${column}`);
  const parts: string[] = [];
  for (const column of COLUMNS) {
    if (TEXT.includes(column)) parts.push(`CASE WHEN ${raw(column)} IS NULL THEN NULL ELSE src.${column} END AS ${column}`);
    else if (DATES.includes(column)) {
      const value = `TRY_CAST(replace(${raw(column)}, 'T', ' ') AS TIMESTAMP)`;
      parts.push(`${value} AS ${column}_v`);
      parts.push(
        `CASE WHEN length(${raw(column)}) = 10 THEN strftime(${value}, '%Y-%m-%d') ELSE strftime(${value}, '%Y-%m-%dT%H:%M:%S') END AS ${column}`,
      );
    } else parts.push(`${raw(column)} AS ${column}`);
  }
  for (const column of DECIMALS) parts.push(`TRY_CAST(${raw(column)} AS DOUBLE) AS ${column}_v`);
  parts.push(`TRY_CAST(${raw('RANK')} AS BIGINT) AS RANK_v`, `TRY_CAST(${raw('CONFIDENCE')} AS BIGINT) AS CONFIDENCE_v`);
  parts.push(`TRY_CAST(trim(src.MESSAGE_ID) AS HUGEINT) AS MESSAGE_ID_v`, `${norm('src.CUSIP')} AS cusip_key`);
  const checks = [
    `regexp_full_match(trim(src.MESSAGE_ID), '${ID}')`,
    `${raw('CUSIP')} IS NOT NULL`,
    `${raw('DATE')} IS NOT NULL`,
    ...DATES.map(
      (c) =>
        `(${raw(c)} IS NULL OR (regexp_full_match(${raw(c)}, '${DATE}') AND TRY_CAST(replace(${raw(c)}, 'T', ' ') AS TIMESTAMP) IS NOT NULL))`,
    ),
    ...DECIMALS.map(
      (c) => `(${raw(c)} IS NULL OR (regexp_full_match(${raw(c)}, '${DECIMAL}') AND isfinite(TRY_CAST(${raw(c)} AS DOUBLE))))`,
    ),
    `(${raw('RANK')} IS NULL OR (regexp_full_match(${raw('RANK')}, '${INTEGER}') AND abs(TRY_CAST(${raw('RANK')} AS HUGEINT)) <= 9007199254740991))`,
    `(${raw('CONFIDENCE')} IS NULL OR (regexp_full_match(${raw('CONFIDENCE')}, '${INTEGER}') AND TRY_CAST(${raw('CONFIDENCE')} AS HUGEINT) BETWEEN 0 AND 10))`,
  ];
  parts.push(`coalesce(${checks.join('\n    AND ')}, false) AS ok`);
  return parts.join(',\n    ');
}

/**
 * bench-config.json's five rules, one boolean column each. A null matches only isEmpty (and `not`
 * of anything else): every leaf is coalesced to false before `not` applies.
 */
export const RULES: readonly { name: string; sql: string }[] = [
  { name: 'weak-bwic-covers', sql: `coalesce(${norm('BIAS')} = 'BWIC COVER', false) AND coalesce(CONFIDENCE_v < 3, false)` },
  { name: 'unpriced', sql: `PX IS NULL` },
  {
    name: 'stale-unchanged-from-yesterday',
    sql: `coalesce(DATE_v < TIMESTAMP '2026-11-20 00:00:00', false) AND coalesce(${norm('DIFF_STATUS')} IN ('UNCH'), false) AND coalesce(CONFIDENCE_v <= 5, false)`,
  },
  {
    name: 'tail-dealers-off-run',
    sql: `coalesce(${norm('SOURCE')} IN ('JEFF', 'SEAPORT'), false) AND NOT coalesce(${norm('BIAS')} IN ('BID', 'OFFER'), false)`,
  },
  {
    name: 'off-the-run-prints',
    sql: [
      `(coalesce(starts_with(${norm('SECTOR')}, 'CMBS'), false) AND coalesce(PX_v BETWEEN 0 AND 65, false))`,
      `coalesce(contains(${norm('TICKER')}, 'REGS'), false)`,
      `(coalesce(${norm('SECTOR')} NOT IN ('MM-CLO', 'BSL-CLO', 'CMBS'), false) AND coalesce(ends_with(${norm('TICKER')}, ' E'), false) AND coalesce(CONFIDENCE_v < 5, false))`,
    ].join(' OR '),
  },
];

/** Rank → Date → Price, then MESSAGE_ID numerically, then every column's output text; nulls last. */
const WINDOW_ORDER = [
  'RANK_v ASC NULLS LAST',
  'DATE_v DESC NULLS LAST',
  'PX_v DESC NULLS LAST',
  'MESSAGE_ID_v ASC',
  ...COLUMNS.map((column) => `${column} ASC NULLS LAST`),
].join(', ');

const OUTPUT = COLUMNS.join(', ');

function rowsCte(input: string): string {
  return `src AS (SELECT * FROM read_csv(${quote(input)}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')),
  typed AS (SELECT ${typedColumns()} FROM src),
  flagged AS (SELECT *, ${RULES.map((rule, index) => `coalesce(${rule.sql}, false) AS rule_${index}`).join(', ')} FROM typed WHERE ok)`;
}

const anyRule = RULES.map((_, index) => `rule_${index}`).join(' OR ');

/**
 * The same job written the way a data engineer would first write it (the "straightforward"
 * formulation of docs/benchmarks.md): a row is valid when MESSAGE_ID and DATE cast and CUSIP is
 * not blank; every other value is TRY_CAST, so a bad one becomes null instead of rejecting its row.
 * The same five rules, the same order and the same output columns as {@link rankedColorsSql}.
 */
function straightforwardRowsCte(input: string): string {
  const typed = [
    ...COLUMNS.map((column) =>
      DATES.includes(column)
        ? `CASE WHEN length(trim(${column})) = 10 THEN strftime(${column}_v, '%Y-%m-%d') ELSE strftime(${column}_v, '%Y-%m-%dT%H:%M:%S') END AS ${column}`
        : TEXT.includes(column)
          ? `CASE WHEN ${present(column)} IS NULL THEN NULL ELSE ${column} END AS ${column}`
          : `${present(column)} AS ${column}`,
    ),
    ...DATES.map((column) => `${column}_v`),
    ...DECIMALS.map((column) => `TRY_CAST(${column} AS DOUBLE) AS ${column}_v`),
    'TRY_CAST(RANK AS BIGINT) AS RANK_v',
    'TRY_CAST(CONFIDENCE AS BIGINT) AS CONFIDENCE_v',
    'MESSAGE_ID_v',
    `${norm('CUSIP')} AS cusip_key`,
  ];
  const dates = DATES.map((column) => `TRY_CAST(${column} AS TIMESTAMP) AS ${column}_v`).join(', ');
  return `src AS (SELECT *, TRY_CAST(MESSAGE_ID AS HUGEINT) AS MESSAGE_ID_v, ${dates}
    FROM read_csv(${quote(input)}, header = true, all_varchar = true)),
  typed AS (SELECT ${typed.join(',\n    ')} FROM src WHERE MESSAGE_ID_v IS NOT NULL AND DATE_v IS NOT NULL AND ${present('CUSIP')} IS NOT NULL),
  flagged AS (SELECT *, ${RULES.map((rule, index) => `coalesce(${rule.sql}, false) AS rule_${index}`).join(', ')} FROM typed)`;
}

/** The timed query of the strict formulation: ranked colors.csv with the same added columns as the product's. */
export function rankedColorsSql(input: string, output: string): string {
  return rankedSql(rowsCte(input), output);
}

/** The timed query of the straightforward formulation. */
export function straightforwardColorsSql(input: string, output: string): string {
  return rankedSql(straightforwardRowsCte(input), output);
}

function rankedSql(rows: string, output: string): string {
  return `COPY (
  WITH ${rows},
  kept AS (SELECT * FROM flagged WHERE NOT (${anyRule})),
  ranked AS (
    SELECT *, row_number() OVER w AS position, first_value(MESSAGE_ID) OVER w AS parent, count(*) OVER (PARTITION BY cusip_key) AS members
    FROM kept WINDOW w AS (PARTITION BY cusip_key ORDER BY ${WINDOW_ORDER})
  )
  SELECT ${OUTPUT}, position AS GROUP_POSITION, position = 1 AS IS_PARENT,
    CASE WHEN position = 1 THEN NULL ELSE parent END AS PARENT_MESSAGE_ID,
    CASE WHEN position = 1 THEN members - 1 ELSE 0 END AS CHILDREN_COUNT
  FROM ranked ORDER BY cusip_key, position
) TO ${quote(output)} (HEADER, DELIMITER ',')`;
}

/** For the agreement check (not timed): excluded rows as the product orders them, and counts. */
export function excludedSql(input: string, output: string): string {
  const names = RULES.map((rule, index) => `CASE WHEN rule_${index} THEN ${quote(rule.name)} END`).join(', ');
  return `COPY (
  WITH ${rowsCte(input)}
  SELECT ${OUTPUT}, concat_ws(';', ${names}) AS EXCLUDED_BY FROM flagged WHERE ${anyRule}
  ORDER BY cusip_key, ${WINDOW_ORDER}
) TO ${quote(output)} (HEADER, DELIMITER ',')`;
}

export function countsSql(input: string): string {
  return `WITH ${rowsCte(input)}
  SELECT (SELECT count(*) FROM src) AS read, count(*) AS valid, count(*) FILTER (WHERE NOT (${anyRule})) AS ranked,
    ${RULES.map((_, index) => `count(*) FILTER (WHERE rule_${index}) AS rule_${index}`).join(', ')}
  FROM flagged`;
}
