/**
 * The health report (docs/oracle.md, "health"): one result per check, in order, and a one-line summary
 * naming the first failure and its hint. A check is skipped only when a check it needs did not pass
 * or it was not requested; a skipped check is neither ok nor a failure.
 */
const CHECK_NAMES = ['ssm-parameters', 'oracle-connect', 'oracle-table', 's3-heartbeat'] as const;
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

/** What a failed check says: what happened, the likely cause and fix, and the code it rests on. */
export interface Explained {
  readonly detail: string;
  readonly hint: string;
  /** The Oracle/driver code the hint rests on, when there is one. */
  readonly code?: string;
}

export function passed(name: CheckName, latencyMs: number, detail: string): HealthCheckResult {
  return { name, ok: true, status: 'pass', latencyMs, detail };
}

export function failed(name: CheckName, latencyMs: number, explained: Explained): HealthCheckResult {
  return {
    name,
    ok: false,
    status: 'fail',
    latencyMs,
    detail: explained.detail,
    hint: explained.hint,
    ...(explained.code ? { code: explained.code } : {}),
  };
}

export function skipped(name: CheckName, detail: string): HealthCheckResult {
  return { name, ok: false, status: 'skipped', latencyMs: 0, detail };
}

/** Skipped because `needs` did not pass. */
export function skippedFor(name: CheckName, needs: CheckName): HealthCheckResult {
  return skipped(name, `skipped: needs ${needs}, which did not pass`);
}

export function healthReport(stage: string, checkedAt: string, checks: readonly HealthCheckResult[]): HealthReport {
  const first = checks.find((check) => check.status === 'fail');
  const count = (status: CheckStatus) => checks.filter((check) => check.status === status).length;
  const summary =
    first === undefined
      ? `all checks passed (${count('pass')} passed, ${count('skipped')} skipped)`
      : `${first.name} failed: ${first.hint ?? first.detail}`;
  return { ok: first === undefined, stage, checkedAt, summary, checks };
}
