/**
 * The health check (SPEC §6 "Ops tools"): four probes, in order, each timed and bounded —
 *
 *   ssm-parameters  the stage's parameters read from SSM and decrypted (KMS), validated
 *   oracle-connect  a new connection, `SELECT 1 FROM dual`, and the server version
 *   oracle-table    one row of the configured table (quoted identifiers)
 *   s3-heartbeat    a small object written under `<prefix>/health/` (overwritten every time)
 *
 * A probe whose prerequisite failed is `skipped`, naming it. A failed probe is a result, not an
 * exception: the report is the answer, and the first failure carries the likely cause and fix.
 * Every probe gets at most its own timeout and never more than the invocation has left (minus a
 * reserve for returning the report). Nothing secret reaches the report: SSM errors carry none and
 * Oracle errors are redacted with the values just read.
 */
import { createHash } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { OracleConnectionFactory } from '../adapters/oracle/connection.js';
import { quoteIdentifier } from '../adapters/oracle/query.js';
import { settingsPrefix, type OracleSettings, type SettingsProvider } from '../adapters/oracle/settings.js';
import { joinKey, s3Url } from '../adapters/s3-location.js';
import { silentLog, type Log } from '../log.js';
import { OracleSession } from '../adapters/oracle/session.js';
import { serverVersion } from '../oracle-extract/server-version.js';
import { explainOracleFailure, explainS3Failure, explainSettingsFailure, TIME_HINT, unreachableHint, type Explained } from './health-hints.js';

export const CHECK_NAMES = ['ssm-parameters', 'oracle-connect', 'oracle-table', 's3-heartbeat'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];
export type CheckStatus = 'pass' | 'fail' | 'skipped';

export interface HealthCheckResult {
  readonly name: CheckName;
  /** True only for `pass`. */
  readonly ok: boolean;
  readonly status: CheckStatus;
  /** 0 for a skipped check. */
  readonly latencyMs: number;
  readonly detail: string;
  /** The likely cause and what to do; on failed checks. */
  readonly hint?: string;
  /** The Oracle/driver code behind a failure (ORA-01017, NJS-503, DPI-1047…). */
  readonly code?: string;
}

export interface HealthReport {
  /** No check failed. (A check is only skipped for a failed prerequisite, or when not requested.) */
  readonly ok: boolean;
  readonly stage: string;
  readonly checkedAt: string;
  /** One line: all passed, or the first failure and its hint. */
  readonly summary: string;
  readonly checks: readonly HealthCheckResult[];
}

export interface HeartbeatTarget {
  readonly client: S3Client;
  readonly bucket: string;
  /** Normalized key prefix ('' for the bucket root); the heartbeat goes under `<prefix>/health/`. */
  readonly prefix: string;
  readonly kmsKeyId?: string;
}

export interface HealthDeps {
  readonly stage: string;
  readonly settings: SettingsProvider;
  readonly factory: OracleConnectionFactory;
  /** Where the heartbeat goes; without one the S3 check is skipped as not requested. */
  readonly heartbeat?: HeartbeatTarget;
  /** Milliseconds the invocation has left (Lambda: getRemainingTimeInMillis); none by default. */
  readonly deadline?: () => number;
  readonly timeoutsMs?: Partial<Record<CheckName, number>>;
  /** Who ran the check, recorded in the heartbeat. */
  readonly runner?: 'lambda' | 'cli';
  readonly now?: () => Date;
  readonly log?: Log;
}

export const DEFAULT_TIMEOUTS_MS: Readonly<Record<CheckName, number>> = {
  'ssm-parameters': 10_000,
  'oracle-connect': 20_000,
  'oracle-table': 10_000,
  's3-heartbeat': 10_000,
};
/** Kept back from the invocation's deadline to log, emit metrics and return the report. */
export const REPORT_RESERVE_MS = 2_000;
const MIN_CHECK_MS = 250;

class CheckTimeout extends Error {}

export function heartbeatKey(prefix: string, stage: string): string {
  return joinKey(prefix, `health/heartbeat-${stage}.json`);
}

export async function runHealthChecks(deps: HealthDeps): Promise<HealthReport> {
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? silentLog;
  const deadline = deps.deadline ?? (() => Number.POSITIVE_INFINITY);
  const checkedAt = now().toISOString();
  const prefix = settingsPrefix(deps.stage);
  const results: HealthCheckResult[] = [];
  /** When the running probe's budget ends: the Oracle session's calls are bounded by the probe that makes them. */
  let probeEndsAt = Number.POSITIVE_INFINITY;

  /** Runs one probe within its budget; whatever happens, one result is recorded. */
  const check = async (name: CheckName, probe: (budgetMs: number, signal: AbortSignal) => Promise<string>, onError: (error: unknown) => Explained) => {
    const budgetMs = Math.min(deps.timeoutsMs?.[name] ?? DEFAULT_TIMEOUTS_MS[name], deadline() - REPORT_RESERVE_MS);
    if (budgetMs < MIN_CHECK_MS) {
      results.push(failed(name, 0, { detail: 'not enough time left in the invocation to run this check', hint: TIME_HINT }));
      return;
    }
    const started = performance.now();
    probeEndsAt = started + budgetMs;
    const controller = new AbortController();
    try {
      const detail = await within(probe(budgetMs, controller.signal), budgetMs, controller);
      results.push({ name, ok: true, status: 'pass', latencyMs: elapsed(started), detail });
    } catch (error) {
      const explained = error instanceof CheckTimeout ? { detail: `no answer within ${budgetMs} ms`, hint: timeoutHint(name) } : onError(error);
      results.push(failed(name, elapsed(started), explained));
    }
  };
  const passed = (name: CheckName) => results.some((result) => result.name === name && result.status === 'pass');
  const skip = (name: CheckName, needs: CheckName) => results.push(skipped(name, `skipped: needs ${needs}, which did not pass`));

  let settings: OracleSettings | undefined;
  await check(
    'ssm-parameters',
    async () => {
      // Read SSM now, not a cached copy: the check is about SSM and KMS as they are at this moment.
      deps.settings.invalidate();
      settings = await deps.settings.get();
      return `read and decrypted the Oracle parameters under ${prefix} (${settings.host}:${settings.port}/${settings.serviceName}, user ${settings.username}, ` +
        `table ${settings.schema.toUpperCase()}.${settings.table.toUpperCase()}${settings.wallet === undefined ? '' : ', TCPS wallet'})`;
    },
    (error) => explainSettingsFailure(error, prefix),
  );

  let session: OracleSession | undefined;
  const secrets = () => (settings === undefined ? [] : [settings.password, settings.walletPassword, settings.wallet]);
  try {
    if (!passed('ssm-parameters')) skip('oracle-connect', 'ssm-parameters');
    else {
      await check(
        'oracle-connect',
        async (budgetMs, signal) => {
          const opened = await OracleSession.open({
            settings: deps.settings,
            factory: deps.factory,
            deadline: () => probeEndsAt - performance.now(),
            // One attempt: the check reports the database as it is now; the next check is minutes away.
            retry: { maxAttempts: 1, safetyMarginMs: 0, minAttemptMs: MIN_CHECK_MS },
            maxConnectTimeoutMs: budgetMs,
            maxCallTimeoutMs: budgetMs,
            log,
          });
          // A connection that arrives after the check gave up is closed, not leaked.
          if (signal.aborted) {
            await opened.close();
            throw new CheckTimeout();
          }
          session = opened;
          const answer = await opened.rows('SELECT 1 FROM dual', {}, 1).then(
            (rows) => rows[0]?.[0],
            (error: unknown) => {
              throw opened.failure(error, `running SELECT 1 FROM dual on ${opened.endpoint}`);
            },
          );
          if (answer !== '1') throw new Error(`SELECT 1 FROM dual answered ${JSON.stringify(answer ?? null)}`);
          const { version, unavailable } = await serverVersion(opened);
          const shown = version ?? `version not readable (${unavailable.join(', ')})`;
          return `connected to ${opened.endpoint} as ${opened.settings.username} (${opened.mode} mode); SELECT 1 FROM dual answered; server: ${shown}`;
        },
        (error) => explainOracleFailure(error, secrets()),
      );
    }

    if (!passed('oracle-connect') || session === undefined) skip('oracle-table', 'oracle-connect');
    else {
      const open = session;
      await check(
        'oracle-table',
        async () => {
          const target = `${open.settings.schema.toUpperCase()}.${open.settings.table.toUpperCase()}`;
          // ROWNUM rather than FETCH FIRST: thick mode is also how an 11g database is reached.
          const sql = `SELECT 1 FROM ${quoteIdentifier(open.settings.schema)}.${quoteIdentifier(open.settings.table)} WHERE ROWNUM <= 1`;
          const rows = await open.rows(sql, {}, 1);
          return `SELECT on ${target} works (${rows.length === 0 ? 'the table is empty' : 'read one row'})`;
        },
        (error) => explainOracleFailure(open.failure(error, `reading one row of ${open.settings.schema.toUpperCase()}.${open.settings.table.toUpperCase()}`), open.secrets),
      );
    }
  } finally {
    await session?.close();
  }

  const target = deps.heartbeat;
  if (target === undefined) results.push(skipped('s3-heartbeat', 'skipped: not requested (no results bucket given; the CLI takes --out s3://bucket/prefix)'));
  else {
    const key = heartbeatKey(target.prefix, deps.stage);
    const url = s3Url(target.bucket, key);
    await check(
      's3-heartbeat',
      async (_budgetMs, signal) => {
        const body = Buffer.from(`${JSON.stringify({ stage: deps.stage, checkedAt, writtenBy: deps.runner ?? 'lambda', checks: results }, null, 2)}\n`);
        await target.client.send(
          new PutObjectCommand({
            Bucket: target.bucket,
            Key: key,
            Body: body,
            ContentLength: body.length,
            ContentType: 'application/json',
            ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
            // Overwritten every time on purpose: the heartbeat is "the last check", not a history.
            ...(target.kmsKeyId ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: target.kmsKeyId, BucketKeyEnabled: true } : {}),
          }),
          { abortSignal: signal },
        );
        return `wrote ${url} (${body.length} bytes)`;
      },
      (error) => explainS3Failure(error, { url, folder: s3Url(target.bucket, joinKey(target.prefix, 'health')) }),
    );
  }

  const ok = results.every((result) => result.status !== 'fail');
  const first = results.find((result) => result.status === 'fail');
  const summary = first === undefined ? `all checks passed (${results.filter((r) => r.ok).length} passed, ${results.filter((r) => r.status === 'skipped').length} skipped)` : `${first.name} failed: ${first.hint ?? first.detail}`;
  return { ok, stage: deps.stage, checkedAt, summary, checks: results };
}

function failed(name: CheckName, latencyMs: number, explained: Explained): HealthCheckResult {
  return { name, ok: false, status: 'fail', latencyMs, detail: explained.detail, hint: explained.hint, ...(explained.code ? { code: explained.code } : {}) };
}

function skipped(name: CheckName, detail: string): HealthCheckResult {
  return { name, ok: false, status: 'skipped', latencyMs: 0, detail };
}

function timeoutHint(name: CheckName): string {
  switch (name) {
    case 'ssm-parameters':
      return 'SSM did not answer in time: check the network path to SSM (in Lambda the VPC interface endpoints for SSM and KMS)';
    case 's3-heartbeat':
      return 'S3 did not answer in time: check the network path to S3 (in Lambda the VPC gateway endpoint for S3)';
    case 'oracle-table':
      return 'the database connected but did not return one row in time: the table may be locked or the database overloaded; ask the DBA';
    default:
      return unreachableHint();
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

/** The probe's result, or CheckTimeout once `ms` have passed (aborting what listens to the signal). */
function within<T>(promise: Promise<T>, ms: number, controller: AbortController): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new CheckTimeout());
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
