/**
 * Builds the CLI for one test file into its own folder under dist/ (inside the project, so the
 * bundle finds node_modules), so test files running in parallel never read each other's half-written
 * chunks. Call the returned cleanup in afterAll.
 */
import { type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { buildCli } from '../../scripts/build-cli.js';

const DIST = fileURLToPath(new URL('../../dist', import.meta.url));

export async function buildCliForTest(): Promise<{ cli: string; cleanup: () => Promise<void> }> {
  await mkdir(DIST, { recursive: true });
  const outdir = await mkdtemp(join(DIST, 'test-'));
  return { cli: await buildCli(outdir), cleanup: () => rm(outdir, { recursive: true, force: true }) };
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface BuiltCliFixture {
  /** The built entry point (valid once the file's beforeAll has run). */
  readonly cli: string;
  /** A scratch folder for this test file, removed afterwards. */
  readonly work: string;
  /** Runs the built CLI with these arguments and waits for it (60 s at most). */
  run(...args: string[]): CliResult;
  /** The same without blocking the event loop, for a test whose own servers must keep answering the CLI. */
  runAsync(...args: string[]): Promise<CliResult>;
}

/**
 * The CLI built for this test file and a scratch folder, both made in beforeAll and removed in
 * afterAll; `run` executes the built CLI as a user would.
 */
export function useBuiltCli(
  workPrefix: string,
  options: { readonly env?: () => NodeJS.ProcessEnv; readonly inWork?: boolean } = {},
): BuiltCliFixture {
  let cli = '';
  let work = '';
  let cleanup: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ cli, cleanup } = await buildCliForTest());
    work = await mkdtemp(join(tmpdir(), workPrefix));
  });
  afterAll(async () => {
    await cleanup();
    await rm(work, { recursive: true, force: true });
  });
  return {
    get cli() {
      return cli;
    },
    get work() {
      return work;
    },
    run(...args) {
      const result = spawnSync(process.execPath, [cli, ...args], {
        encoding: 'utf8',
        timeout: 60_000,
        env: options.env?.() ?? process.env,
        ...(options.inWork ? { cwd: work } : {}),
      });
      return { code: result.status, stdout: result.stdout, stderr: result.stderr };
    },
    runAsync(...args) {
      return spawnCollecting([cli, ...args], {
        env: options.env?.() ?? process.env,
        ...(options.inWork ? { cwd: work } : {}),
      });
    },
  };
}

/** Runs `node …args` (60 s at most) and collects its exit code and output. */
export function spawnCollecting(args: readonly string[], options: SpawnOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { timeout: 60_000, ...options, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
