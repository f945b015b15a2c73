/**
 * `npm run bench`: the whole Run Colors job on N synthetic colors (default 1,000,000), side by side
 * with the same work done by DuckDB and by a straightforward baseline, each in its own process:
 *
 *   product   node dist/market-pulse.mjs run --input .bench/colors-<N>.csv --config test/bench/bench-config.json …
 *   duckdb    node .bench/runners/duckdb-colors.mjs  (one SQL query via @duckdb/node-api, strict validation; duckdb-sql.ts)
 *   duckdb-plain  the same runner with --straightforward (TRY_CAST validation, as a data engineer writes it first)
 *   baseline  node .bench/runners/baseline-colors.mjs (csv-parse into objects, filter, sort; baseline-colors.ts)
 *
 * Reports wall time (spawn to exit), rows/s, peak RSS and CPU of each, the product/DuckDB ratios,
 * whether the outputs agree (agreement.ts), and the run-colors Lambda's bundle size and cold-start
 * init time (handler-footprint.ts). Results are saved as JSON under .bench/results/.
 *
 *   npm run bench -- [--rows N[,N2…]] [--seed S] [--runs K] [--engines product,duckdb,duckdb-plain,baseline] [--handler-runs K]
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { agrees, compareRanked, compareRows, type RankedAgreement, rejectedKeys } from './agreement.js';
import { ensureDuckDb } from './duckdb-install.js';
import {
  BENCH_AS_OF,
  BENCH_DIR,
  type BenchInput,
  DEFAULT_BENCH_ROWS,
  describeInput,
  ensureColors,
  parseCount,
  ROOT,
} from './generate-colors.js';
import { type HandlerFootprint, measureHandler } from './handler-footprint.js';
import { describeMachine, formatBytes, formatInt, measureNode, median, type ProcessMeasurement } from './measure.js';

const CLI = join(ROOT, 'dist/market-pulse.mjs');
const CONFIG = join(ROOT, 'test/bench/bench-config.json');
const RUNNERS = join(BENCH_DIR, 'runners');
const ENGINES = ['product', 'duckdb', 'duckdb-plain', 'baseline'] as const;
const DUCKDB_ENGINES: readonly Engine[] = ['duckdb', 'duckdb-plain'];
type Engine = (typeof ENGINES)[number];

/** Where each engine writes its ranked CSV. */
const OUT: Record<Engine, string> = {
  product: join(BENCH_DIR, 'out'),
  duckdb: join(BENCH_DIR, 'duckdb'),
  'duckdb-plain': join(BENCH_DIR, 'duckdb-plain'),
  baseline: join(BENCH_DIR, 'baseline'),
};

/** Targets: docs/benchmarks.md ("Targets"); the product's time over each DuckDB formulation's. */
const TARGETS = {
  ratio: { duckdb: 0.6, 'duckdb-plain': 1.0 } as Record<string, number>,
  peakRssMiB: 400,
  rssRows: 1_000_000,
  growth4x: 4.2,
  bundleBytes: 1_500_000,
  initMs: 300,
};

/** Measurements per input size, per engine. */
type Measured = Map<number, Record<Engine, ProcessMeasurement[]>>;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' },
      seed: { type: 'string' },
      runs: { type: 'string' },
      engines: { type: 'string' },
      'handler-runs': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      'Usage: npm run bench -- [--rows N[,N2…]] [--seed S] [--runs K] [--engines product,duckdb,duckdb-plain,baseline] [--handler-runs K]',
    );
    return;
  }
  // Several sizes (--rows 1000000,4000000) are measured in turn within each run: the growth check.
  // A comma followed by 4+ digits separates sizes; one followed by 3 is a thousands separator.
  const rowsText = values.rows ?? process.env.BENCH_ROWS;
  const sizes =
    rowsText === undefined || rowsText === ''
      ? [DEFAULT_BENCH_ROWS]
      : rowsText.split(/[ ;]|,(?=\d{4})/).map((text) => parseCount(text, 'rows'));
  const runs = values.runs === undefined ? 1 : parseCount(values.runs, '--runs');
  const handlerRuns = values['handler-runs'] === undefined ? 5 : Number(values['handler-runs']);
  const engines = (values.engines?.split(',') ?? [...ENGINES]) as Engine[];
  const unknown = engines.filter((engine) => !ENGINES.includes(engine));
  if (unknown.length > 0) throw new Error(`unknown engine(s) ${unknown.join(', ')}; choose from ${ENGINES.join(', ')}`);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got "${values.seed}"`);
  if (!existsSync(CLI)) throw new Error(`${relative(ROOT, CLI)} is missing: run \`npm run build\` (\`npm run bench\` does it for you)`);

  const machine = describeMachine();
  console.log('market-pulse pipeline benchmark');
  const inputs: BenchInput[] = [];
  for (const rows of sizes) {
    const input = await ensureColors({ rows, seed });
    inputs.push(input);
    console.log(`  input    ${describeInput(input)}`);
  }
  console.log(`  config   ${relative(ROOT, CONFIG)}`);
  console.log(
    `  machine  ${machine.cpus} × ${machine.cpuModel}, ${machine.totalMemoryGiB} GiB RAM, Node ${machine.node}, ${machine.platform}, load ${machine.loadAverage.toFixed(2)}`,
  );
  if (engines.some((engine) => DUCKDB_ENGINES.includes(engine))) await ensureDuckDb();
  await buildRunners();

  const measured: Measured = new Map(inputs.map((input) => [input.rows, { product: [], duckdb: [], 'duckdb-plain': [], baseline: [] }]));
  const checks: Record<string, unknown> = {};
  for (let run = 1; run <= runs; run++) {
    for (const input of inputs) {
      // Engines (and sizes) take turns within a run, so a busy spell on the shared machine hits all of them.
      for (const engine of engines) {
        const measurement = await runEngine(engine, input);
        measured.get(input.rows)![engine].push(measurement);
        const size = inputs.length > 1 ? ` ${formatInt(input.rows)}` : '';
        printRun(`${engine}${size}${runs > 1 ? ` ${run}/${runs}` : ''}`, input, measurement);
      }
      if (run === 1) checks[input.rows] = await checkAgreement(engines, input);
    }
  }
  const handler = handlerRuns > 0 ? await measureHandler(handlerRuns) : undefined;
  const summary = summarize(engines, measured, inputs, handler);

  const resultsDir = join(BENCH_DIR, 'results');
  await mkdir(resultsDir, { recursive: true });
  const resultFile = join(resultsDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const inputSummaries = inputs.map((input) => ({
    path: relative(ROOT, input.path),
    rows: input.rows,
    seed: input.seed,
    bytes: input.bytes,
    stats: input.stats,
  }));
  const runsBySize = Object.fromEntries(measured);
  await writeFile(
    resultFile,
    `${JSON.stringify({ at: new Date().toISOString(), inputs: inputSummaries, config: relative(ROOT, CONFIG), runs: runsBySize, summary, checks, handler, machine }, null, 2)}\n`,
  );
  console.log(`  saved    ${relative(ROOT, resultFile)}`);
}

/** The DuckDB and baseline runners are TypeScript: bundle them once, as the CLI is, so no runner pays for a loader. */
async function buildRunners(): Promise<void> {
  for (const name of ['duckdb-colors', 'baseline-colors']) {
    await build({
      entryPoints: [join(ROOT, `test/bench/${name}.ts`)],
      outfile: join(RUNNERS, `${name}.mjs`),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    });
  }
}

async function runEngine(engine: Engine, input: BenchInput): Promise<ProcessMeasurement> {
  await rm(OUT[engine], { recursive: true, force: true });
  await mkdir(OUT[engine], { recursive: true });
  switch (engine) {
    case 'product':
      return measureNode(engine, [CLI, 'run', '--input', input.path, '--config', CONFIG, '--out', OUT.product, '--as-of', BENCH_AS_OF]);
    case 'duckdb':
    case 'duckdb-plain': {
      const args = [join(RUNNERS, 'duckdb-colors.mjs'), '--input', input.path, '--out', join(OUT[engine], 'colors.csv')];
      return measureNode(engine, engine === 'duckdb' ? args : [...args, '--straightforward']);
    }
    case 'baseline':
      return measureNode(engine, [
        join(RUNNERS, 'baseline-colors.mjs'),
        '--input',
        input.path,
        '--config',
        CONFIG,
        '--out',
        join(OUT.baseline, 'colors.csv'),
      ]);
  }
}

async function productRunDir(): Promise<string> {
  const asOfDir = join(OUT.product, 'runs', `as-of=${BENCH_AS_OF}`);
  const last = (await readdir(asOfDir))
    .filter((name) => name.startsWith('run-id='))
    .sort()
    .at(-1);
  if (last === undefined) throw new Error(`no published run under ${relative(ROOT, asOfDir)}`);
  return join(asOfDir, last);
}

/** After the first run: does every other engine rank as the product does? (Not timed.) */
async function checkAgreement(engines: readonly Engine[], input: BenchInput): Promise<Record<string, unknown>> {
  if (!engines.includes('product')) return {};
  const runDir = await productRunDir();
  const manifest = JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8')) as { counts: Record<string, unknown> };
  const checks: Record<string, unknown> = { productCounts: manifest.counts };
  const report = (name: string, result: RankedAgreement) => {
    console.log(
      `  check    ${name}: ${agrees(result) ? 'agrees' : 'DISAGREES'} on ${formatInt(result.groups)} groups, ` +
        `${formatInt(result.rows.product)} / ${formatInt(result.rows.other)} rows; parent differs in ${result.differentParent}, ` +
        `order in ${result.differentOrder}; only in product ${result.onlyInProduct}, only in ${name} ${result.onlyInOther}` +
        (result.setAside > 0 ? `; set aside ${formatInt(result.setAside)} rows the product rejects` : ''),
    );
    for (const example of result.examples) console.log(`           ${example}`);
  };
  // The straightforward query keeps rows the product rejects (a bad PX becomes null): those are set aside.
  const rejected = await rejectedKeys(join(runDir, 'rejected.csv'));
  for (const engine of engines.filter((candidate) => candidate !== 'product')) {
    const setAside = engine === 'duckdb-plain' ? rejected : undefined;
    const ranked = await compareRanked(join(runDir, 'colors.csv'), join(OUT[engine], 'colors.csv'), setAside);
    report(engine, ranked);
    checks[engine] = { ranked };
  }
  if (engines.includes('duckdb')) {
    // Exclusions and counts: DuckDB writes its excluded rows (in the product's order) and counts, untimed.
    const excludedCsv = join(OUT.duckdb, 'excluded.csv');
    const countsJson = join(OUT.duckdb, 'counts.json');
    await measureNode('duckdb-check', [
      join(RUNNERS, 'duckdb-colors.mjs'),
      '--input',
      input.path,
      '--excluded',
      excludedCsv,
      '--counts',
      countsJson,
    ]);
    const counts = JSON.parse(await readFile(countsJson, 'utf8')) as Record<string, unknown>;
    const excluded = await compareRows(join(runDir, 'excluded.csv'), excludedCsv);
    const same = (key: string) => JSON.stringify(counts[key]) === JSON.stringify(manifest.counts[key]);
    const countsAgree = ['read', 'ranked', 'excluded', 'rejected', 'excludedByRule'].every(same);
    console.log(
      `  check    duckdb exclusions: ${excluded.different === 0 ? 'identical' : `${excluded.different} rows DIFFER`} (${formatInt(excluded.rows)} rows, ` +
        `EXCLUDED_BY included); counts read/ranked/excluded/rejected/per rule ${countsAgree ? 'agree' : `DISAGREE: ${JSON.stringify(counts)}`}`,
    );
    for (const example of excluded.examples) console.log(`           ${example}`);
    checks.duckdbExclusions = { excluded, counts, countsAgree };
  }
  return checks;
}

function printRun(label: string, input: BenchInput, m: ProcessMeasurement): void {
  const rss = m.peakRssMiB === null ? 'peak RSS unknown' : `peak RSS ${m.peakRssMiB.toFixed(0)} MiB`;
  const cpu = m.userCpuSeconds === null ? '' : `, CPU ${m.userCpuSeconds.toFixed(2)} s user + ${m.systemCpuSeconds!.toFixed(2)} s sys`;
  console.log(`  ${label.padEnd(12)} ${m.wallSeconds.toFixed(2)} s wall, ${formatInt(input.rows / m.wallSeconds)} rows/s, ${rss}${cpu}`);
}

function summarize(engines: readonly Engine[], measured: Measured, inputs: readonly BenchInput[], handler: HandlerFootprint | undefined) {
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const wall = (rows: number, engine: Engine) => median(measured.get(rows)![engine].map((m) => m.wallSeconds));
  const rss = (rows: number, engine: Engine) => median(measured.get(rows)![engine].map((m) => m.peakRssMiB ?? NaN));
  const result: Record<string, unknown> = {};
  for (const { rows } of inputs) {
    console.log(`  summary  ${formatInt(rows)} rows, medians over ${measured.get(rows)![engines[0]!].length} run(s):`);
    const bySize: Record<string, unknown> = {};
    for (const engine of engines) {
      const walls = measured.get(rows)![engine].map((m) => m.wallSeconds);
      const spread = walls.length > 1 ? ` (runs ${Math.min(...walls).toFixed(2)}–${Math.max(...walls).toFixed(2)} s)` : '';
      console.log(
        `           ${engine.padEnd(9)} ${wall(rows, engine).toFixed(2)} s, ${formatInt(rows / wall(rows, engine))} rows/s, peak RSS ${rss(rows, engine).toFixed(0)} MiB${spread}`,
      );
      bySize[engine] = { wallSeconds: wall(rows, engine), rowsPerSecond: rows / wall(rows, engine), peakRssMiB: rss(rows, engine) };
    }
    for (const duckdb of DUCKDB_ENGINES.filter((engine) => engines.includes('product') && engines.includes(engine))) {
      const ratio = wall(rows, 'product') / wall(rows, duckdb);
      const target = TARGETS.ratio[duckdb]!;
      console.log(`           product / ${duckdb} = ${ratio.toFixed(2)} (target ≤ ${target}: ${verdict(ratio <= target)})`);
      bySize[`ratio ${duckdb}`] = ratio;
    }
    if (engines.includes('product') && rows === TARGETS.rssRows) {
      const peak = rss(rows, 'product');
      console.log(
        `           product peak RSS ${peak.toFixed(0)} MiB (target at ${formatInt(rows)} rows < ${TARGETS.peakRssMiB} MiB: ${verdict(peak < TARGETS.peakRssMiB)})`,
      );
    }
    result[rows] = bySize;
  }
  if (inputs.length > 1) {
    const small = inputs[0]!.rows;
    const large = inputs.at(-1)!.rows;
    for (const engine of engines) {
      const growth = wall(large, engine) / wall(small, engine);
      const target = large === 4 * small ? ` (target < ${TARGETS.growth4x}: ${verdict(growth < TARGETS.growth4x)})` : '';
      console.log(
        `  growth   ${engine.padEnd(9)} ${formatInt(large)} rows take ${growth.toFixed(2)}× the time of ${formatInt(small)}${target}`,
      );
    }
  }
  if (handler) {
    const init = median(handler.importMs);
    console.log(
      `  handler  run-colors bundle ${formatBytes(handler.bundleBytes)} minified (target < 1.5 MB: ${verdict(handler.bundleBytes < TARGETS.bundleBytes)}); ` +
        `largest: ${handler.largestParts.map((part) => `${part.part} ${formatBytes(part.bytes)}`).join(', ')}`,
    );
    console.log(
      `           init (import in a fresh process) median ${init.toFixed(0)} ms over ${handler.importMs.length} (process ${median(handler.processMs).toFixed(0)} ms from start; ` +
        `target < ${TARGETS.initMs} ms: ${verdict(init < TARGETS.initMs)}); network attempts during import: ${handler.networkAttempts}`,
    );
  }
  return { bySize: result, targets: TARGETS };
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
