/** `market-pulse run`: the Run Colors job on a local file, published to a local folder. */
import { parseArgs } from 'node:util';
import { FileSource } from '../../lambdas/adapters/file-source.js';
import { FsSink } from '../../lambdas/adapters/fs-sink.js';
import { loadConfigFile } from '../../lambdas/adapters/config-file.js';
import { UsageError } from '../../lambdas/errors.js';
import { parseAsOf, todayIn } from '../../lambdas/pipeline/as-of.js';
import { newRunId } from '../../lambdas/pipeline/run-id.js';
import { runColors } from '../../lambdas/pipeline/run.js';
import { ZoneClock } from '../../lambdas/pipeline/time-zone.js';
import type { Manifest } from '../../lambdas/pipeline/manifest.js';
import type { CliIo } from './io.js';

export const RUN_HELP = `Usage: market-pulse run --input <file> --config <file> --out <dir> [--as-of YYYY-MM-DD] [--dry-run]

Runs the Run Colors job on a local file: validates every row, applies the exclusion rules,
ranks each CUSIP's colors (parent/child) and publishes the run atomically under
<dir>/runs/as-of=<date>/run-id=<id>/, then moves <dir>/runs/as-of=<date>/latest.json to it.

Options:
  --input <file>     colors as CSV (.csv) or JSON Lines (.jsonl, .ndjson); processed whole
  --config <file>    the config document: rules, ranking, window, outputs (JSON, or .yaml/.yml)
  --out <dir>        where to publish; created if absent
  --as-of <date>     the as-of date the run is for (default: today in the config's time zone)
  --dry-run          run everything and print the summary, but publish nothing
  -h, --help         show this help`;

export async function runCommand(args: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      input: { type: 'string' },
      config: { type: 'string' },
      out: { type: 'string' },
      'as-of': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const missing = (['input', 'config', 'out'] as const).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new UsageError(`run needs ${missing.map((name) => `--${name}`).join(', ')} (see market-pulse run --help)`);

  const config = await loadConfigFile(values.config!);
  const asOf = values['as-of'] !== undefined ? parseAsOf(values['as-of']) : todayIn(new ZoneClock(config.config.window.timeZone));
  const runId = newRunId();
  const { manifest, published } = await runColors({
    source: new FileSource(values.input!),
    sink: new FsSink(values.out!),
    config,
    asOf,
    runId,
    dryRun: values['dry-run'],
    onProgress: (rows) => io.err(`market-pulse: read ${rows.toLocaleString('en-US')} rows…`),
    onWarning: (message) => io.err(`warning: ${message}`),
  });
  for (const line of summary(manifest)) io.out(line);
  if (published) {
    io.out(`  output:  ${published.location}`);
    io.out(`  latest:  ${published.latest}`);
  } else {
    io.out('  dry run: nothing was published');
  }
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
