/**
 * Bundles the CLI into one ES module, `dist/market-pulse.mjs`. Dependencies stay in node_modules
 * (packages: external); only the project's own TypeScript is bundled, so startup is one file read.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

export const CLI_BUNDLE = `${root}dist/market-pulse.mjs`;

export async function buildCli(): Promise<string> {
  await build({
    entryPoints: [`${root}bin/market-pulse.ts`],
    outfile: CLI_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
  return CLI_BUNDLE;
}
