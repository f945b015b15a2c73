/**
 * What a failed attempt to open an Oracle session tells the operator, for every caller (the run's
 * source, `health`, `extract`): the product error for the driver's error (errors.ts), with the
 * story of the retries when there were any — how many attempts in how long, and which bound stopped
 * them — and, for credentials refused again after the re-read, the SSM parameter to fix.
 */
import { type MarketPulseError, TransientSourceError } from '../../errors.js';
import { CircuitOpenError } from './circuit-breaker.js';
import { classifyOracleError, toSourceError } from './errors.js';
import { RetryExhaustedError } from './retry.js';
import { type OracleSettings, secretsOf } from './settings.js';

/** How messages name the work: `opening MARKET.COLORS at db:1521/PDB` and `open MARKET.COLORS at db:1521/PDB`. */
export interface SessionPurpose {
  readonly doing: string;
  readonly toDo: string;
}

export interface OpenFailureContext {
  readonly settings: OracleSettings;
  readonly purpose: SessionPurpose;
  /** Why retrying stopped when time ran short: the open timeout or the deadline. */
  readonly outOfTime: string;
  /** The database's own last answer, which explains a last try the circuit breaker refused. */
  readonly lastDatabaseError: unknown;
  /** The stage's SSM prefix, e.g. `/market-pulse/prod/oracle/`, named when credentials are refused. */
  readonly parameterPrefix?: string;
}

export function openFailure(error: unknown, context: OpenFailureContext): MarketPulseError {
  const { purpose } = context;
  const secrets = secretsOf(context.settings);
  if (!(error instanceof RetryExhaustedError)) return toSourceError(error, { action: purpose.doing, secrets });
  if (error.attempts === 0) return new TransientSourceError(`not enough time left to ${purpose.toDo}; nothing was tried`);
  const breakerOpen = error.cause instanceof CircuitOpenError && context.lastDatabaseError !== undefined;
  const cause = breakerOpen ? context.lastDatabaseError : error.cause;
  // A single attempt by design (health's probe) has no retry story to tell.
  if (error.attempts === 1 && error.reason === 'attempts') return toSourceError(cause, { action: purpose.doing, secrets });
  const why = error.reason === 'attempts' ? 'the attempt limit was reached' : context.outOfTime;
  const breaker = breakerOpen ? '; the circuit breaker is now open' : '';
  const story = `${error.attempts} attempt(s) in ${(error.elapsedMs / 1000).toFixed(1)} s; ${why}${breaker}`;
  return toSourceError(cause, { action: `${purpose.doing} (${story})`, secrets });
}

/** A credentials error (ORA-01017…) on the try after the settings were re-read from SSM: the parameter to fix. */
export function credentialsRefusedAgain(error: unknown, context: OpenFailureContext): MarketPulseError {
  const { settings } = context;
  const parameter = `${context.parameterPrefix ?? '…/oracle/'}password`;
  const preface =
    `the database refused the credentials of user ${settings.username} (${classifyOracleError(error).code}), ` +
    'also after re-reading them from SSM. ' +
    `Check or rotate the SSM parameter ${parameter}: it is read at run time, so no redeploy is needed. The driver said: `;
  return toSourceError(error, { action: context.purpose.doing, secrets: secretsOf(settings), preface });
}
