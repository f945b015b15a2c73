/**
 * Where each function's handler lives: the one table the stack (and its tests) take entry paths
 * from. Paths are relative to the repository root.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FUNCTION_NAMES = ['run-colors', 'db-health', 'oracle-extract'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

export const LAMBDA_ENTRIES: Readonly<Record<FunctionName, string>> = {
  'run-colors': 'lambdas/run-colors/handler.ts',
  'db-health': 'lambdas/db-health/handler.ts',
  'oracle-extract': 'lambdas/oracle-extract/handler.ts',
};

/** The provider behind the SecureString custom resource (lib/secure-parameters.ts). */
export const SECURE_PARAMETERS_HANDLER = 'lib/custom-resources/secure-parameters-handler.ts';

/** The repository root: package.json, the lock file and tsconfig.json live here. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The absolute entry path of a function, from the table, checked to exist. */
export function entryPath(name: FunctionName): string {
  const entry = LAMBDA_ENTRIES[name];
  const path = join(REPO_ROOT, entry);
  if (!existsSync(path)) {
    throw new Error(
      `the ${name} function's handler ${entry} does not exist; ` +
        'it exports `handler` and is bundled from there (see lib/lambda-entries.ts)',
    );
  }
  return path;
}

/** The absolute path of a file given relative to the repository root. */
export function entryPathOf(relative: string): string {
  return join(REPO_ROOT, relative);
}

/** What run-colors loads only when a run asks for it (lib/job-function.ts, `chunks`): the Parquet writer. */
export const RUN_COLORS_CHUNKS: readonly string[] = ['lambdas/pipeline/parquet/table-outputs.mts'];

/** How the handler bundle imports a chunk: `lambdas/pipeline/parquet/x.mts` is `./parquet/x.mjs` (from lambdas/pipeline/run.ts), beside the bundle. */
export function chunkSpecifier(chunk: string): string {
  return `./${chunk.replace(/^lambdas\/pipeline\//, '').replace(/\.mts$/, '.mjs')}`;
}
