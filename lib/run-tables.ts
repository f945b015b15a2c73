/**
 * The contract between the Parquet files a run writes and the Glue tables Athena reads them through
 * (docs/queries.md, "Tables"): where each file goes, and its columns and types. The stack builds the
 * tables from it, and the writer of the files must follow it; the queries runner checks files
 * against it.
 *
 * Athena reads every object under a partition's location, subfolders included, so each table has
 * a tree of its own, apart from the run folders (which hold CSVs, the manifest and latest.json):
 *
 *   <prefix>/tables/colors/as-of=YYYY-MM-DD/run-id=<id>/colors.parquet
 *   <prefix>/tables/excluded/as-of=YYYY-MM-DD/run-id=<id>/excluded.parquet
 *   <prefix>/tables/rejected/as-of=YYYY-MM-DD/run-id=<id>/rejected.parquet
 *   <prefix>/tables/latest/as-of=YYYY-MM-DD/latest.json        a copy of the run folder's latest.json
 *
 * Each table is partitioned by `as_of` alone (projected as a date, so no crawler and no partition
 * to register); every row carries its run in `RUN_ID`. A `run_id` partition projected as
 * `injected` would make Athena refuse every query that does not name run ids as literals, which
 * the latest-run views (a join) and any history across dates cannot do.
 */
import { COLUMN_TYPES, COLUMNS, type ColumnType } from '../lambdas/pipeline/columns.js';

/** Hive types, as Glue stores them. */
export type GlueType = 'string' | 'double' | 'int' | 'bigint' | 'boolean' | 'timestamp';

export interface TableColumn {
  /** As written in the Parquet file; Glue and Athena use it lower-cased. */
  readonly name: string;
  readonly type: GlueType;
  readonly comment: string;
}

export type RunTableName = 'colors' | 'excluded' | 'rejected';

export const RUN_TABLE_NAMES: readonly RunTableName[] = ['colors', 'excluded', 'rejected'];

/** `tables/<table>` under the results prefix. */
export function tableFolder(table: RunTableName | 'latest'): string {
  return `tables/${table}`;
}

const TYPED: Readonly<Record<ColumnType, GlueType>> = {
  id: 'string',
  text: 'string',
  decimal: 'double',
  integer: 'bigint',
  date: 'timestamp',
};

/** The 18 color columns typed: ids and text as strings, decimals as doubles beside their source text, dates as UTC timestamps. */
function typedColorColumns(): TableColumn[] {
  return COLUMNS.flatMap((name): TableColumn[] => {
    const type = COLUMN_TYPES[name];
    if (type === 'decimal') {
      return [
        { name, type: 'double', comment: `${name} as a double (nearest to the source text)` },
        { name: `${name}_TEXT`, type: 'string', comment: `${name} exactly as read, every digit kept` },
      ];
    }
    if (type === 'date')
      return [{ name, type: 'timestamp', comment: `${name} as an instant in UTC (the config's time zone is in the file metadata)` }];
    if (type === 'id') return [{ name, type: 'string', comment: `${name}: up to 19 digits, kept as text` }];
    return [{ name, type: TYPED[type], comment: type === 'integer' ? `${name}: a whole number` : `${name} as read` }];
  });
}

const RUN_ID: TableColumn = { name: 'RUN_ID', type: 'string', comment: 'the run that wrote the row (a ULID; later runs sort higher)' };

export const RUN_TABLES: Readonly<Record<RunTableName, readonly TableColumn[]>> = {
  colors: [
    ...typedColorColumns(),
    { name: 'GROUP_POSITION', type: 'int', comment: '1 for the parent, then 2, 3… in ranking order within the CUSIP' },
    { name: 'IS_PARENT', type: 'boolean', comment: 'the best color of its CUSIP' },
    { name: 'PARENT_MESSAGE_ID', type: 'string', comment: "the parent's MESSAGE_ID; null on the parent itself" },
    { name: 'CHILDREN_COUNT', type: 'int', comment: "the parent's number of children; 0 on a child" },
    RUN_ID,
  ],
  excluded: [
    ...typedColorColumns(),
    { name: 'EXCLUDED_BY', type: 'string', comment: 'every rule the row matched, separated by ";" (or "duplicate")' },
    RUN_ID,
  ],
  // A rejected row failed typing, so its values stay the text that was read.
  rejected: [
    ...COLUMNS.map((name): TableColumn => ({ name, type: 'string', comment: `${name} as read, untrimmed` })),
    { name: 'SOURCE_ROW', type: 'bigint', comment: 'the record number in the input (1 is the first data record)' },
    { name: 'REJECT_REASON', type: 'string', comment: '"COLUMN: reason" for each value that failed, separated by "; "' },
    { name: 'RAW_RECORD', type: 'string', comment: 'the record as the input held it, where the columns cannot say everything' },
    RUN_ID,
  ],
};

/** latest.json's fields (a copy of it under tables/latest/), read by the Ion SerDe, which takes pretty-printed JSON. */
export const LATEST_COLUMNS: readonly TableColumn[] = [
  { name: 'asOf', type: 'string', comment: 'the as-of date' },
  { name: 'runId', type: 'string', comment: 'the run latest.json names' },
  { name: 'manifest', type: 'string', comment: "the run's manifest, relative to the as-of folder" },
  { name: 'manifestSha256', type: 'string', comment: "SHA-256 of the run's manifest" },
  { name: 'publishedAt', type: 'string', comment: 'when latest.json was moved to the run (ISO-8601, UTC)' },
];

/** Parquet key-value metadata every file carries, so a file read on its own still says what it is. */
export const FILE_METADATA_KEYS = [
  'market-pulse.as-of',
  'market-pulse.run-id',
  'market-pulse.time-zone',
  'market-pulse.code-version',
] as const;

/**
 * The statement behind the view `latest_<table>`: the table's rows of the run each date's
 * latest.json names. Columns are spelled out, so the view does not change shape with the table.
 */
export function latestViewSql(name: RunTableName): string {
  const columns = RUN_TABLES[name].map((column) => `t.${column.name.toLowerCase()}`).join(', ');
  return `SELECT ${columns}, t.as_of FROM ${name} t JOIN latest_runs l ON l.as_of = t.as_of AND l.runid = t.run_id`;
}
