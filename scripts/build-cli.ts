/**
 * Bundles the CLI into `dist/market-pulse.mjs` plus chunks under `dist/chunks/`. Dependencies stay
 * in node_modules (packages: external); only the project's own TypeScript is bundled. Code
 * splitting keeps each `await import()` of bin/cli (a command, the S3/Oracle edges) in its own
 * chunk, so its packages load only when that code runs: a file run never loads the AWS SDK.
 */
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

const DIST = `${root}dist`;

/**
 * Builds into `outdir` (default dist/) and returns the entry's path. The folder must be inside the
 * project so the bundle resolves its packages from node_modules; tests each build into their own.
 */
export async function buildCli(outdir = DIST): Promise<string> {
  // Chunk names carry a content hash: clear the previous build's so dist/ holds one build.
  await rm(`${outdir}/chunks`, { recursive: true, force: true });
  await build({
    // The worker threads that read pieces of a large CSV file (lambdas/pipeline/parallel/) and hash the
    // files of a folder publish (lambdas/adapters/file-hash-thread.ts) are entries of their own.
    entryPoints: {
      'market-pulse': `${root}bin/market-pulse.ts`,
      'chunk-worker': `${root}lambdas/pipeline/parallel/chunk-worker.ts`,
      'file-hash-worker': `${root}lambdas/adapters/file-hash-worker.ts`,
    },
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    // Bundling may rename a class whose name collides with another module's; error names must stay.
    keepNames: true,
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
  return `${outdir}/market-pulse.mjs`;
}
