/**
 * The `db-health` Lambda, scheduled every 15 minutes by the stack: thin wiring around
 * {@link runHealthChecks}. A failed check is the report, not an error — the function returns it and
 * records `HealthOk = 0`; only a broken environment (a deployment problem) makes it throw.
 *
 * Metrics (namespace MarketPulse, dimensions service + stage):
 * - `HealthOk` — 1 when no check failed, else 0 (alarm on its minimum < 1);
 * - `HealthCheckLatencyMs` and `HealthCheckOk` (1/0) — one of each per check that ran, with an
 *   extra `check` dimension (ssm-parameters, oracle-connect, oracle-table, s3-heartbeat). Skipped
 *   checks emit none, so a skip does not drag the latency down or look like a failure twice.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createLogger, createMetrics, logPort } from '../observability.js';
import { buildOpsRuntime, type OpsRuntime } from '../ops-runtime.js';
import { runHealthChecks } from './health-checks.js';
import { S3Heartbeat } from './heartbeat.js';
import type { HealthReport } from './report.js';

const logger = createLogger();
const metrics = createMetrics();
const log = logPort(logger);

/** Built on first use and kept while warm; a bad environment throws here, on every invocation. */
let runtime: OpsRuntime | undefined;

async function dbHealthHandler(_event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<HealthReport> {
  runtime ??= buildOpsRuntime(log);
  const { env, settings, factory, results } = runtime;
  metrics.addDimension('stage', env.STAGE);
  const report = await runHealthChecks({
    stage: env.STAGE,
    settings,
    factory,
    heartbeat: new S3Heartbeat(results, env.STAGE),
    deadline: () => context.getRemainingTimeInMillis(),
    runner: 'lambda',
    log,
  });
  recordHealth(report);
  // The report holds no secret (see health-checks.ts); the logger's redaction is the second fence.
  if (report.ok) logger.info('health check passed', { report });
  else logger.warn(`health check failed: ${report.summary}`, { report });
  return report;
}

function recordHealth(report: HealthReport): void {
  metrics.addMetric('HealthOk', MetricUnit.Count, report.ok ? 1 : 0);
  for (const check of report.checks) {
    if (check.status === 'skipped') continue;
    // A per-check dimension needs its own EMF blob: a single metric is flushed at once with its own dimensions.
    for (const [name, unit, value] of [
      ['HealthCheckOk', MetricUnit.Count, check.ok ? 1 : 0],
      ['HealthCheckLatencyMs', MetricUnit.Milliseconds, check.latencyMs],
    ] as const) {
      metrics.singleMetric().addDimension('stage', report.stage).addDimension('check', check.name).addMetric(name, unit, value);
    }
  }
}

export const handler = middy(dbHealthHandler)
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
