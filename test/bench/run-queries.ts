/**
 * Runs the example queries of docs/queries.md with DuckDB over Parquet files laid out as the Glue
 * tables expect them (lib/run-tables.ts), so the SQL the desk copies is known to run and what it
 * returns can be shown:
 *
 *   npm run queries [-- --markdown]                      the demo run, with outputs.parquet on
 *   npm run queries -- --tables out/tables [--markdown]    any run's tables
 *
 * `--tables` is the folder holding colors/, excluded/, rejected/ and latest/ (`<prefix>/tables` of a
 * run's output, or a copy from S3: `aws s3 sync s3://bucket/prefix/tables out/tables`). First every
 * Parquet file is checked against the contract (column names and types, the file metadata); then
 * the same tables and latest_* views as in Glue are made over the files, and each ```sql block of
 * docs/queries.md that starts with `-- Q` is run, its result printed (as Markdown with --markdown).
 *
 * DuckDB runs the intersection of its SQL and Athena's (Trino's) that the queries are written in;
 * Athena itself is not reachable from here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FILE_METADATA_KEYS, type GlueType, latestViewSql, RUN_TABLE_NAMES, RUN_TABLES, type RunTableName } from '../../lib/run-tables.js';
import { ensureDuckDb, importDuckDb } from './duckdb-install.js';
import { BENCH_DIR, ROOT } from './generate-colors.js';

interface DuckDBConnection {
  run(sql: string): Promise<unknown>;
  runAndReadAll(sql: string): Promise<{ columnNames(): string[]; getRowObjectsJS(): Record<string, unknown>[] }>;
  closeSync(): void;
}

interface DuckDBApi {
  DuckDBInstance: { create(path: string): Promise<{ connect(): Promise<DuckDBConnection>; closeSync(): void }> };
}

/** How DuckDB names the contract's Hive types when it reads a Parquet file. */
const DUCKDB_TYPES: Readonly<Record<GlueType, readonly string[]>> = {
  string: ['VARCHAR'],
  double: ['DOUBLE'],
  int: ['INTEGER'],
  bigint: ['BIGINT'],
  boolean: ['BOOLEAN'],
  // UTC instants (isAdjustedToUTC); DuckDB shows them WITH TIME ZONE, at any unit.
  timestamp: ['TIMESTAMP WITH TIME ZONE', 'TIMESTAMP_MS WITH TIME ZONE', 'TIMESTAMP_NS WITH TIME ZONE'],
};

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

export interface DocQuery {
  readonly title: string;
  readonly sql: string;
}

/** The ```sql blocks of the doc whose first line is `-- Q…`, titled by that line. */
export function docQueries(markdown: string): DocQuery[] {
  return [...markdown.matchAll(/```sql\n(-- (Q[^\n]*)\n[\s\S]*?)```/g)].map((match) => ({
    title: match[2]!.trim(),
    sql: match[1]!.trim(),
  }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { tables: { type: 'string' }, markdown: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(
      'Usage: npm run queries -- [--tables <folder with colors/ excluded/ rejected/ latest/>] [--markdown]\n(without --tables: the demo run, with outputs.parquet on)',
    );
    return;
  }
  const tables = values.tables === undefined ? demoRun() : resolve(values.tables);
  for (const name of [...RUN_TABLE_NAMES, 'latest']) {
    if (!existsSync(join(tables, name)))
      throw new Error(
        `${join(tables, name)} is missing: --tables names the folder that holds colors/, excluded/, rejected/ and latest/ (docs/queries.md, "Tables")`,
      );
  }
  await ensureDuckDb();
  const { DuckDBInstance } = await importDuckDb<DuckDBApi>();
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    for (const name of RUN_TABLE_NAMES) await checkTable(db, tables, name);
    await defineTables(db, tables);
    const queries = docQueries(readFileSync(join(ROOT, 'docs/queries.md'), 'utf8'));
    if (queries.length === 0) throw new Error('docs/queries.md has no ```sql block starting with -- Q');
    for (const query of queries) {
      const result = await db.runAndReadAll(query.sql);
      print(query.title, result.columnNames(), result.getRowObjectsJS(), values.markdown);
    }
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

/**
 * The demo run (`npm run demo`: samples/colors.csv as of 2026-11-20) with outputs.parquet on, made
 * by the built CLI into .bench/queries-demo; returns its tables folder.
 */
function demoRun(): string {
  const out = join(BENCH_DIR, 'queries-demo');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const config = JSON.parse(readFileSync(join(ROOT, 'samples/config.json'), 'utf8')) as { outputs?: Record<string, boolean> };
  config.outputs = { ...config.outputs, parquet: true };
  const configPath = join(out, 'config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const args = [
    join(ROOT, 'dist/market-pulse.mjs'),
    'run',
    '--input',
    join(ROOT, 'samples/colors.csv'),
    '--config',
    configPath,
    '--out',
    join(out, 'out'),
    '--as-of',
    '2026-11-20',
  ];
  const run = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`the demo run failed (exit ${run.status}): ${run.stderr || run.stdout}`);
  console.log(`demo run (outputs.parquet on): ${join(out, 'out')}`);
  return join(out, 'out', 'tables');
}

/** Every file of the table has the contract's columns, in order and type, and its metadata keys. */
async function checkTable(db: DuckDBConnection, tables: string, name: RunTableName): Promise<void> {
  const files = join(tables, name, 'as-of=*', 'run-id=*', `${name}.parquet`);
  const listed = (await db.runAndReadAll(`SELECT file FROM glob(${quote(files)})`)).getRowObjectsJS().map((row) => String(row.file));
  if (listed.length === 0)
    throw new Error(`no ${name}.parquet under ${join(tables, name)} (expected as-of=YYYY-MM-DD/run-id=<id>/${name}.parquet)`);
  const expected = RUN_TABLES[name];
  for (const file of listed) {
    const schema = (
      await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${quote(file)}, hive_partitioning = false)`)
    ).getRowObjectsJS();
    const problems: string[] = [];
    if (schema.length !== expected.length) problems.push(`${schema.length} columns, the contract has ${expected.length}`);
    expected.forEach((column, index) => {
      const got = schema[index];
      if (got === undefined) return;
      if (got.column_name !== column.name) problems.push(`column ${index + 1} is ${String(got.column_name)}, not ${column.name}`);
      else if (!DUCKDB_TYPES[column.type].includes(String(got.column_type)))
        problems.push(`${column.name} is ${String(got.column_type)}, not ${column.type}`);
    });
    const keys = (await db.runAndReadAll(`SELECT decode(key) AS key FROM parquet_kv_metadata(${quote(file)})`))
      .getRowObjectsJS()
      .map((row) => String(row.key));
    for (const key of FILE_METADATA_KEYS) if (!keys.includes(key)) problems.push(`no "${key}" in the file metadata`);
    if (problems.length > 0) throw new Error(`${file} does not follow the contract (docs/queries.md, "Tables"): ${problems.join('; ')}`);
  }
  console.log(`${name}: ${listed.length} file(s) follow the contract`);
}

/** The Glue tables and views, over the local files: partitioned by as_of, latest_* exactly as the stack defines them. */
async function defineTables(db: DuckDBConnection, tables: string): Promise<void> {
  for (const name of RUN_TABLE_NAMES) {
    const files = join(tables, name, 'as-of=*', 'run-id=*', `${name}.parquet`);
    await db.run(
      `CREATE VIEW ${name} AS SELECT * EXCLUDE ("as-of", "run-id"), CAST("as-of" AS DATE) AS as_of FROM read_parquet(${quote(files)}, hive_partitioning = true)`,
    );
  }
  const pointers = join(tables, 'latest', 'as-of=*', 'latest.json');
  await db.run(
    // "asof" is a keyword in DuckDB (ASOF joins), not in Athena.
    `CREATE VIEW latest_runs AS SELECT "asOf" AS "asof", runId AS runid, manifest, manifestSha256 AS manifestsha256, publishedAt AS publishedat, CAST("as-of" AS DATE) AS as_of ` +
      `FROM read_json(${quote(pointers)}, hive_partitioning = true, columns = {'asOf': 'VARCHAR', 'runId': 'VARCHAR', 'manifest': 'VARCHAR', 'manifestSha256': 'VARCHAR', 'publishedAt': 'VARCHAR'})`,
  );
  for (const name of RUN_TABLE_NAMES) await db.run(`CREATE VIEW latest_${name} AS ${latestViewSql(name)}`);
}

function print(title: string, columns: readonly string[], rows: readonly Record<string, unknown>[], markdown: boolean): void {
  const cell = (value: unknown) => {
    if (value === null || value === undefined) return '';
    return value instanceof Date
      ? value
          .toISOString()
          .replace(/T00:00:00\.000Z$/, '')
          .replace(/\.000Z$/, 'Z')
      : String(value);
  };
  console.log(markdown ? `\n**${title}** (${rows.length} rows)\n` : `\n${title} (${rows.length} rows)`);
  const shown = rows.slice(0, 12).map((row) => columns.map((column) => cell(row[column])));
  if (markdown) {
    console.log(`| ${columns.join(' | ')} |\n|${columns.map(() => '---').join('|')}|`);
    for (const row of shown) console.log(`| ${row.join(' | ')} |`);
  } else {
    const widths = columns.map((column, index) => Math.max(column.length, ...shown.map((row) => row[index]!.length)));
    const line = (cells: readonly string[]) => cells.map((text, index) => text.padEnd(widths[index]!)).join('  ');
    console.log(line(columns));
    for (const row of shown) console.log(line(row));
  }
  if (rows.length > shown.length) console.log(`… ${rows.length - shown.length} more`);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(ROOT, 'test/bench/run-queries.ts')) {
  main().catch((error: unknown) => {
    console.error(`queries: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
