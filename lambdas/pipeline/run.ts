/**
 * One Run Colors job: read → validate → (dedupe) → exclude → rank → render → publish.
 * Pure orchestration over the {@link ColorSource} and {@link ResultSink} ports, so the CLI and the
 * Lambda run exactly this code. Nothing is dropped: read = ranked + excluded + rejected.
 */
import { CODE_VERSION } from '../version.js';
import { columnUses, headerColumnWarnings, recordKeyWarnings } from './column-check.js';
import { COLUMNS } from './columns.js';
import type { LoadedConfig } from './config.js';
import { holdBackReason } from './hold-back.js';
import { InputCounts } from './input-counts.js';
import { configSummary, fileEntry, type Manifest, type RejectedUpload, type RunWindow, renderManifest } from './manifest.js';
import { colorsCsv } from './outputs/colors-csv.js';
import { colorsJsonl } from './outputs/colors-jsonl.js';
import { renderColorsXlsx } from './outputs/colors-xlsx.js';
import { excludedCsv } from './outputs/excluded-csv.js';
import { rejectedCsv } from './outputs/rejected-csv.js';
import { finishedFile } from './outputs/renderer.js';
import { digestFiles } from './outputs/stream-file.js';
import type { ColorSource, DataFile, PublishedRun, RawRecord, ResultSink, WrittenFile } from './ports.js';
import { TIE_BREAKS } from './ranking/order.js';
import { forEachRecord } from './readers/pull-records.js';
import type { ComparisonSummary } from './report/changes-json.js';
import { findPreviousRuns, type PreviousRun, type PublishedRuns } from './report/previous-runs.js';
import { reportFiles } from './report/report-files.js';
import { type CompiledRules, compileRules, DUPLICATE_RULE } from './rules.js';
import { type ColorRow, type HeaderMapping, isRejected, type RejectedRow, RowValidator, resolveHeader } from './schema.js';
import { type ReadRowsElsewhere, type RowsJob, SortedRows } from './sorted-rows.js';
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
  /** Called when reading is over and ranking starts, when rendering the outputs starts, and when publishing starts. */
  readonly onPhase?: (phase: RunPhase) => void;
  readonly onWarning?: (message: string) => void;
  /** Reads the rows on worker threads where it can (the CLI's large CSV files: parallel/); else they are read here. */
  readonly readRows?: ReadRowsElsewhere;
  /** What started the run (`scheduled`, `manual`…), for the report. */
  readonly trigger?: string;
  /** Where the report finds the runs published before this one (docs/report.md); without it, none are looked up. */
  readonly publishedRuns?: PublishedRuns;
  /** The day's uploads the run left out (run-colors), for the manifest; undefined when it looked for none. */
  readonly rejectedUploads?: readonly RejectedUpload[];
}

export interface RunResult {
  readonly manifest: Manifest;
  /** Null on a dry run. */
  readonly published: PublishedRun | null;
  /** What changed since the runs before it (outputs.report); null without a report. */
  readonly changes: readonly ComparisonSummary[] | null;
}

export const PROGRESS_EVERY = 250_000;

export type RunPhase = 'ranking' | 'rendering' | 'publishing';

const DUPLICATE: readonly string[] = [DUPLICATE_RULE];

export async function runColors(request: RunRequest): Promise<RunResult> {
  const read = await readRun(request);
  try {
    return await rankAndPublish(request, read);
  } finally {
    // The rows' lines may be in a spill file (parallel/): freed once every output is written.
    await read.sorted.release();
  }
}

/** What reading a run's input gives the steps after it. */
interface ReadRun {
  readonly startedAt: Date;
  readonly clock: ZoneClock;
  readonly source: string;
  readonly sorted: SortedRows;
  readonly activeRuleNames: readonly string[];
  readonly inputCounts: InputCounts | undefined;
  /** The runs before this one, looked up while the rows were read; never rejects (previous-runs.ts). Let go once the report is rendered. */
  previous: Promise<readonly PreviousRun[] | null> | undefined;
}

async function readRun(request: RunRequest): Promise<ReadRun> {
  const startedAt = (request.now ?? (() => new Date()))();
  const { config } = request.config;
  const clock = new ZoneClock(config.window.timeZone);

  const opened = await request.source.open();
  const source = request.source.description;
  const uses = columnUses(config.ranking.order, config.rules);
  let mapping: HeaderMapping;
  let headerWarnings: string[];
  try {
    mapping = resolveHeader(opened.header, source);
    headerWarnings = headerColumnWarnings(mapping, uses, source);
  } catch (error) {
    // The records were never iterated: close the source (a file handle, a result set) explicitly.
    await opened.records[Symbol.asyncIterator]().return?.();
    throw error;
  }
  for (const warning of [...(opened.warnings ?? []), ...headerWarnings]) request.onWarning?.(warning);
  const rules = compileRules(config.rules, clock);
  const inputCounts = opened.inputs ? new InputCounts(opened.inputs) : undefined;
  const previous = lookUpPreviousRuns(request);
  // Rows read elsewhere carry no per-input counts: a source of several inputs is read here.
  const sorted =
    (inputCounts === undefined
      ? await readRowsElsewhere(
          request,
          { source, header: opened.header, mapping, config, onProgress: request.onProgress, onWarning: request.onWarning },
          opened.records,
        )
      : undefined) ?? (await sortRows(opened.records, new RowValidator(mapping, clock), rules, request, inputCounts));
  if (opened.recordKeys) for (const warning of recordKeyWarnings(opened.recordKeys(), uses, source)) request.onWarning?.(warning);
  const activeRuleNames = config.dedupe ? [DUPLICATE_RULE, ...rules.activeRuleNames] : rules.activeRuleNames;
  return { startedAt, clock, source, sorted, activeRuleNames, inputCounts, previous };
}

/** Ranks the rows read, renders the outputs and publishes them (or, on a dry run, only digests them). */
async function rankAndPublish(request: RunRequest, read: ReadRun): Promise<RunResult> {
  const now = request.now ?? (() => new Date());
  const { config } = request.config;
  const { startedAt, clock, source, sorted, inputCounts } = read;
  request.onPhase?.('ranking');

  const ranking = sorted.kept.rank();
  const excluded = sorted.excluded.rank();
  const rejected = sorted.rejected.sort((a, b) => a.sourceRow - b.sourceRow);
  request.onPhase?.('rendering');

  const counts = {
    read: sorted.read,
    ranked: ranking.rowCount,
    groups: ranking.groupCount,
    excluded: excluded.rowCount,
    excludedByRule: countExclusions(sorted.exclusions, read.activeRuleNames),
    rejected: rejected.length,
    rejectedByReason: countReasons(rejected),
  };
  const heldBack = holdBackReason(counts, config.publish.maxRejectedRatio);

  const files: (DataFile & { readonly rows: number })[] = [
    colorsCsv(ranking),
    ...(config.outputs.jsonl ? [colorsJsonl(ranking)] : []),
    excludedCsv(excluded, sorted.excludedBy),
    rejectedCsv(rejected),
  ];
  // A workbook is built whole (exceljs), then handed over as it is.
  if (config.outputs.xlsx) {
    const { file, rows } = await renderColorsXlsx({ ranking, excluded, excludedBy: sorted.excludedBy, rejected, asOf: request.asOf });
    files.push({ ...finishedFile(file), rows });
  }
  // The report lists the files before it as they are written, so it comes after them.
  const report = sorted.tally
    ? reportFiles(
        ranking,
        {
          run: {
            runId: request.runId,
            asOf: request.asOf,
            trigger: request.trigger ?? null,
            source,
            window: request.window ?? null,
            timeZone: config.window.timeZone,
            config: configSummary(request.config),
            order: config.ranking.order,
            heldBack,
            codeVersion: CODE_VERSION,
          },
          counts,
          exclusions: sorted.exclusions,
          rejected,
          tally: sorted.tally,
          previous: (await read.previous) ?? null,
        },
        (name) => files.find((file) => file.name === name)?.rows ?? 0,
      )
    : undefined;
  read.previous = undefined;
  if (report) files.push(...report.files);
  // Loaded only when asked for: the Parquet writer is a chunk of its own (parquet/table-outputs.mts).
  const tables = config.outputs.parquet
    ? (await import('./parquet/table-outputs.mjs')).tableFiles(ranking, excluded, sorted.excludedBy, rejected, {
        asOf: request.asOf,
        runId: request.runId,
        clock,
        codeVersion: CODE_VERSION,
      })
    : [];

  // Built once the files are written (streamed to the sink), from their sizes and hashes: the data
  // files, then the table files (ports.ts PublishRequest).
  const manifestOf = (written: readonly WrittenFile[]): Manifest => {
    const finishedAt = now();
    return {
      manifestVersion: 1,
      runId: request.runId,
      asOf: request.asOf,
      source: request.source.description,
      ...(inputCounts ? { inputs: inputCounts.entries() } : {}),
      ...(request.rejectedUploads ? { rejectedUploads: request.rejectedUploads } : {}),
      window: request.window ?? null,
      timeZone: config.window.timeZone,
      counts,
      files: written.map((file, index) => {
        const table = tables[index - files.length];
        return table === undefined ? fileEntry(file, files[index]!.rows) : fileEntry(file, table.rows, table.path);
      }),
      config: configSummary(request.config),
      ranking: { order: config.ranking.order, tieBreaks: TIE_BREAKS },
      heldBack,
      codeVersion: CODE_VERSION,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
    };
  };
  const changes = report?.changes ?? null;
  if (request.dryRun) {
    const written = [...digestFiles(files), ...digestFiles(tables.map(({ file }) => file))];
    return { manifest: manifestOf(written), published: null, changes };
  }
  request.onPhase?.('publishing');
  let manifest: Manifest | undefined;
  const published = await request.sink.publish({
    asOf: request.asOf,
    runId: request.runId,
    files,
    ...(tables.length > 0 ? { tableFiles: tables.map(({ file, path }) => ({ file, path })) } : {}),
    manifest: (written) => {
      manifest = manifestOf(written);
      return renderManifest(manifest);
    },
    holdBack: heldBack,
  });
  if (manifest === undefined) throw new Error(`${request.sink.description} published run ${request.runId} without asking for its manifest`);
  return { manifest, published, changes };
}

/** The runs published before this one, when a report is written and there is somewhere to look; null otherwise. */
function lookUpPreviousRuns(request: RunRequest): Promise<readonly PreviousRun[] | null> {
  const { publishedRuns } = request;
  if (!request.config.config.outputs.report || request.dryRun || publishedRuns === undefined) return Promise.resolve(null);
  return findPreviousRuns(publishedRuns, request.asOf, request.runId, (message) => request.onWarning?.(message));
}

/** The rows read by `request.readRows`, if it takes them; the source's records are then closed unread. */
async function readRowsElsewhere(
  request: RunRequest,
  job: Omit<RowsJob, 'progressEvery'>,
  records: AsyncIterable<RawRecord>,
): Promise<SortedRows | undefined> {
  if (request.readRows === undefined) return undefined;
  const close = async () => {
    await records[Symbol.asyncIterator]().return?.();
  };
  let sorted: SortedRows | undefined;
  try {
    sorted = await request.readRows({ ...job, progressEvery: request.progressEvery ?? PROGRESS_EVERY });
  } catch (error) {
    await close();
    throw error;
  }
  if (sorted !== undefined) await close();
  return sorted;
}

async function sortRows(
  records: AsyncIterable<RawRecord>,
  validator: RowValidator,
  rules: CompiledRules,
  request: RunRequest,
  inputCounts: InputCounts | undefined,
): Promise<SortedRows> {
  const mapping = validator.mapping;
  const seen = request.config.config.dedupe ? new Set<string>() : undefined;
  const sorted = new SortedRows(request.config.config);
  const exclude = (row: ColorRow, names: readonly string[]): void => {
    sorted.exclude(row, names);
    inputCounts?.add(row.sourceRow, 'excluded');
  };
  const progressEvery = request.progressEvery ?? PROGRESS_EVERY;
  await forEachRecord(records, (record) => {
    sorted.read++;
    if (sorted.read % progressEvery === 0) request.onProgress?.(sorted.read);
    const row = validator.validate(record);
    if (isRejected(row)) {
      sorted.rejected.push(row);
      inputCounts?.add(row.sourceRow, 'rejected');
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
    else {
      sorted.keep(row);
      inputCounts?.add(row.sourceRow, 'ranked');
    }
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
