/**
 * Builds the CLI for one test file into its own folder under dist/ (inside the project, so the
 * bundle finds node_modules), so test files running in parallel never read each other's half-written
 * chunks. Call the returned cleanup in afterAll.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli } from '../../scripts/build-cli.js';

const DIST = fileURLToPath(new URL('../../dist', import.meta.url));

export async function buildCliForTest(): Promise<{ cli: string; cleanup: () => Promise<void> }> {
  await mkdir(DIST, { recursive: true });
  const outdir = await mkdtemp(join(DIST, 'test-'));
  return { cli: await buildCli(outdir), cleanup: () => rm(outdir, { recursive: true, force: true }) };
}
