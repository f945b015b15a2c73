/**
 * The health check (docs/oracle.md, "health"): four probes in order (probes.ts), each timed
 * and bounded by check-runner.ts. A probe whose prerequisite failed is skipped, naming it. A failed
 * probe is a result, not an exception: the report is the answer, and the first failure carries the
 * likely cause and fix (health-hints.ts). Nothing secret reaches the report: SSM errors carry none
 * and Oracle errors are redacted with the values just read.
 */
import type { OracleConnectionFactory } from '../adapters/oracle/connection.js';
import type { OracleSession } from '../adapters/oracle/session.js';
import { type OracleSettings, type SettingsProvider, secretsOf, settingsPrefix } from '../adapters/oracle/settings.js';
import { type Log, silentLog } from '../log.js';
import { CheckRunner } from './check-runner.js';
import { explainOracleFailure, explainS3Failure, explainSettingsFailure } from './health-hints.js';
import type { Heartbeat, HeartbeatRecord } from './heartbeat.js';
import { probeConnect, probeHeartbeat, probeSettings, probeTable } from './probes.js';
import { type CheckName, type HealthCheckResult, type HealthReport, healthReport, skipped, skippedFor } from './report.js';

export interface HealthDeps {
  readonly stage: string;
  readonly settings: SettingsProvider;
  readonly factory: OracleConnectionFactory;
  /** Where the heartbeat goes; without one the S3 check is skipped as not requested. */
  readonly heartbeat?: Heartbeat;
  /** Milliseconds the invocation has left (Lambda: getRemainingTimeInMillis); none by default. */
  readonly deadline?: () => number;
  readonly timeoutsMs?: Partial<Record<CheckName, number>>;
  /** Who ran the check, recorded in the heartbeat. */
  readonly runner?: 'lambda' | 'cli';
  readonly now?: () => Date;
  readonly log?: Log;
}

export async function runHealthChecks(deps: HealthDeps): Promise<HealthReport> {
  const checkedAt = (deps.now ?? (() => new Date()))().toISOString();
  const runner = new CheckRunner(deps.deadline, deps.timeoutsMs);
  const prefix = settingsPrefix(deps.stage);
  const ssm = await runner.run(
    'ssm-parameters',
    () => probeSettings(deps.settings, prefix),
    (error) => explainSettingsFailure(error, prefix),
  );
  const checks = [ssm.result, ...(await oracleChecks(deps, runner, ssm.value))];
  const record = { stage: deps.stage, checkedAt, writtenBy: deps.runner ?? 'lambda', checks: [...checks] } as const;
  checks.push(await heartbeatCheck(deps, runner, record));
  return healthReport(deps.stage, checkedAt, checks);
}

/** oracle-connect, then oracle-table on the same session, which is closed whatever happens. */
async function oracleChecks(deps: HealthDeps, runner: CheckRunner, settings: OracleSettings | undefined): Promise<HealthCheckResult[]> {
  if (settings === undefined) return [skippedFor('oracle-connect', 'ssm-parameters'), skippedFor('oracle-table', 'oracle-connect')];
  const probe = {
    settings: deps.settings,
    factory: deps.factory,
    parameterPrefix: settingsPrefix(deps.stage),
    leftInCheck: runner.leftInCheck,
    log: deps.log ?? silentLog,
  };
  const connect = await runner.run(
    'oracle-connect',
    (budget) => probeConnect(probe, budget),
    (error) => explainOracleFailure(error, secretsOf(settings)),
  );
  const session: OracleSession | undefined = connect.value;
  if (session === undefined) return [connect.result, skippedFor('oracle-table', 'oracle-connect')];
  try {
    const table = await runner.run(
      'oracle-table',
      () => probeTable(session),
      (error) => explainOracleFailure(error, session.secrets),
    );
    return [connect.result, table.result];
  } finally {
    await session.close();
  }
}

async function heartbeatCheck(deps: HealthDeps, runner: CheckRunner, record: HeartbeatRecord): Promise<HealthCheckResult> {
  const { heartbeat } = deps;
  if (heartbeat === undefined) {
    return skipped('s3-heartbeat', 'skipped: not requested (no results bucket given; the CLI takes --out s3://bucket/prefix)');
  }
  const checked = await runner.run(
    's3-heartbeat',
    (budget) => probeHeartbeat(heartbeat, record, budget),
    (error) => explainS3Failure(error, heartbeat),
  );
  return checked.result;
}
