/**
 * Running one check within its budget: its own timeout, and never more than the invocation has
 * left less a reserve for returning the report. Whatever the probe does — answers, fails, or never
 * answers — the check ends with exactly one result, timed.
 */
import { TIME_HINT, timeoutHint } from './health-hints.js';
import { type CheckName, type Explained, failed, type HealthCheckResult, passed } from './report.js';

const DEFAULT_TIMEOUTS_MS: Readonly<Record<CheckName, number>> = {
  'ssm-parameters': 10_000,
  'oracle-connect': 20_000,
  'oracle-table': 10_000,
  's3-heartbeat': 10_000,
};
/** Kept back from the invocation's deadline to log, emit metrics and return the report. */
const REPORT_RESERVE_MS = 2_000;
/** No check starts with less than this. */
export const MIN_CHECK_MS = 250;

/** What a probe may spend; the signal aborts when the budget is gone. */
export interface CheckBudget {
  readonly ms: number;
  readonly signal: AbortSignal;
}

/** A probe that passed: what it saw, and what later checks build on (the settings, the session). */
export interface Probed<T> {
  readonly detail: string;
  readonly value: T;
}

/** A probe's result; `value` only when it passed. */
export interface Checked<T> {
  readonly result: HealthCheckResult;
  readonly value?: T;
}

/** Thrown by a probe that finds its budget gone; the runner reports it like one that never answered. */
export class CheckTimeout extends Error {
  override readonly name: string = 'CheckTimeout';
}

export class CheckRunner {
  /** When the running check's budget ends: an Oracle session opened by one check is bounded by the check that uses it. */
  private endsAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly deadline: () => number = () => Number.POSITIVE_INFINITY,
    private readonly timeoutsMs: Partial<Record<CheckName, number>> = {},
  ) {}

  /** Milliseconds left in the running check. */
  readonly leftInCheck = (): number => this.endsAt - performance.now();

  async run<T>(
    name: CheckName,
    probe: (budget: CheckBudget) => Promise<Probed<T>>,
    explain: (error: unknown) => Explained,
  ): Promise<Checked<T>> {
    const ms = Math.min(this.timeoutsMs[name] ?? DEFAULT_TIMEOUTS_MS[name], this.deadline() - REPORT_RESERVE_MS);
    if (ms < MIN_CHECK_MS)
      return { result: failed(name, 0, { detail: 'not enough time left in the invocation to run this check', hint: TIME_HINT }) };
    const started = performance.now();
    this.endsAt = started + ms;
    const controller = new AbortController();
    try {
      const { detail, value } = await within(probe({ ms, signal: controller.signal }), ms, controller);
      return { result: passed(name, elapsed(started), detail), value };
    } catch (error) {
      const explained = error instanceof CheckTimeout ? { detail: `no answer within ${ms} ms`, hint: timeoutHint(name) } : explain(error);
      return { result: failed(name, elapsed(started), explained) };
    }
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
