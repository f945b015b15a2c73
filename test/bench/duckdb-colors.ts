/**
 * The benchmark's DuckDB side, run in its own process like the product's CLI (pipeline-bench.ts
 * bundles it to .bench/runners/ and measures it the same way):
 *
 *   node .bench/runners/duckdb-colors.mjs --input colors.csv --out ranked.csv [--straightforward]
 *   node .bench/runners/duckdb-colors.mjs --input colors.csv --excluded excluded.csv --counts counts.json
 *
 * The first form is the timed one: one query, file to file (the strict formulation, or with
 * `--straightforward` the looser one a data engineer would write first; duckdb-sql.ts). The second writes what the agreement
 * check needs besides the ranking (excluded rows in the product's order, and counts).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { countsSql, excludedSql, RULES, rankedColorsSql, straightforwardColorsSql } from './duckdb-sql.js';

/**
 * @duckdb/node-api is not in package.json (its lockfile entry would have to list native bindings
 * for every platform, which the registry this project uses does not all carry, and `npm ci` would
 * refuse it): pipeline-bench.ts installs it on demand under .bench/. So it is imported by name at
 * run time, and only the little of its API used here is typed.
 */
const DUCKDB_PACKAGE = '@duckdb/node-api';

interface DuckDBConnection {
  run(sql: string): Promise<unknown>;
  runAndReadAll(sql: string): Promise<{ getRowObjectsJS(): Record<string, unknown>[] }>;
  closeSync(): void;
}

interface DuckDBApi {
  DuckDBInstance: { create(path: string): Promise<{ connect(): Promise<DuckDBConnection>; closeSync(): void }> };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      input: { type: 'string' },
      out: { type: 'string' },
      straightforward: { type: 'boolean' },
      excluded: { type: 'string' },
      counts: { type: 'string' },
    },
  });
  if (values.input === undefined) throw new Error('--input is required');
  const { DuckDBInstance } = (await import(DUCKDB_PACKAGE)) as DuckDBApi;
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  if (values.out !== undefined) {
    const ranked = values.straightforward ? straightforwardColorsSql : rankedColorsSql;
    await connection.run(ranked(values.input, values.out));
  }
  if (values.excluded !== undefined) await connection.run(excludedSql(values.input, values.excluded));
  if (values.counts !== undefined) {
    const [row] = (await connection.runAndReadAll(countsSql(values.input))).getRowObjectsJS();
    const number = (value: unknown) => Number(value);
    const counts = {
      read: number(row!.read),
      ranked: number(row!.ranked),
      excluded: number(row!.valid) - number(row!.ranked),
      rejected: number(row!.read) - number(row!.valid),
      excludedByRule: Object.fromEntries(RULES.map((rule, index) => [rule.name, number(row![`rule_${index}`])])),
    };
    await writeFile(values.counts, `${JSON.stringify(counts, null, 2)}\n`);
  }
  connection.closeSync();
  instance.closeSync();
}

main().catch((error: unknown) => {
  console.error(`duckdb-colors: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
