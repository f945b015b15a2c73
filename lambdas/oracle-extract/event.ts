/**
 * What an extract is asked for: the Lambda event `{ table?, rows? }` and the CLI's `--table`/`--rows`,
 * checked the same way before anything connects. A table is `TABLE` (in the stage's schema) or
 * `OWNER.TABLE`; each part must be a plain Oracle identifier (ORACLE_IDENTIFIER), so a name that
 * could smuggle SQL is refused here, before any SQL exists. Names are upper-cased as Oracle
 * resolves the unquoted names people type.
 */
import * as z from 'zod';
import { UsageError } from '../errors.js';
import { ORACLE_IDENTIFIER } from '../pipeline/config.js';
import { formatJsonPath } from '../pipeline/validation-issues.js';

export const DEFAULT_SAMPLE_ROWS = 100;
export const MAX_SAMPLE_ROWS = 10_000;

export interface TableRef {
  /** Upper-cased; undefined means the stage's schema setting. */
  readonly owner?: string;
  readonly table: string;
}

export interface ExtractRequest {
  /** Undefined means the stage's schema.table settings. */
  readonly table?: TableRef;
  readonly rows: number;
}

const TABLE_RULE = 'must be TABLE or OWNER.TABLE, each a letter followed by letters, digits, _ $ # (at most 128)';

const eventSchema = z.strictObject({
  table: z.string({ error: 'must be a string' }).optional(),
  rows: z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: `must be between 1 and ${MAX_SAMPLE_ROWS}` })
    .max(MAX_SAMPLE_ROWS, { error: `must be between 1 and ${MAX_SAMPLE_ROWS}` })
    .optional(),
});

/** Parses `TABLE` or `OWNER.TABLE`; the value is never echoed back (it failed validation, it may be anything). */
export function parseTableRef(text: string, label = 'table'): TableRef {
  const parts = text.trim().split('.');
  if (parts.length > 2 || parts.some((part) => !ORACLE_IDENTIFIER.test(part))) throw new UsageError(`${label} ${TABLE_RULE}`);
  return parts.length === 2 ? { owner: parts[0]!.toUpperCase(), table: parts[1]!.toUpperCase() } : { table: parts[0]!.toUpperCase() };
}

export function parseSampleRows(value: string | number, label = 'rows'): number {
  const rows = typeof value === 'number' ? value : /^\d{1,6}$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(rows) || rows < 1 || rows > MAX_SAMPLE_ROWS)
    throw new UsageError(`${label} must be a whole number between 1 and ${MAX_SAMPLE_ROWS}`);
  return rows;
}

export function parseExtractEvent(event: unknown): ExtractRequest {
  const parsed = eventSchema.safeParse(event ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${formatJsonPath(issue.path) || 'event'}: ${issue.message}`);
    throw new UsageError(
      `invalid oracle-extract event: ${problems.join('; ')} (expected { "table"?: ` +
        `"TABLE" | "OWNER.TABLE", "rows"?: 1–${MAX_SAMPLE_ROWS} })`,
    );
  }
  const { table, rows = DEFAULT_SAMPLE_ROWS } = parsed.data;
  return { rows, ...(table === undefined ? {} : { table: parseTableRef(table, 'invalid oracle-extract event: table') }) };
}
