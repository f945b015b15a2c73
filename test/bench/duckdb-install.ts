/**
 * DuckDB for the benchmark and the queries runner, and not in package.json: a lockfile entry for
 * it must list its native bindings for every platform, which the registry this project uses does
 * not all carry, so `npm ci` would refuse the lockfile. It is installed on first use into
 * .bench/node_modules (gitignored).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_DIR, ROOT } from './generate-colors.js';

export const DUCKDB = { name: '@duckdb/node-api', version: '1.5.6-r.1' };

export async function ensureDuckDb(): Promise<void> {
  const installed = [ROOT, BENCH_DIR].some((dir) => existsSync(join(dir, 'node_modules', DUCKDB.name, 'package.json')));
  if (installed) return;
  console.log(`  duckdb   installing ${DUCKDB.name}@${DUCKDB.version} into .bench/node_modules (benchmark and queries only)`);
  await mkdir(BENCH_DIR, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const args = [
    'install',
    '--prefix',
    BENCH_DIR,
    '--no-save',
    '--no-package-lock',
    '--no-audit',
    '--no-fund',
    `${DUCKDB.name}@${DUCKDB.version}`,
  ];
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn(npm, args, { cwd: BENCH_DIR, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`npm ${args.join(' ')} exited with code ${code}`))));
  });
}

/** The installed module, wherever it is (the repository's node_modules or .bench's). */
export async function importDuckDb<T>(): Promise<T> {
  const resolved = createRequire(join(BENCH_DIR, 'package.json')).resolve(DUCKDB.name);
  return (await import(pathToFileURL(resolved).href)) as T;
}
