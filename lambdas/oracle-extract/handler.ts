/**
 * The `oracle-extract` Lambda, invoked on demand with `{ "table"?: "TABLE" | "OWNER.TABLE",
 * "rows"?: 1–10000 }`: thin wiring around {@link runExtract}. The files land under
 * `<RESULTS_PREFIX>/extracts/<timestamp>/` in the results bucket, create-only; the result says
 * where, and lists them. A bad event or environment is rejected before anything is read.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createLogger, createMetrics, logPort } from '../observability.js';
import { buildOpsRuntime, type OpsRuntime } from '../ops-runtime.js';
import { parseExtractEvent } from './event.js';
import { type ExtractResult, runExtract } from './extract.js';
import { S3ExtractWriter } from './writers.js';

const logger = createLogger();
const metrics = createMetrics();
const log = logPort(logger);

/** Built on first use and kept while warm; a bad environment throws here, on every invocation. */
let runtime: OpsRuntime | undefined;

async function oracleExtractHandler(event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<ExtractResult> {
  const request = parseExtractEvent(event);
  runtime ??= buildOpsRuntime(log);
  const { env, settings, factory, results } = runtime;
  metrics.addDimension('stage', env.STAGE);
  try {
    const result = await runExtract(request, {
      stage: env.STAGE,
      settings,
      factory,
      writer: new S3ExtractWriter(results),
      timeZone: env.SCHEDULE_TZ,
      deadline: () => context.getRemainingTimeInMillis(),
      log,
    });
    metrics.addMetric('ExtractRows', MetricUnit.Count, result.rows);
    return result;
  } catch (error) {
    metrics.addMetric('ExtractsFailed', MetricUnit.Count, 1);
    logger.error('extract failed', { error });
    throw error;
  }
}

export const handler = middy(oracleExtractHandler)
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
