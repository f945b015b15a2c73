/**
 * The config document (docs/configuration.md): everything a desk may tune. Loaded once, validated
 * whole, and every problem reported with its JSON path; a run never starts on a broken document.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { COLUMNS, type ColumnName } from './columns.js';
import { parseConfigDocument } from './config-document.js';
import { DEFAULT_MAX_REJECTED_RATIO } from './hold-back.js';
import { DEFAULT_RANKING_ORDER, type RankingKey } from './ranking/order.js';
import { type Rule, validateRules } from './rules.js';
import { isValidTimeZone, ZoneClock } from './time-zone.js';
import { zodIssues } from './validation-issues.js';

export interface RunConfig {
  readonly version: string | null;
  readonly rules: readonly Rule[];
  readonly ranking: { readonly order: readonly RankingKey[] };
  readonly window: { readonly lookbackDays: number; readonly timeZone: string };
  /** Logical column → physical Oracle column name (identity where the document is silent). */
  readonly columns: Readonly<Record<ColumnName, string>>;
  /** report: report.html, changes.json and parents.jsonl beside the manifest (docs/report.md). */
  readonly outputs: { readonly jsonl: boolean; readonly report: boolean; readonly parquet: boolean; readonly xlsx: boolean };
  /** Held back (latest.json not moved) when rejected rows exceed this share of the rows read. */
  readonly publish: { readonly maxRejectedRatio: number };
  readonly dedupe: boolean;
}

export interface LoadedConfig {
  readonly config: RunConfig;
  /** SHA-256 of the document's bytes, recorded in the manifest. */
  readonly sha256: string;
  /** Where it came from, e.g. a path or an s3:// URL. */
  readonly source: string;
  /** The S3 object version the document was read from, when it came from a versioned bucket. */
  readonly versionId?: string | null;
}

export const DEFAULT_TIME_ZONE = 'America/New_York';

/** Oracle identifiers the product will quote into SQL: letter first, then letters, digits, _ $ #. */
export const ORACLE_IDENTIFIER = /^[A-Za-z][A-Za-z0-9_$#]{0,127}$/;

const columnName = z.enum(COLUMNS, {
  error: (issue) => `unknown column ${JSON.stringify(issue.input)}; columns are ${COLUMNS.join(', ')}`,
});

const LOOKBACK = 'must be a whole number of days from 1 to 366';
const RATIO = 'must be a number from 0 to 1 (the share of rows read that may be rejected)';

const rankingKey = z.strictObject({
  column: columnName,
  direction: z.enum(['asc', 'desc'], { error: 'direction must be "asc" or "desc"' }),
});

const documentSchema = z.strictObject({
  version: z.string().min(1).optional(),
  rules: z.unknown().refine((value) => value !== undefined, { error: 'rules is required (use [] for no rules)' }),
  ranking: z
    .strictObject({
      order: z
        .array(rankingKey)
        .min(1, { error: 'ranking.order needs at least one column' })
        .refine((keys) => new Set(keys.map((key) => key.column)).size === keys.length, {
          error: 'a column appears more than once in the ranking order',
        }),
    })
    .optional(),
  window: z
    .strictObject({
      lookbackDays: z
        .number({ error: LOOKBACK })
        .int({ error: LOOKBACK })
        .min(1, { error: LOOKBACK })
        .max(366, { error: LOOKBACK })
        .optional(),
      timeZone: z
        .string()
        .refine(isValidTimeZone, {
          error: (issue) => `unknown time zone ${JSON.stringify(issue.input)} (use an IANA name such as America/New_York)`,
        })
        .optional(),
    })
    .optional(),
  columns: z
    .partialRecord(
      columnName,
      z.string().regex(ORACLE_IDENTIFIER, {
        error: 'not a valid Oracle identifier (letter first, then letters, digits, _ $ #; at most 128)',
      }),
    )
    .optional(),
  outputs: z
    .strictObject({
      jsonl: z.boolean().optional(),
      report: z.boolean().optional(),
      parquet: z.boolean().optional(),
      xlsx: z.boolean().optional(),
    })
    .optional(),
  publish: z
    .strictObject({ maxRejectedRatio: z.number({ error: RATIO }).min(0, { error: RATIO }).max(1, { error: RATIO }).optional() })
    .optional(),
  dedupe: z.boolean().optional(),
});

/** Parses and validates a config document given as text (JSON, or YAML for .yaml/.yml sources). */
export function parseConfig(text: string, source: string): LoadedConfig {
  const sha256 = createHash('sha256').update(text).digest('hex');
  const { value: document, numberTexts } = parseConfigDocument(text, source);
  const parsed = documentSchema.safeParse(document);
  if (!parsed.success) throw new ConfigError(source, zodIssues(parsed.error));
  const doc = parsed.data;
  const timeZone = doc.window?.timeZone ?? DEFAULT_TIME_ZONE;
  const issues: ConfigIssue[] = [];
  const { rules, issues: ruleIssues } = validateRules(doc.rules, 'rules', new ZoneClock(timeZone), numberTexts);
  issues.push(...ruleIssues, ...duplicatePhysicalColumns(doc.columns ?? {}));
  if (issues.length > 0) throw new ConfigError(source, issues);
  const columns = Object.fromEntries(COLUMNS.map((column) => [column, doc.columns?.[column] ?? column])) as Record<ColumnName, string>;
  return {
    sha256,
    source,
    config: {
      version: doc.version ?? null,
      rules,
      ranking: { order: doc.ranking?.order ?? DEFAULT_RANKING_ORDER },
      window: { lookbackDays: doc.window?.lookbackDays ?? 1, timeZone },
      columns,
      outputs: {
        jsonl: doc.outputs?.jsonl ?? false,
        report: doc.outputs?.report ?? true,
        parquet: doc.outputs?.parquet ?? false,
        xlsx: doc.outputs?.xlsx ?? false,
      },
      publish: { maxRejectedRatio: doc.publish?.maxRejectedRatio ?? DEFAULT_MAX_REJECTED_RATIO },
      dedupe: doc.dedupe ?? false,
    },
  };
}

function duplicatePhysicalColumns(columns: Partial<Record<ColumnName, string>>): ConfigIssue[] {
  const owners = new Map<string, ColumnName>();
  for (const column of COLUMNS) {
    const physical = (columns[column] ?? column).toUpperCase();
    const owner = owners.get(physical);
    if (owner !== undefined) {
      return [{ path: `columns.${column}`, message: `maps to ${physical}, which ${owner} already reads` }];
    }
    owners.set(physical, column);
  }
  return [];
}
