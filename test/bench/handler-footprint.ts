/**
 * The `run-colors` Lambda's footprint: the size of its esbuild bundle and its cold-start module
 * init time. The bundle is built as the CDK stack builds it for thin mode (lib/job-function.ts:
 * ESM, minified with names kept, platform node, target node22, oracledb and the AWS SDK bundled
 * in), and imported in fresh processes with the environment it needs set to dummy values.
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { chunkSpecifier, RUN_COLORS_CHUNKS } from '../../lib/lambda-entries.js';
import { LAZY_PACKAGES } from '../../lib/lazy-packages.js';
import { BENCH_DIR, ROOT } from './generate-colors.js';

const ENTRY = join(ROOT, 'lambdas/run-colors/handler.ts');
const BUNDLE = join(BENCH_DIR, 'handler', 'run-colors.mjs');
const INIT_SCRIPT = join(ROOT, 'test/bench/handler-init.mjs');

/** What the stack sets (lib/market-pulse-stack.ts), with made-up values; nothing is contacted. */
const DUMMY_ENVIRONMENT: Record<string, string> = {
  STAGE: 'bench',
  SETTINGS_TTL_SECONDS: '300',
  RESULTS_BUCKET: 'bench-results-bucket',
  RESULTS_PREFIX: 'market-pulse',
  RESULTS_KMS_KEY_ID: 'arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000',
  SCHEDULE_TZ: 'America/New_York',
  POWERTOOLS_SERVICE_NAME: 'market-pulse',
  POWERTOOLS_METRICS_NAMESPACE: 'MarketPulse',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIABENCHDUMMY',
  AWS_SECRET_ACCESS_KEY: 'bench-dummy',
  AWS_LAMBDA_FUNCTION_NAME: 'market-pulse-bench-run-colors',
};

export interface HandlerFootprint {
  bundleBytes: number;
  /** The largest contributors to the bundle, by package. */
  largestParts: { part: string; bytes: number }[];
  /** Import time per fresh process, in ms. */
  importMs: number[];
  processMs: number[];
  networkAttempts: number;
}

export async function measureHandler(runs: number): Promise<HandlerFootprint> {
  await mkdir(join(BENCH_DIR, 'handler'), { recursive: true });
  const result = await build({
    entryPoints: [ENTRY],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    // As the stack bundles it (lib/job-function.ts): no keepNames, and what run-colors loads on
    // demand (the Parquet chunk, exceljs) shipped beside the bundle, not in it.
    keepNames: false,
    external: [...LAZY_PACKAGES, ...RUN_COLORS_CHUNKS.map(chunkSpecifier)],
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire } from 'module';const require = createRequire(import.meta.url);" },
    tsconfig: join(ROOT, 'tsconfig.json'),
    metafile: true,
    logLevel: 'error',
  });
  const output = Object.values(result.metafile.outputs).find((entry) => entry.entryPoint !== undefined)!;
  const footprint: HandlerFootprint = {
    bundleBytes: output.bytes,
    largestParts: largestParts(output),
    importMs: [],
    processMs: [],
    networkAttempts: 0,
  };
  for (let run = 0; run < runs; run++) {
    const report = await importOnce();
    if (!report.exportsHandler) throw new Error('the bundle does not export a handler function');
    footprint.importMs.push(report.importMs);
    footprint.processMs.push(report.processMs);
    footprint.networkAttempts += report.networkAttempts;
  }
  return footprint;
}

function largestParts(output: Metafile['outputs'][string]): { part: string; bytes: number }[] {
  const parts = new Map<string, number>();
  for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
    const part = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? 'market-pulse code';
    parts.set(part, (parts.get(part) ?? 0) + bytesInOutput);
  }
  return [...parts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([part, bytes]) => ({ part, bytes }));
}

function importOnce(): Promise<{ importMs: number; processMs: number; networkAttempts: number; exportsHandler: boolean }> {
  return new Promise((resolve, reject) => {
    // Only what a Lambda would have: PATH and the dummy configuration, no AWS profile files.
    const env = { PATH: process.env.PATH ?? '', HOME: join(BENCH_DIR, 'handler'), ...DUMMY_ENVIRONMENT };
    const child = spawn(process.execPath, [INIT_SCRIPT, BUNDLE], {
      cwd: join(BENCH_DIR, 'handler'),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`importing the handler bundle failed (exit ${code}):\n${stderr.slice(-2000)}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!));
    });
  });
}
