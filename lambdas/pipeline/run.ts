/**
 * One Run Colors job: read → validate → (dedupe) → exclude → rank → render → publish.
 * Pure orchestration over the {@link ColorSource} and {@link ResultSink} ports, so the CLI and the
 * Lambda run exactly this code. Nothing is dropped: read = ranked + excluded + rejected.
 */
import { CODE_VERSION } from '../version.js';
import { COLUMNS } from './columns.js';
import type { LoadedConfig } from './config.js';
import { configSummary, fileEntry, renderManifest, TIE_BREAKS, type Manifest, type RunWindow } from './manifest.js';
import { renderColorsCsv, renderColorsJsonl, renderExcludedCsv, renderRejectedCsv, type ExcludedRow } from './outputs.js';
import type { ColorSource, OutputFile, PublishedRun, RawRecord, ResultSink } from './ports.js';
import { orderAsRanked, rankColors } from './ranking.js';
import { compileRules, DUPLICATE_RULE, type CompiledRules } from './rules.js';
import { isRejected, resolveHeader, RowValidator, type ColorRow, type HeaderMapping, type RejectedRow } from './schema.js';
import { ZoneClock } from './time-zone.js';

export interface RunRequest {
  readonly source: ColorSource;
  readonly sink: ResultSink;
  readonly config: LoadedConfig;
  readonly asOf: string;
  readonly runId: string;
  /** The database window the source was asked for; null for a file read whole. */
  readonly window?: RunWindow | null;
  /** Run everything, publish nothing. */
  readonly dryRun?: boolean;
  readonly now?: () => Date;
  /** Called every {@link PROGRESS_EVERY} rows read. */
  readonly onProgress?: (rowsRead: number) => void;
  readonly onWarning?: (message: string) => void;
}

export interface RunResult {
  readonly manifest: Manifest;
  /** Null on a dry run. */
  readonly published: PublishedRun | null;
}

export const PROGRESS_EVERY = 250_000;

interface Sorted {
  read: number;
  kept: ColorRow[];
  excluded: Map<ColorRow, readonly string[]>;
  rejected: RejectedRow[];
}

export async function runColors(request: RunRequest): Promise<RunResult> {
  const now = request.now ?? (() => new Date());
  const startedAt = now();
  const { config } = request.config;
  const clock = new ZoneClock(config.window.timeZone);

  const opened = await request.source.open();
  let mapping: HeaderMapping;
  try {
    mapping = resolveHeader(opened.header, request.source.description);
  } catch (error) {
    // The records were never iterated: close the source (a file handle, a result set) explicitly.
    await opened.records[Symbol.asyncIterator]().return?.();
    throw error;
  }
  if (mapping.extraColumns.length > 0) {
    request.onWarning?.(`${request.source.description}: ignoring columns that are not color columns: ${mapping.extraColumns.join(', ')}`);
  }
  const rules = compileRules(config.rules, clock);
  const sorted = await sortRows(opened.records, new RowValidator(mapping, clock), rules, request);

  const { ranked, groups } = rankColors(sorted.kept, config.ranking.order);
  const excluded: ExcludedRow[] = orderAsRanked([...sorted.excluded.keys()], config.ranking.order).map((row) => ({
    row,
    excludedBy: sorted.excluded.get(row)!,
  }));
  const rejected = sorted.rejected.sort((a, b) => a.sourceRow - b.sourceRow);

  const files: OutputFile[] = [renderColorsCsv(ranked)];
  const rowCounts = [ranked.length];
  if (config.outputs.jsonl) {
    files.push(renderColorsJsonl(ranked));
    rowCounts.push(ranked.length);
  }
  files.push(renderExcludedCsv(excluded), renderRejectedCsv(rejected));
  rowCounts.push(excluded.length, rejected.length);

  const finishedAt = now();
  const manifest: Manifest = {
    manifestVersion: 1,
    runId: request.runId,
    asOf: request.asOf,
    source: request.source.description,
    window: request.window ?? null,
    timeZone: config.window.timeZone,
    counts: {
      read: sorted.read,
      ranked: ranked.length,
      groups,
      excluded: excluded.length,
      excludedByRule: countExclusions(excluded, config.dedupe ? [DUPLICATE_RULE, ...rules.activeRuleNames] : rules.activeRuleNames),
      rejected: rejected.length,
      rejectedByReason: countReasons(rejected),
    },
    files: files.map((file, index) => fileEntry(file, rowCounts[index]!)),
    config: configSummary(request.config),
    ranking: { order: config.ranking.order, tieBreaks: TIE_BREAKS },
    codeVersion: CODE_VERSION,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
  };
  if (request.dryRun) return { manifest, published: null };
  const published = await request.sink.publish({
    asOf: request.asOf,
    runId: request.runId,
    files,
    manifest: renderManifest(manifest),
  });
  return { manifest, published };
}

async function sortRows(
  records: AsyncIterable<RawRecord>,
  validator: RowValidator,
  rules: CompiledRules,
  request: RunRequest,
): Promise<Sorted> {
  const mapping = validator.mapping;
  const seen = request.config.config.dedupe ? new Set<string>() : undefined;
  const sorted: Sorted = { read: 0, kept: [], excluded: new Map(), rejected: [] };
  for await (const record of records) {
    sorted.read++;
    if (sorted.read % PROGRESS_EVERY === 0) request.onProgress?.(sorted.read);
    const row = validator.validate(record);
    if (isRejected(row)) {
      sorted.rejected.push(row);
      continue;
    }
    if (seen !== undefined) {
      const key = dedupeKey(record, mapping);
      if (seen.has(key)) {
        sorted.excluded.set(row, [DUPLICATE_RULE]);
        continue;
      }
      seen.add(key);
    }
    const matched = rules.match(row);
    if (matched.length > 0) sorted.excluded.set(row, matched);
    else sorted.kept.push(row);
  }
  return sorted;
}

/** Exact repeat = every color column equal as read (raw text, before trimming or parsing). */
function dedupeKey(record: RawRecord, mapping: HeaderMapping): string {
  let key = '';
  for (let index = 0; index < COLUMNS.length; index++) {
    const position = mapping.positions[index]!;
    const value = position < 0 ? null : (record.values[position] ?? null);
    // \u0000 separates fields and \u0001 marks null, so no two distinct rows share a key.
    key += value === null ? '\u0001\u0000' : `${value}\u0000`;
  }
  return key;
}

function countExclusions(excluded: readonly ExcludedRow[], ruleNames: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(ruleNames.map((name) => [name, 0]));
  for (const { excludedBy } of excluded) for (const name of excludedBy) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

function countReasons(rejected: readonly RejectedRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { reasons } of rejected) for (const reason of reasons) counts[reason] = (counts[reason] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
