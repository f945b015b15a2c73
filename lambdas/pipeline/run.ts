/**
 * One Run Colors job: read → validate → (dedupe) → exclude → rank → render → publish.
 * Pure orchestration over the {@link ColorSource} and {@link ResultSink} ports, so the CLI and the
 * Lambda run exactly this code. Nothing is dropped: read = ranked + excluded + rejected.
 */
import { CODE_VERSION } from '../version.js';
import type { LoadedConfig } from './config.js';
import { holdBackReason } from './hold-back.js';
import { configSummary, fileEntry, type Manifest, type RejectedUpload, type RunWindow, renderManifest } from './manifest.js';
import { colorsCsv } from './outputs/colors-csv.js';
import { colorsJsonl } from './outputs/colors-jsonl.js';
import { renderColorsXlsx } from './outputs/colors-xlsx.js';
import { excludedCsv } from './outputs/excluded-csv.js';
import { rejectedCsv } from './outputs/rejected-csv.js';
import { finishedFile } from './outputs/renderer.js';
import { digestFiles } from './outputs/stream-file.js';
import type { ColorSource, DataFile, PublishedRun, ResultSink, WrittenFile } from './ports.js';
import { TIE_BREAKS } from './ranking/order.js';
import { type ReadRun, readRun } from './read-run.js';
import type { ComparisonSummary } from './report/changes-json.js';
import type { PublishedRuns } from './report/previous-runs.js';
import { reportFiles } from './report/report-files.js';
import type { RejectedRow } from './schema.js';
import type { ReadRowsElsewhere } from './sorted-rows.js';
import { compareText } from './text.js';

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
  /** Called every `progressEvery` rows read (default 250,000: read-run.ts); keep it cheap, it runs in the read loop. */
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

export type RunPhase = 'ranking' | 'rendering' | 'publishing';

export async function runColors(request: RunRequest): Promise<RunResult> {
  const read = await readRun(request);
  try {
    return await rankAndPublish(request, read);
  } finally {
    // The rows' lines may be in a spill file (parallel/): freed once every output is written.
    await read.sorted.release();
  }
}

/** Ranks the rows read, renders the outputs and publishes them (or, on a dry run, only digests them). */
async function rankAndPublish(request: RunRequest, read: ReadRun): Promise<RunResult> {
  const { config } = request.config;
  const { now, startedAt, clock, source, sorted, inputCounts } = read;
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
