/**
 * `npm run bench`: the whole Run Colors job, end to end, on N synthetic colors (default 1,000,000),
 * exactly as a user runs it — the built CLI in its own process:
 *
 *   node dist/market-pulse.mjs run --input .bench/colors-<N>.csv --config test/bench/bench-config.json \
 *        --out .bench/out --as-of 2026-11-20
 *
 * Reports wall time (process start to exit), rows/s, the CLI process's peak RSS and CPU time
 * (measured inside it by the preloaded report-rss.mjs), the run's counts from its manifest, and
 * the machine. Results are also saved as JSON under .bench/results/.
 *
 *   npm run bench -- [--rows N] [--seed S] [--runs K]      (or BENCH_ROWS=N npm run bench)
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCH_AS_OF, BENCH_DIR, DEFAULT_BENCH_ROWS, describeInput, ensureColors, parseCount, ROOT, type BenchInput } from './generate-colors.js';

const CLI = join(ROOT, 'dist/market-pulse.mjs');
const CONFIG = join(ROOT, 'test/bench/bench-config.json');
const REPORT_RSS = join(ROOT, 'test/bench/report-rss.mjs');
const OUT = join(BENCH_DIR, 'out');

interface RunMeasurement {
  wallSeconds: number;
  rowsPerSecond: number;
  peakRssMiB: number | null;
  userCpuSeconds: number | null;
  systemCpuSeconds: number | null;
  counts: Record<string, unknown> | null;
  outputBytes: Record<string, number>;
}

interface RssReport {
  maxRssKiB: number;
  userCpuMicros: number;
  systemCpuMicros: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' },
      seed: { type: 'string' },
      runs: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('Usage: npm run bench -- [--rows N] [--seed S] [--runs K]   (BENCH_ROWS=N works too)');
    return;
  }
  const rowsText = values.rows ?? process.env.BENCH_ROWS;
  const rows = rowsText === undefined || rowsText === '' ? DEFAULT_BENCH_ROWS : parseCount(rowsText, 'rows');
  const runs = values.runs === undefined ? 1 : parseCount(values.runs, '--runs');
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got "${values.seed}"`);
  if (!existsSync(CLI)) throw new Error(`${relative(ROOT, CLI)} is missing: run \`npm run build\` (\`npm run bench\` does it for you)`);

  console.log('market-pulse pipeline benchmark');
  const input = await ensureColors({ rows, seed });
  console.log(`  input    ${describeInput(input)}`);
  console.log(`  config   ${relative(ROOT, CONFIG)}`);

  const measurements: RunMeasurement[] = [];
  for (let run = 1; run <= runs; run++) {
    const measurement = await measureRun(input);
    measurements.push(measurement);
    printRun(runs > 1 ? `run ${run}/${runs}` : 'run', input, measurement);
  }
  const machine = describeMachine();
  console.log(`  machine  ${machine.cpus} × ${machine.cpuModel}, ${machine.totalMemoryGiB} GiB RAM, Node ${machine.node}, ${machine.platform}`);
  if (runs > 1) {
    const walls = measurements.map((m) => m.wallSeconds).sort((a, b) => a - b);
    const median = walls[Math.floor(walls.length / 2)]!;
    console.log(`  median   ${median.toFixed(2)} s, ${formatInt(rows / median)} rows/s over ${runs} runs`);
  }

  const resultsDir = join(BENCH_DIR, 'results');
  await mkdir(resultsDir, { recursive: true });
  const resultFile = join(resultsDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const result = {
    at: new Date().toISOString(),
    input: { path: relative(ROOT, input.path), rows: input.rows, seed: input.seed, bytes: input.bytes, stats: input.stats },
    config: relative(ROOT, CONFIG),
    runs: measurements,
    machine,
  };
  await writeFile(resultFile, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`  saved    ${relative(ROOT, resultFile)}`);
}

async function measureRun(input: BenchInput): Promise<RunMeasurement> {
  // Each run publishes a new run id; start from an empty folder so .bench does not grow per run.
  await rm(OUT, { recursive: true, force: true });
  const rssFile = join(BENCH_DIR, `rss-${process.pid}.json`);
  await rm(rssFile, { force: true });
  const args = [
    '--import',
    pathToFileURL(REPORT_RSS).href,
    CLI,
    'run',
    '--input',
    input.path,
    '--config',
    CONFIG,
    '--out',
    OUT,
    '--as-of',
    BENCH_AS_OF,
  ];
  const started = performance.now();
  const { code, signal, stderrTail } = await runCli(args, { ...process.env, BENCH_RSS_FILE: rssFile });
  const wallSeconds = (performance.now() - started) / 1000;
  if (code !== 0) {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    throw new Error(`the CLI ${how}:\n  node ${args.join(' ')}\n${stderrTail}`);
  }
  const rss = await readJson<RssReport>(rssFile);
  await rm(rssFile, { force: true });
  const runDir = await latestRunDir();
  const manifest = runDir ? await readJson<{ counts?: Record<string, unknown> }>(join(runDir, 'manifest.json')) : undefined;
  return {
    wallSeconds,
    rowsPerSecond: input.rows / wallSeconds,
    peakRssMiB: rss ? rss.maxRssKiB / 1024 : null,
    userCpuSeconds: rss ? rss.userCpuMicros / 1e6 : null,
    systemCpuSeconds: rss ? rss.systemCpuMicros / 1e6 : null,
    counts: manifest?.counts ?? null,
    outputBytes: runDir ? await fileSizes(runDir) : {},
  };
}

/** Runs the CLI, passing its stderr (progress lines) through and keeping the tail for errors. */
function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderrTail: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let tail = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      process.stderr.write(text.replace(/^(?=.)/gm, '    cli: '));
      tail = (tail + text).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stderrTail: tail }));
  });
}

async function latestRunDir(): Promise<string | undefined> {
  const asOfDir = join(OUT, 'runs', `as-of=${BENCH_AS_OF}`);
  const runs = (await readdir(asOfDir).catch(() => [] as string[])).filter((name) => name.startsWith('run-id=')).sort();
  const last = runs.at(-1);
  return last === undefined ? undefined : join(asOfDir, last);
}

async function fileSizes(dir: string): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  for (const name of (await readdir(dir)).sort()) sizes[name] = (await stat(join(dir, name))).size;
  return sizes;
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function printRun(label: string, input: BenchInput, m: RunMeasurement): void {
  const mbPerSecond = input.bytes / 1e6 / m.wallSeconds;
  console.log(`  ${label.padEnd(8)} ${m.wallSeconds.toFixed(2)} s wall, ${formatInt(m.rowsPerSecond)} rows/s (${mbPerSecond.toFixed(1)} MB/s of CSV)`);
  console.log(
    `           peak RSS ${m.peakRssMiB === null ? 'unknown (report-rss did not run)' : `${m.peakRssMiB.toFixed(1)} MiB`}` +
      (m.userCpuSeconds === null ? '' : `, CPU ${m.userCpuSeconds.toFixed(2)} s user + ${m.systemCpuSeconds!.toFixed(2)} s system`),
  );
  if (m.counts) {
    const c = m.counts;
    const parts = ['read', 'ranked', 'groups', 'excluded', 'rejected'].filter((key) => typeof c[key] === 'number').map((key) => `${key} ${formatInt(c[key] as number)}`);
    console.log(`           ${parts.join(' · ')}`);
  } else {
    console.log('           (no manifest.json found under .bench/out; counts unknown)');
  }
  const outputs = Object.entries(m.outputBytes).map(([name, bytes]) => `${name} ${formatBytes(bytes)}`);
  if (outputs.length > 0) console.log(`           ${outputs.join(', ')}`);
}

function describeMachine(): { cpus: number; cpuModel: string; totalMemoryGiB: string; node: string; platform: string } {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown CPU',
    totalMemoryGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

function formatBytes(bytes: number): string {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

function formatInt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
