/**
 * The benchmark's input: N synthetic colors (scripts/colors-generator.ts) in `.bench/colors-<N>.csv`.
 * A sidecar `<file>.json` records the parameters, the generator's source hash and the byte size;
 * when they all match, the file is reused instead of written again (1M rows take a few seconds
 * and ~140 MB).
 *
 *   tsx test/bench/generate-colors.ts [--rows 1000000] [--seed 20261120] [--out .bench/colors-1000000.csv]
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type ColorsStats, DEFAULT_SEED, writeColorsFile } from '../../scripts/colors-generator.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH_DIR = join(ROOT, '.bench');
export const BENCH_AS_OF = '2026-11-20';
/** One row in a thousand is broken, so the run also exercises rejection. */
export const BENCH_INVALID_RATE = 0.001;
export const DEFAULT_BENCH_ROWS = 1_000_000;

const GENERATOR_SOURCE = join(ROOT, 'scripts/colors-generator.ts');

export interface BenchInputRequest {
  readonly rows: number;
  readonly seed?: number;
  /** Default `.bench/colors-<rows>.csv`. */
  readonly out?: string;
}

export interface BenchInput {
  readonly path: string;
  readonly rows: number;
  readonly seed: number;
  readonly bytes: number;
  /** False when an existing file with the same parameters was reused. */
  readonly generated: boolean;
  /** Time spent generating (0 when reused). */
  readonly seconds: number;
  readonly stats: ColorsStats;
}

interface Sidecar {
  parameters: { rows: number; seed: number; asOf: string; invalidRate: number; generatorSha256: string };
  bytes: number;
  stats: ColorsStats;
}

export function defaultInputPath(rows: number): string {
  return join(BENCH_DIR, `colors-${rows}.csv`);
}

/** Parses `1000000`, `1_000_000` or `1,000,000`. */
export function parseCount(text: string, what: string): number {
  const value = Number(text.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${what} must be a positive integer, got "${text}"`);
  return value;
}

export async function ensureColors(request: BenchInputRequest): Promise<BenchInput> {
  const rows = request.rows;
  const seed = request.seed ?? DEFAULT_SEED;
  const path = resolve(request.out ?? defaultInputPath(rows));
  const generatorSha256 = createHash('sha256')
    .update(await readFile(GENERATOR_SOURCE))
    .digest('hex');
  const parameters: Sidecar['parameters'] = { rows, seed, asOf: BENCH_AS_OF, invalidRate: BENCH_INVALID_RATE, generatorSha256 };
  const sidecarPath = `${path}.json`;

  const existing = await readSidecar(sidecarPath);
  if (existing && JSON.stringify(existing.parameters) === JSON.stringify(parameters) && (await sizeOf(path)) === existing.bytes) {
    return { path, rows, seed, bytes: existing.bytes, generated: false, seconds: 0, stats: existing.stats };
  }

  await mkdir(dirname(path), { recursive: true });
  const started = performance.now();
  const stats = await writeColorsFile(path, { rows, seed, asOf: BENCH_AS_OF, invalidRate: BENCH_INVALID_RATE });
  const seconds = (performance.now() - started) / 1000;
  const bytes = (await stat(path)).size;
  const sidecar: Sidecar = { parameters, bytes, stats };
  await writeFile(sidecarPath, `${JSON.stringify(sidecar, null, 2)}\n`);
  return { path, rows, seed, bytes, generated: true, seconds, stats };
}

async function readSidecar(path: string): Promise<Sidecar | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Sidecar;
  } catch {
    return undefined;
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

export function describeInput(input: BenchInput): string {
  const s = input.stats;
  const how = input.generated ? `generated in ${input.seconds.toFixed(1)} s` : 'reused';
  return (
    `${relative(process.cwd(), input.path) || input.path} — ${input.rows.toLocaleString('en-US')} rows, ` +
    `${(input.bytes / 1e6).toFixed(1)} MB, seed ${input.seed} (${how}); ` +
    `${s.messages.toLocaleString('en-US')} messages, ${s.cusips.toLocaleString('en-US')} CUSIPs, ` +
    `${s.duplicateRows.toLocaleString('en-US')} exact repeats, ${s.invalidRows.toLocaleString('en-US')} invalid rows`
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rows: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log('Usage: tsx test/bench/generate-colors.ts [--rows N] [--seed S] [--out FILE]');
    console.log(`Writes N synthetic colors (default ${DEFAULT_BENCH_ROWS}) to .bench/colors-<N>.csv unless it is already there.`);
    return;
  }
  const rows = values.rows === undefined ? DEFAULT_BENCH_ROWS : parseCount(values.rows, '--rows');
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got "${values.seed}"`);
  const input = await ensureColors({ rows, seed, out: values.out });
  console.log(describeInput(input));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(`generate-colors: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
