/** `market-pulse run`: the Run Colors job from a file or Oracle, published to a folder or S3. */
import { parseArgs } from 'node:util';
import { UsageError } from '../../lambdas/errors.js';
import { parseAsOf, todayIn } from '../../lambdas/pipeline/as-of.js';
import type { Manifest } from '../../lambdas/pipeline/manifest.js';
import type { PublishedRun } from '../../lambdas/pipeline/ports.js';
import { newRunId } from '../../lambdas/pipeline/run-id.js';
import { runWindow } from '../../lambdas/pipeline/run-window.js';
import { runColors } from '../../lambdas/pipeline/run.js';
import { ZoneClock } from '../../lambdas/pipeline/time-zone.js';
import { cliLog } from './cli-log.js';
import { fileSource, loadConfig, oracleSource, sinkFor } from './edges.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';

export const RUN_HELP = `Usage: market-pulse run (--input <file> | --source oracle --stage <stage>)
                        --config <file|s3://bucket/key> --out <dir|s3://bucket/prefix>
                        [--as-of YYYY-MM-DD] [--dry-run]

Runs the Run Colors job: validates every row, applies the exclusion rules, ranks each CUSIP's
colors (parent/child) and publishes the run atomically under
<out>/runs/as-of=<date>/run-id=<id>/, then moves <out>/runs/as-of=<date>/latest.json to it.

Options:
  --input <file>     colors as CSV (.csv) or JSON Lines (.jsonl, .ndjson); processed whole
  --source oracle    read the as-of date's window from Oracle instead, with the settings of
  --stage <stage>      /market-pulse/<stage>/oracle/* in SSM (standard AWS credentials)
  --config <doc>     the config document: rules, ranking, window, outputs (JSON, or .yaml/.yml),
                     a local file or s3://bucket/key
  --out <where>      a folder (created if absent) or s3://bucket/prefix
  --as-of <date>     the as-of date the run is for (default: today in the config's time zone)
  --dry-run          run everything and print the summary, but publish nothing
  -h, --help         show this help

A run with no ranked rows, or whose rejected rows exceed publish.maxRejectedRatio of the rows read
(default 0.5), is held back: published, but latest.json is not moved to it; the exit code is 7.
Exit 5 means publishing failed; the message says what of the run is visible.`;

export async function runCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      input: { type: 'string' },
      source: { type: 'string' },
      stage: { type: 'string' },
      config: { type: 'string' },
      out: { type: 'string' },
      'as-of': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  checkSourceOptions(values);
  const missing = (['config', 'out'] as const).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new UsageError(`run needs ${missing.map((name) => `--${name}`).join(', ')} (see market-pulse run --help)`);

  const log = cliLog(io);
  const config = await loadConfig(values.config!);
  const { timeZone, lookbackDays } = config.config.window;
  const asOf = values['as-of'] !== undefined ? parseAsOf(values['as-of']) : todayIn(new ZoneClock(timeZone));
  // A file is processed whole; the window only selects rows from the database.
  const window = values.source === 'oracle' ? runWindow(asOf, lookbackDays, new ZoneClock(timeZone)) : null;
  const { manifest, published } = await runColors({
    source: window ? await oracleSource(values.stage!, config, window, log) : fileSource(values.input!),
    sink: await sinkFor(values.out!, log),
    config,
    asOf,
    runId: newRunId(),
    window,
    dryRun: values['dry-run'],
    onProgress: (rows) => io.err(`market-pulse: read ${rows.toLocaleString('en-US')} rows…`),
    onWarning: (message) => io.err(`warning: ${message}`),
  });
  for (const line of summary(manifest)) io.out(line);
  if (!published) {
    io.out(`  dry run: nothing was published${manifest.heldBack ? ` (the run would be held back: ${manifest.heldBack})` : ''}`);
    return EXIT.ok;
  }
  io.out(`  output:  ${published.location}`);
  io.out(`  latest:  ${published.latest}${pointerNote(published)}`);
  if (published.pointer.status !== 'held-back') return EXIT.ok;
  io.err(
    `market-pulse: run ${manifest.runId} is held back: ${published.pointer.reason}. Its files are at ${published.location} ` +
      '(its manifest counts the rows, rejected.csv says why each was rejected); latest.json was not moved to it',
  );
  return EXIT.heldBack;
}

function pointerNote({ pointer }: PublishedRun): string {
  if (pointer.status === 'newer') return ` (names the newer run ${pointer.runId}; left as it is)`;
  if (pointer.status === 'held-back') return ' (not moved: this run is held back)';
  return '';
}

function checkSourceOptions(values: { input?: string; source?: string; stage?: string }): void {
  if (values.source !== undefined && values.source !== 'oracle') {
    throw new UsageError(`--source takes only "oracle" (got "${values.source}"); use --input <file> for a file`);
  }
  if (values.input !== undefined && values.source !== undefined) throw new UsageError('give either --input <file> or --source oracle, not both');
  if (values.input === undefined && values.source === undefined) throw new UsageError('run needs --input <file> or --source oracle --stage <stage> (see market-pulse run --help)');
  if (values.source === 'oracle' && values.stage === undefined) throw new UsageError('--source oracle needs --stage <stage> (the SSM parameters /market-pulse/<stage>/oracle/*)');
  if (values.stage !== undefined && values.source === undefined) throw new UsageError('--stage goes with --source oracle');
}

function summary(manifest: Manifest): string[] {
  const n = (value: number) => value.toLocaleString('en-US');
  const { counts } = manifest;
  const lines = [
    `Run ${manifest.runId} for as-of ${manifest.asOf} (${manifest.durationMs} ms)`,
    `  read ${n(counts.read)} rows: ${n(counts.ranked)} ranked in ${n(counts.groups)} groups, ${n(counts.excluded)} excluded, ${n(counts.rejected)} rejected`,
  ];
  const rules = Object.entries(counts.excludedByRule);
  if (rules.length > 0) lines.push(`  excluded by rule: ${rules.map(([name, count]) => `${name} ${n(count)}`).join(', ')}`);
  return lines;
}
