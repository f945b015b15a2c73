/**
 * One Run Colors job: read → validate → (dedupe) → exclude → rank → render → publish.
 * Pure orchestration over the {@link ColorSource} and {@link ResultSink} ports, so the CLI and the
 * Lambda run exactly this code. Nothing is dropped: read = ranked + excluded + rejected.
 */
import { CODE_VERSION } from '../version.js';
import { checkHeaderColumns, columnUses, recordKeyWarnings } from './column-check.js';
import { COLUMNS } from './columns.js';
import type { LoadedConfig } from './config.js';
import { holdBackReason } from './hold-back.js';
import { configSummary, fileEntry, type Manifest, type RunWindow, renderManifest } from './manifest.js';
import { colorsCsv } from './outputs/colors-csv.js';
import { colorsJsonl } from './outputs/colors-jsonl.js';
import { excludedCsv } from './outputs/excluded-csv.js';
import { rejectedCsv } from './outputs/rejected-csv.js';
import type { OutputRenderer } from './outputs/renderer.js';
import { digestFile } from './outputs/stream-file.js';
import type { ColorSource, PublishedRun, RawRecord, ResultSink, WrittenFile } from './ports.js';
import { TIE_BREAKS } from './ranking/order.js';
import { RankingTable } from './ranking/table.js';
import { forEachRecord } from './readers/pull-records.js';
import { type CompiledRules, compileRules, DUPLICATE_RULE } from './rules.js';
import { type ColorRow, type HeaderMapping, isRejected, type RejectedRow, RowValidator, resolveHeader } from './schema.js';
import { compareText } from './text.js';
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
  /** Called every `progressEvery` rows read (default {@link PROGRESS_EVERY}); keep it cheap, it runs in the read loop. */
  readonly onProgress?: (rowsRead: number) => void;
  readonly progressEvery?: number;
  /** Called when reading is over and ranking starts, and when publishing starts. */
  readonly onPhase?: (phase: RunPhase) => void;
  readonly onWarning?: (message: string) => void;
}

export interface RunResult {
  readonly manifest: Manifest;
  /** Null on a dry run. */
  readonly published: PublishedRun | null;
}

export const PROGRESS_EVERY = 250_000;

export type RunPhase = 'ranking' | 'publishing';

const DUPLICATE: readonly string[] = [DUPLICATE_RULE];

interface Sorted {
  read: number;
  kept: RankingTable;
  excluded: RankingTable;
  /** Per excluded row (by table index): the rules it matched, `;`-separated. */
  excludedBy: string[];
  /** Excluded rows per distinct list of matched rules. */
  exclusions: Map<readonly string[], number>;
  rejected: RejectedRow[];
}

export async function runColors(request: RunRequest): Promise<RunResult> {
  const now = request.now ?? (() => new Date());
  const startedAt = now();
  const { config } = request.config;
  const clock = new ZoneClock(config.window.timeZone);

  const opened = await request.source.open();
  const source = request.source.description;
  const uses = columnUses(config.ranking.order, config.rules);
  let mapping: HeaderMapping;
  let absentColumns: string | undefined;
  try {
    mapping = resolveHeader(opened.header, source);
    absentColumns = checkHeaderColumns(mapping, uses, source);
  } catch (error) {
    // The records were never iterated: close the source (a file handle, a result set) explicitly.
    await opened.records[Symbol.asyncIterator]().return?.();
    throw error;
  }
  if (mapping.extraColumns.length > 0) {
    request.onWarning?.(`${source}: ignoring columns that are not color columns: ${mapping.extraColumns.join(', ')}`);
  }
  if (absentColumns !== undefined) request.onWarning?.(absentColumns);
  const rules = compileRules(config.rules, clock);
  const sorted = await sortRows(opened.records, new RowValidator(mapping, clock), rules, request);
  if (opened.recordKeys) for (const warning of recordKeyWarnings(opened.recordKeys(), uses, source)) request.onWarning?.(warning);
  request.onPhase?.('ranking');

  const ranking = sorted.kept.rank();
  const excluded = sorted.excluded.rank();
  const rejected = sorted.rejected.sort((a, b) => a.sourceRow - b.sourceRow);

  const renderers: OutputRenderer[] = [
    colorsCsv(ranking),
    ...(config.outputs.jsonl ? [colorsJsonl(ranking)] : []),
    excludedCsv(excluded, sorted.excludedBy),
    rejectedCsv(rejected),
  ];

  const counts = {
    read: sorted.read,
    ranked: ranking.rowCount,
    groups: ranking.groupCount,
    excluded: excluded.rowCount,
    excludedByRule: countExclusions(sorted.exclusions, config.dedupe ? [DUPLICATE_RULE, ...rules.activeRuleNames] : rules.activeRuleNames),
    rejected: rejected.length,
    rejectedByReason: countReasons(rejected),
  };
  const heldBack = holdBackReason(counts, config.publish.maxRejectedRatio);
  // Built once the data files are written (streamed to the sink), from their sizes and hashes.
  const manifestOf = (written: readonly WrittenFile[]): Manifest => {
    const finishedAt = now();
    return {
      manifestVersion: 1,
      runId: request.runId,
      asOf: request.asOf,
      source: request.source.description,
      window: request.window ?? null,
      timeZone: config.window.timeZone,
      counts,
      files: written.map((file, index) => fileEntry(file, renderers[index]!.rows)),
      config: configSummary(request.config),
      ranking: { order: config.ranking.order, tieBreaks: TIE_BREAKS },
      heldBack,
      codeVersion: CODE_VERSION,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
    };
  };
  if (request.dryRun) return { manifest: manifestOf(renderers.map(digestFile)), published: null };
  request.onPhase?.('publishing');
  let manifest: Manifest | undefined;
  const published = await request.sink.publish({
    asOf: request.asOf,
    runId: request.runId,
    files: renderers,
    manifest: (written) => {
      manifest = manifestOf(written);
      return renderManifest(manifest);
    },
    holdBack: heldBack,
  });
  if (manifest === undefined) throw new Error(`${request.sink.description} published run ${request.runId} without asking for its manifest`);
  return { manifest, published };
}

async function sortRows(
  records: AsyncIterable<RawRecord>,
  validator: RowValidator,
  rules: CompiledRules,
  request: RunRequest,
): Promise<Sorted> {
  const mapping = validator.mapping;
  const order = request.config.config.ranking.order;
  const seen = request.config.config.dedupe ? new Set<string>() : undefined;
  const sorted: Sorted = {
    read: 0,
    kept: new RankingTable(order),
    excluded: new RankingTable(order),
    excludedBy: [],
    exclusions: new Map(),
    rejected: [],
  };
  // rules.match returns a fresh list per excluded row; keep one shared list and its text per combination.
  const combinations = new Map<string, { names: readonly string[]; text: string }>();
  const exclude = (row: ColorRow, names: readonly string[]): void => {
    const text = names.join(';');
    let combination = combinations.get(text);
    if (combination === undefined) {
      combination = { names, text };
      combinations.set(text, combination);
    }
    sorted.excluded.add(row);
    sorted.excludedBy.push(combination.text);
    sorted.exclusions.set(combination.names, (sorted.exclusions.get(combination.names) ?? 0) + 1);
  };
  const progressEvery = request.progressEvery ?? PROGRESS_EVERY;
  await forEachRecord(records, (record) => {
    sorted.read++;
    if (sorted.read % progressEvery === 0) request.onProgress?.(sorted.read);
    const row = validator.validate(record);
    if (isRejected(row)) {
      sorted.rejected.push(row);
      return;
    }
    if (seen !== undefined) {
      const key = dedupeKey(record, mapping);
      if (seen.has(key)) {
        exclude(row, DUPLICATE);
        return;
      }
      seen.add(key);
    }
    const matched = rules.match(row);
    if (matched.length > 0) exclude(row, matched);
    else sorted.kept.add(row);
  });
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

function countExclusions(exclusions: ReadonlyMap<readonly string[], number>, ruleNames: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(ruleNames.map((name) => [name, 0]));
  for (const [names, rows] of exclusions) for (const name of names) counts[name] = (counts[name] ?? 0) + rows;
  return counts;
}

function countReasons(rejected: readonly RejectedRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { reasons } of rejected) for (const reason of reasons) counts[reason] = (counts[reason] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => compareText(a, b)));
}
