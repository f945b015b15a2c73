/**
 * Logger and metrics for the Lambdas, created once per container (Powertools style). Logs are JSON;
 * any field whose key names a secret is redacted before it is written, as a second line of defence
 * behind the rule that secrets are never passed to a log call in the first place.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Log } from './log.js';

export const SERVICE_NAME = 'market-pulse';
export const METRICS_NAMESPACE = 'MarketPulse';

const SECRET_KEY = /pass(word)?|secret|wallet|credential|token/i;

/** A JSON replacer that hides the value of any key that looks like it holds a secret. */
function redactSecrets(key: string, value: unknown): unknown {
  return SECRET_KEY.test(key) && value !== undefined && value !== null ? '[REDACTED]' : value;
}

export function createLogger(): Logger {
  return new Logger({ serviceName: SERVICE_NAME, jsonReplacerFn: redactSecrets });
}

export function createMetrics(): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
}

/** The adapters' {@link Log} port over a Powertools Logger. */
export function logPort(logger: Logger): Log {
  const write = (method: 'debug' | 'info' | 'warn' | 'error') => (message: string, extra?: Record<string, unknown>) => {
    if (extra === undefined) logger[method](message);
    else logger[method](message, extra);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
