/**
 * Packages the functions load only on demand, with `await import()`, and that are too large to
 * bundle into the handler: exceljs (~1.1 MB minified) is needed only when a run reads a workbook or
 * writes colors.xlsx, and would take the run-colors bundle past its 1.5 MB budget
 * (docs/architecture.md, "Excel"). Each stays out of the handler bundle (external) and is shipped
 * beside it, in the asset's node_modules, as one minified ESM file built offline by
 * scripts/bundle-lazy-package.mjs after bundling; a function whose bundle never imports it gets
 * nothing. NodejsFunction cannot split the bundle into chunks itself (it writes one outfile).
 */

import { join } from 'node:path';
import { REPO_ROOT } from './lambda-entries.js';

export const LAZY_PACKAGES: readonly string[] = ['exceljs'];

const SCRIPT = join(REPO_ROOT, 'scripts', 'bundle-lazy-package.mjs');

/** The commands run after esbuild (local bundling, in the project root) on the asset folder. */
export function lazyPackageCommands(outputDir: string): string[] {
  return LAZY_PACKAGES.map((name) => `node "${SCRIPT}" "${outputDir}" ${name}`);
}
