/** `market-pulse run`: the Run Colors job from a file or Oracle, published to a folder or S3. */
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { FileHashThread } from '../../lambdas/adapters/file-hash-thread.js';
import { FileSource } from '../../lambdas/adapters/file-source.js';
import type { OracleRetry } from '../../lambdas/adapters/oracle/session.js';
import { UsageError } from '../../lambdas/errors.js';
import { parseAsOf, todayIn } from '../../lambdas/pipeline/as-of.js';
import { columnUses } from '../../lambdas/pipeline/column-check.js';
import type { LoadedConfig } from '../../lambdas/pipeline/config.js';
import type { Manifest } from '../../lambdas/pipeline/manifest.js';
import { parallelCsvReader } from '../../lambdas/pipeline/parallel/parallel-read.js';
import { startReaderThreads } from '../../lambdas/pipeline/parallel/reader-threads.js';
import type { ColorSource, PublishedRun } from '../../lambdas/pipeline/ports.js';
import { formatOfName } from '../../lambdas/pipeline/readers/open-records.js';
import { REPORT_FILE } from '../../lambdas/pipeline/report/report-html.js';
import { runColors } from '../../lambdas/pipeline/run.js';
import { newRunId } from '../../lambdas/pipeline/run-id.js';
import { runWindow } from '../../lambdas/pipeline/run-window.js';
import { ZoneClock } from '../../lambdas/pipeline/time-zone.js';
import { UnionSource } from '../../lambdas/pipeline/union-source.js';
import { cliLog } from './cli-log.js';
import { fileSource, loadConfig, oracleSource, publishedRunsFor, sinkFor } from './edges.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { checkStage, parseCount, parseSeconds, rejectEmptyOptions } from './options.js';
import { ProgressReporter } from './progress.js';
import { retryLine } from './retry-line.js';
import { excludedByRuleLine } from './rule-counts.js';

/** How long `--source oracle` keeps trying to reach the database by default: all 8 attempts and their waits fit. */
const DEFAULT_TIMEOUT_SECONDS = 30;
const MAX_TIMEOUT_SECONDS = 3_600;
const MAX_THREADS = 64;
/** Rows between progress reports: often enough for a live counter, rare enough to cost nothing. */
const PROGRESS_EVERY_ROWS = 10_000;

export const RUN_HELP = `Usage: market-pulse run (--input <file> [--input <file>…] [--sheet <name>] | --source oracle --stage <stage>)
                        --config <file|s3://bucket/key> --out <dir|s3://bucket/prefix>
                        [--as-of YYYY-MM-DD] [--dry-run] [--timeout <seconds>] [--threads <n>]

Runs the Run Colors job: validates every row, applies the exclusion rules, ranks each CUSIP's
colors (parent/child) and publishes the run atomically under
<out>/runs/as-of=<date>/run-id=<id>/, then moves <out>/runs/as-of=<date>/latest.json to it.

Options:
  --input <file>     colors as CSV (.csv), JSON Lines (.jsonl, .ndjson) or an Excel workbook
                     (.xlsx); processed whole. Give it more than once to run on the union of
                     several files (any mix of formats), deduplicated and ranked as one set
  --sheet <name>     the workbook sheet to read (default: the first sheet)
  --source oracle    read the as-of date's window from Oracle instead, with the settings of
  --stage <stage>      /market-pulse/<stage>/oracle/* in SSM (standard AWS credentials)
  --config <doc>     the config document: rules, ranking, window, outputs (JSON, or .yaml/.yml),
                     a local file or s3://bucket/key
  --out <where>      a folder (created if absent) or s3://bucket/prefix
  --as-of <date>     the as-of date the run is for (default: today in the config's time zone)
  --dry-run          run everything and print the summary, but publish nothing
  --timeout <s>      with --source oracle: how long to keep trying to reach the database —
                     connects, retries and the waits between them — before giving up
                     (default ${DEFAULT_TIMEOUT_SECONDS}); each retry is printed. Reading the rows is not limited.
  --threads <n>      threads reading a CSV file of 8 MiB or more (default: one per core); 1 reads it
                     on one thread: slower, but ~50 MiB less memory at a million rows
  -h, --help         show this help

Progress goes to stderr: one updating line on a terminal (rows read, then ranking, rendering, publishing);
otherwise a line per 250,000 rows read and one as each later phase starts.
A run with no ranked rows, or whose rejected rows exceed publish.maxRejectedRatio of the rows read
(default 0.5), is held back: published, but latest.json is not moved to it.
Exit codes: ${EXIT.ok} published (or dry run), ${EXIT.failed} Oracle or SSM failed (or unexpected), ${EXIT.usage} usage or no AWS
region set, ${EXIT.config} invalid config, ${EXIT.source} unreadable input, ${EXIT.publish} publishing failed (the message says
what of the run is visible), ${EXIT.heldBack} run held back.`;

export async function runCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      input: { type: 'string', multiple: true },
      sheet: { type: 'string' },
      source: { type: 'string' },
      stage: { type: 'string' },
      config: { type: 'string' },
      out: { type: 'string' },
      'as-of': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      timeout: { type: 'string' },
      threads: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  rejectEmptyOptions(values);
  checkSourceOptions(values);
  const missing = (['config', 'out'] as const).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new UsageError(`run needs ${missing.map((name) => `--${name}`).join(', ')} (see market-pulse run --help)`);
  const timeoutMs = parseSeconds(values.timeout ?? String(DEFAULT_TIMEOUT_SECONDS), 'timeout', MAX_TIMEOUT_SECONDS);
  const givenAsOf = values['as-of'] === undefined ? undefined : parseAsOf(values['as-of']);
  const threads = values.threads === undefined ? undefined : parseCount(values.threads, 'threads', MAX_THREADS);

  // A large CSV file is read on every core; its worker threads start now, to boot while the config
  // loads and the input opens (lambdas/pipeline/parallel/reader-threads.ts).
  const input = values.input?.length === 1 ? values.input[0]! : undefined;
  const started = input !== undefined && formatOfName(input) === 'csv' ? startReaderThreads(input, threads) : undefined;
  // Its outputs are large too: a folder's files are hashed on another core once written, while the
  // next is rendered (lambdas/adapters/file-hash-thread.ts). A small run hashes them as it renders
  // them, which costs less than starting a thread.
  const hasher = started === undefined ? undefined : new FileHashThread();
  try {
    const progress = new ProgressReporter({ terminal: io.terminal, writeLine: io.err });
    // Warnings and retries print through the reporter, so they never land in the middle of its line.
    const log = cliLog({ ...io, err: (line) => progress.line(line) });
    const sink = await sinkFor(values.out!, log, { dryRun: values['dry-run'], hasher });
    const config = await loadConfig(values.config!);
    const { timeZone, lookbackDays } = config.config.window;
    const asOf = givenAsOf ?? todayIn(new ZoneClock(timeZone));
    // A file is processed whole; the window only selects rows from the database.
    const window = values.source === 'oracle' ? runWindow(asOf, lookbackDays, new ZoneClock(timeZone)) : null;
    const onRetry = (retry: OracleRetry) => progress.line(retryLine(retry, timeoutMs));
    const source = window
      ? await oracleSource(values.stage!, config, window, log, { timeoutMs, onRetry })
      : await inputSource(values.input!, values.sheet, config);
    progress.setPhase(window ? 'connecting to Oracle' : 'opening the input');
    const { manifest, published } = await runColors({
      source: reportingOpen(source, () => progress.setPhase('reading', 0)),
      sink,
      // A dry run publishes nothing, so it compares with nothing and contacts nothing.
      publishedRuns: values['dry-run'] ? undefined : await publishedRunsFor(values.out!),
      trigger: 'manual',
      config,
      asOf,
      runId: newRunId(),
      window,
      dryRun: values['dry-run'],
      progressEvery: PROGRESS_EVERY_ROWS,
      onProgress: (rows) => progress.setCount(rows),
      onPhase: (phase) => progress.setPhase(phase),
      onWarning: (message) => progress.line(`warning: ${message}`),
      // A large CSV file is read on every core (docs/architecture.md, "Reading on worker threads").
      readRows: source instanceof FileSource && source.format === 'csv' ? parallelCsvReader(source.path, { threads, started }) : undefined,
    }).finally(() => progress.done());
    for (const line of summary(manifest)) io.out(line);
    if (!published) {
      io.out(`  dry run: nothing was published${manifest.heldBack ? ` (the run would be held back: ${manifest.heldBack})` : ''}`);
      return EXIT.ok;
    }
    io.out(`  output:  ${published.location}`);
    if (manifest.files.some((file) => file.name === REPORT_FILE)) io.out(`  report:  ${published.location}/${REPORT_FILE}`);
    io.out(`  latest:  ${published.latest}${pointerNote(published)}`);
    if (published.pointer.status !== 'held-back') return EXIT.ok;
    io.err(
      `market-pulse: run ${manifest.runId} is held back: ${published.pointer.reason}. Its files are at ${published.location} ` +
        '(its manifest counts the rows, rejected.csv says why each was rejected); latest.json was not moved to it',
    );
    return EXIT.heldBack;
  } finally {
    await Promise.all([started?.close(), hasher?.close()]);
  }
}

function pointerNote({ pointer }: PublishedRun): string {
  if (pointer.status === 'newer') return ` (names the newer run ${pointer.runId}; left as it is)`;
  if (pointer.status === 'held-back') return ' (not moved: this run is held back)';
  return '';
}

/** The `--input` files: one as it is, several as their union (union-source.ts). */
async function inputSource(paths: readonly string[], sheet: string | undefined, loaded: LoadedConfig): Promise<ColorSource> {
  const sources = await Promise.all(paths.map((path) => fileSource(path, sheet === undefined ? {} : { sheet })));
  if (sources.length === 1) return sources[0]!;
  const { ranking, rules } = loaded.config;
  return new UnionSource(sources, columnUses(ranking.order, rules));
}

/** The source, telling `onOpened` once it is open and rows start to flow. */
function reportingOpen(source: ColorSource, onOpened: () => void): ColorSource {
  return {
    get description() {
      return source.description;
    },
    open: async () => {
      const opened = await source.open();
      onOpened();
      return opened;
    },
  };
}

function checkSourceOptions(values: { input?: string[]; sheet?: string; source?: string; stage?: string; timeout?: string }): void {
  if (values.source !== undefined && values.source !== 'oracle') {
    throw new UsageError(`--source takes only "oracle" (got "${values.source}"); use --input <file> for a file`);
  }
  if (values.input !== undefined && values.source !== undefined) {
    throw new UsageError('give either --input <file> or --source oracle, not both');
  }
  if (values.input === undefined && values.source === undefined) {
    throw new UsageError('run needs --input <file> or --source oracle --stage <stage> (see market-pulse run --help)');
  }
  if (values.source === 'oracle' && values.stage === undefined) {
    throw new UsageError('--source oracle needs --stage <stage> (the SSM parameters /market-pulse/<stage>/oracle/*)');
  }
  if (values.stage !== undefined && values.source === undefined) throw new UsageError('--stage goes with --source oracle');
  if (values.stage !== undefined) checkStage(values.stage);
  if (values.timeout !== undefined && values.source === undefined)
    throw new UsageError('--timeout goes with --source oracle (a file is read whole, however long it takes)');
  checkInputs(values.input ?? [], values.sheet);
}

function checkInputs(inputs: readonly string[], sheet: string | undefined): void {
  for (const input of inputs) if (input.trim() === '') throw new UsageError('--input is empty; give it a value (see --help)');
  const twice = inputs.find((input, index) => inputs.indexOf(input) !== index);
  if (twice !== undefined) throw new UsageError(`--input ${twice} is given twice; each file is read once`);
  if (sheet !== undefined && !inputs.some((input) => extname(input).toLowerCase() === '.xlsx')) {
    throw new UsageError('--sheet goes with an .xlsx --input (it names the workbook sheet to read)');
  }
}

function summary(manifest: Manifest): string[] {
  const n = (value: number) => value.toLocaleString('en-US');
  const { counts } = manifest;
  const lines = [
    `Run ${manifest.runId} for as-of ${manifest.asOf} (${manifest.durationMs} ms)`,
    `  read ${n(counts.read)} rows: ${n(counts.ranked)} ranked in ${n(counts.groups)} groups, ` +
      `${n(counts.excluded)} excluded, ${n(counts.rejected)} rejected`,
  ];
  const rules = excludedByRuleLine(counts.excludedByRule, counts.excluded);
  if (rules !== undefined) lines.push(`  ${rules}`);
  return lines;
}
