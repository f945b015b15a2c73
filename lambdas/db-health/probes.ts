/**
 * The health check's probes, one per check, each small and timed by the runner (check-runner.ts):
 *
 *   ssm-parameters  the stage's parameters read from SSM now and decrypted (KMS), validated
 *   oracle-connect  a new connection, `SELECT 1 FROM dual`, and the server version
 *   oracle-table    one row of the configured table (quoted identifiers)
 *   s3-heartbeat    the heartbeat written (heartbeat.ts)
 *
 * A probe resolves to what it saw and what the next check builds on; it throws what went wrong,
 * and health-hints.ts explains it.
 */
import type { OracleConnectionFactory } from '../adapters/oracle/connection.js';
import { quoteIdentifier } from '../adapters/oracle/query.js';
import { serverVersion } from '../adapters/oracle/server-version.js';
import { OracleSession } from '../adapters/oracle/session.js';
import { endpointOf, type OracleSettings, type SettingsProvider, tableOf } from '../adapters/oracle/settings.js';
import type { Log } from '../log.js';
import { type CheckBudget, CheckTimeout, MIN_CHECK_MS, type Probed } from './check-runner.js';
import type { Heartbeat, HeartbeatRecord } from './heartbeat.js';

export async function probeSettings(settings: SettingsProvider, prefix: string): Promise<Probed<OracleSettings>> {
  // Read SSM now, not a cached copy: the check is about SSM and KMS as they are at this moment.
  settings.invalidate();
  const value = await settings.get();
  const wallet = value.wallet === undefined ? '' : ', TCPS wallet';
  return {
    detail:
      `read and decrypted the Oracle parameters under ${prefix} (${endpointOf(value)}, ` +
      `user ${value.username}, table ${tableOf(value)}${wallet})`,
    value,
  };
}

export interface ConnectProbe {
  readonly settings: SettingsProvider;
  readonly factory: OracleConnectionFactory;
  readonly parameterPrefix: string;
  /** What is left of the running check: the session's calls in later checks are bounded by those checks. */
  readonly leftInCheck: () => number;
  readonly log: Log;
}

/** Opens a session (the caller closes it) and proves it answers. */
export async function probeConnect(probe: ConnectProbe, budget: CheckBudget): Promise<Probed<OracleSession>> {
  const session = await OracleSession.open({
    settings: probe.settings,
    factory: probe.factory,
    deadline: probe.leftInCheck,
    // One attempt: the check reports the database as it is now; the next check is minutes away.
    retry: { maxAttempts: 1, safetyMarginMs: 0, minAttemptMs: MIN_CHECK_MS },
    maxConnectTimeoutMs: budget.ms,
    maxCallTimeoutMs: budget.ms,
    parameterPrefix: probe.parameterPrefix,
    log: probe.log,
  });
  // A session whose check gave up is closed, not leaked: also one that arrives after the check gave up.
  const close = () => void session.close();
  if (budget.signal.aborted) {
    close();
    throw new CheckTimeout();
  }
  budget.signal.addEventListener('abort', close, { once: true });
  try {
    const answer = await session.rows('SELECT 1 FROM dual', {}, 1).then(
      (rows) => rows[0]?.[0],
      (error: unknown) => {
        throw session.failure(error, `running SELECT 1 FROM dual on ${session.endpoint}`);
      },
    );
    if (answer !== '1') throw new Error(`SELECT 1 FROM dual answered ${JSON.stringify(answer ?? null)}`);
    const { version, unavailable } = await serverVersion(session);
    const shown = version ?? `version not readable (${unavailable.join(', ')})`;
    return {
      detail:
        `connected to ${session.endpoint} as ${session.settings.username} (${session.mode} mode); ` +
        `SELECT 1 FROM dual answered; server: ${shown}`,
      value: session,
    };
  } catch (error) {
    await session.close();
    throw error;
  } finally {
    budget.signal.removeEventListener('abort', close);
  }
}

export async function probeTable(session: OracleSession): Promise<Probed<undefined>> {
  const { schema, table } = session.settings;
  const target = tableOf(session.settings);
  try {
    // ROWNUM rather than FETCH FIRST: thick mode is also how an 11g database is reached.
    const rows = await session.rows(`SELECT 1 FROM ${quoteIdentifier(schema)}.${quoteIdentifier(table)} WHERE ROWNUM <= 1`, {}, 1);
    return { detail: `SELECT on ${target} works (${rows.length === 0 ? 'the table is empty' : 'read one row'})`, value: undefined };
  } catch (error) {
    throw session.failure(error, `reading one row of ${target}`);
  }
}

export async function probeHeartbeat(heartbeat: Heartbeat, record: HeartbeatRecord, budget: CheckBudget): Promise<Probed<undefined>> {
  const bytes = await heartbeat.write(record, budget.signal);
  return { detail: `wrote ${heartbeat.url} (${bytes} bytes)`, value: undefined };
}
