/** `market-pulse health`: the db-health checks from a laptop, with the same code as the Lambda. */
import { parseArgs } from 'node:util';
import { NodeOracleConnectionFactory } from '../../lambdas/adapters/oracle/connection.js';
import { createS3Client } from '../../lambdas/adapters/s3/client.js';
import { parseS3Location } from '../../lambdas/adapters/s3-location.js';
import { runHealthChecks } from '../../lambdas/db-health/health-checks.js';
import { S3Heartbeat } from '../../lambdas/db-health/heartbeat.js';
import type { HealthCheckResult, HealthReport } from '../../lambdas/db-health/report.js';
import { UsageError } from '../../lambdas/errors.js';
import { cliLog } from './cli-log.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { checkStage, rejectEmptyOptions } from './options.js';
import { stageSettings } from './stage-settings.js';

export const HEALTH_HELP = `Usage: market-pulse health --stage <stage> [--out s3://bucket/prefix] [--json]

Checks, in order, each with its latency: the stage's SSM parameters are readable and decryptable
(/market-pulse/<stage>/oracle/*), Oracle answers SELECT 1 FROM dual (and its version), the
configured table can be read (one row), and — with --out — the results bucket is writable (a
heartbeat object at <prefix>/health/heartbeat-<stage>.json, overwritten each time). A check whose
prerequisite failed is skipped; the first failure says what to check.

Options:
  --stage <stage>   the stage whose SSM parameters to use (standard AWS credentials and region)
  --out <s3 url>    the results location to test for writing, e.g. s3://bucket/market-pulse
  --json            print the report as JSON instead of lines
  -h, --help        show this help

Exit codes: ${EXIT.ok} no check failed, ${EXIT.unhealthy} a check failed (the report is still printed), ${EXIT.usage} usage
or no AWS region set (nothing was checked), ${EXIT.failed} unexpected failure.
ORACLE_CLIENT_MODE=thick uses Oracle Instant Client instead of thin mode.`;

export async function healthCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { stage: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean', default: false } },
    strict: true,
    allowPositionals: false,
  });
  rejectEmptyOptions(values);
  if (values.stage === undefined) throw new UsageError('health needs --stage <stage> (see market-pulse health --help)');
  checkStage(values.stage);
  if (values.out !== undefined && !values.out.startsWith('s3://')) {
    throw new UsageError('--out takes the results location s3://bucket/prefix (the heartbeat is written under <prefix>/health/)');
  }
  const out = values.out === undefined ? undefined : parseS3Location(values.out, '--out');
  const log = cliLog(io);
  const settings = await stageSettings(values.stage, log);
  const report = await runHealthChecks({
    stage: values.stage,
    settings,
    factory: new NodeOracleConnectionFactory(),
    ...(out ? { heartbeat: new S3Heartbeat({ client: createS3Client(), ...out }, values.stage) } : {}),
    runner: 'cli',
    log,
  });
  if (values.json) io.out(JSON.stringify(report, null, 2));
  else for (const line of reportLines(report)) io.out(line);
  if (report.ok) return EXIT.ok;
  io.err(`market-pulse: health check failed: ${report.summary}`);
  return EXIT.unhealthy;
}

const LABEL: Record<HealthCheckResult['status'], string> = { pass: 'PASS', fail: 'FAIL', skipped: 'SKIP' };

/** The report for people: one line per check, the hint under a failure. */
export function reportLines(report: HealthReport): string[] {
  const width = Math.max(...report.checks.map((check) => check.name.length));
  const lines = [`market-pulse health, stage ${report.stage}, ${report.checkedAt}: ${report.ok ? 'OK' : 'FAILED'}`];
  for (const check of report.checks) {
    const latency = check.status === 'skipped' ? '' : `${check.latencyMs} ms`;
    lines.push(`  ${LABEL[check.status]}  ${check.name.padEnd(width)}  ${latency.padStart(8)}  ${check.detail}`);
    if (check.hint !== undefined) lines.push(`        ${' '.repeat(width + 10)}hint: ${check.hint}`);
  }
  return lines;
}
