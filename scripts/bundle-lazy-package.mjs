// Ships a package a Lambda function loads only on demand (lib/lazy-packages.ts) beside its bundle:
// `node scripts/bundle-lazy-package.mjs <asset folder> <package>` writes
// <asset folder>/node_modules/<package>/index.mjs, the package and its dependencies as one minified
// ESM file, so the handler's `await import('<package>')` finds it and the handler bundle stays small.
// Built with the same esbuild settings as the handler (lib/job-function.ts, bundlingOptions). A
// bundle that never imports the package gets nothing.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';

const [outputDir, name] = process.argv.slice(2);
if (!outputDir || !name) throw new Error('usage: bundle-lazy-package.mjs <asset folder> <package>');
const handler = await readFile(join(outputDir, 'index.mjs'), 'utf8');
if (!handler.includes(`"${name}"`)) process.exit(0);
const require = createRequire(import.meta.url);
const { version } = require(`${name}/package.json`);
const folder = join(outputDir, 'node_modules', name);
await mkdir(folder, { recursive: true });
await build({
  entryPoints: [require.resolve(name)],
  outfile: join(folder, 'index.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  keepNames: true,
  banner: { js: "import { createRequire } from 'module';const require = createRequire(import.meta.url);" },
  logLevel: 'warning',
});
await writeFile(join(folder, 'package.json'), `${JSON.stringify({ name, version, type: 'module', exports: './index.mjs' }, null, 2)}\n`);
