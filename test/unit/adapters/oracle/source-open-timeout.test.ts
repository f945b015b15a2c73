/**
 * The CLI's way of opening Oracle: an open timeout instead of a Lambda deadline, no circuit breaker,
 * and each retry reported as an event. On the fake database and a fake clock, so the waits are
 * counted, not slept.
 */
import { describe, expect, it } from 'vitest';
import type { OracleRetry } from '../../../../lambdas/adapters/oracle/session.js';
import { OracleSource, type OracleSourceOptions } from '../../../../lambdas/adapters/oracle/source.js';
import { TransientSourceError } from '../../../../lambdas/errors.js';
import { parseConfig } from '../../../../lambdas/pipeline/config.js';
import type { OpenedSource } from '../../../../lambdas/pipeline/ports.js';
import { runWindow } from '../../../../lambdas/pipeline/run-window.js';
import { ZoneClock } from '../../../../lambdas/pipeline/time-zone.js';
import {
  driverError,
  FakeClock,
  FakeOracleDatabase,
  FakeOracleFactory,
  FakeSettingsProvider,
  RecordingLog,
  refused,
  rowOf,
  settingsOf,
} from '../../../helpers/fake-oracle.js';

const loaded = parseConfig(JSON.stringify({ rules: [] }), 'test.json');
const window = runWindow('2026-11-20', 1, new ZoneClock('America/New_York'));
const START = 1_000_000;

function setup(random = () => 0.5) {
  const clock = new FakeClock(START);
  const settings = settingsOf();
  const db = new FakeOracleDatabase(settings.password);
  db.clock = clock;
  db.rows = Array.from({ length: 2_500 }, (_, index) => rowOf({ MESSAGE_ID: String(index + 1), CUSIP: '912828Z11', DATE: '2026-11-20' }));
  const retries: OracleRetry[] = [];
  const log = new RecordingLog();
  const source = (overrides: Partial<OracleSourceOptions> = {}) =>
    new OracleSource({
      settings: new FakeSettingsProvider(settings),
      config: loaded.config,
      window,
      factory: new FakeOracleFactory(db),
      openTimeoutMs: 30_000,
      breaker: null,
      onRetry: (retry) => retries.push(retry),
      log,
      sleep: clock.sleep,
      random,
      now: clock.now,
      ...overrides,
    });
  return { clock, db, retries, log, source, settings };
}

async function count(opened: OpenedSource): Promise<number> {
  let rows = 0;
  for await (const record of opened.records) if (record) rows++;
  return rows;
}

describe('OracleSource with an open timeout and no breaker (the CLI)', () => {
  it('tries every attempt against a refusing host, each reaching the driver, and reports each retry', async () => {
    const { db, clock, retries, log, source } = setup();
    db.down = refused;
    db.connectCostMs = 50;
    const error = (await source()
      .open()
      .catch((caught: unknown) => caught)) as Error;
    expect(error).toBeInstanceOf(TransientSourceError);
    expect(error.message).toMatch(
      /^opening MARKET\.COLORS at db\.internal:1521\/COLORSPDB \(8 attempt\(s\) in 13\.3 s; the attempt limit was reached\) failed: NJS-503/,
    );
    expect(error.message).not.toContain('circuit breaker');
    // No breaker: all 8 attempts reach the driver, and no wait is a cool-down.
    expect(db.connects).toHaveLength(8);
    expect(clock.sleeps).toEqual([125, 250, 500, 1_000, 2_000, 4_000, 5_000]);
    expect(retries.map(({ attempt, maxAttempts, delayMs, code, endpoint }) => ({ attempt, maxAttempts, delayMs, code, endpoint }))).toEqual(
      clock.sleeps.map((delayMs, index) => ({
        attempt: index + 1,
        maxAttempts: 8,
        delayMs,
        code: 'NJS-503',
        endpoint: 'db.internal:1521/COLORSPDB',
      })),
    );
    // What is left shrinks with every attempt and wait.
    expect(retries[0]!.budgetMs).toBe(30_000 - 50);
    expect(retries[1]!.budgetMs).toBe(30_000 - 50 - 125 - 50);
    // The event replaces the warning log line.
    expect(log.lines.filter((line) => line.includes('retrying'))).toEqual([]);
  });

  it('gives up within the open timeout when the waits would pass it, saying which bound stopped it', async () => {
    const { db, clock, retries, source } = setup(() => 0.999);
    db.down = refused;
    db.connectCostMs = 50;
    const error = (await source({ retry: { maxAttempts: 100 } })
      .open()
      .catch((caught: unknown) => caught)) as Error;
    expect(error).toBeInstanceOf(TransientSourceError);
    expect(error.message).toMatch(
      /\(\d+ attempt\(s\) in [\d.]+ s; too little of the 30 s allowed for connecting was left for another attempt\) failed: NJS-503/,
    );
    expect(clock.time - START).toBeLessThanOrEqual(30_000);
    expect(retries.length).toBe(db.connects.length - 1);
    for (const retry of retries) expect(retry.delayMs).toBeLessThanOrEqual(retry.budgetMs);
  });

  it('gives each connect only the time left, so a host that never answers cannot hold the run past the timeout', async () => {
    const { db, clock, source } = setup();
    // Each connect takes its whole connect timeout (20 s at most), like a blackholed address.
    db.down = () => driverError('NJS-510', 'connection to host 10.255.255.1 port 1521 timed out');
    const timeouts: number[] = [];
    const factory = new FakeOracleFactory(db);
    const blackholed = {
      mode: factory.mode,
      connect: (settings: Parameters<typeof factory.connect>[0], given: Parameters<typeof factory.connect>[1]) => {
        timeouts.push(given.connectTimeoutMs);
        clock.advance(given.connectTimeoutMs);
        return factory.connect(settings, given);
      },
    };
    await expect(source({ factory: blackholed }).open()).rejects.toBeInstanceOf(TransientSourceError);
    expect(timeouts[0]).toBe(20_000);
    expect(timeouts.slice(1).every((ms) => ms < 10_000)).toBe(true);
    expect(clock.time - START).toBeLessThanOrEqual(30_000);
  });

  it('does not limit reading rows once the query is open', async () => {
    const { clock, db, source } = setup();
    const opened = await source({ openTimeoutMs: 1_000, fetchArraySize: 1_000 }).open();
    // The session set-up ran inside the open timeout; long after it, fetches get the full call timeout.
    expect(db.connections[0]!.callTimeouts).toEqual([1_000]);
    clock.advance(600_000);
    expect(await count(opened)).toBe(2_500);
    expect(db.connections[0]!.callTimeout).toBe(120_000);
  });

  it('keeps the Lambda behaviour without an open timeout: the deadline bounds everything and retries are logged', async () => {
    const { db, log, source, clock } = setup();
    db.connectFailures = [refused];
    await count(await source({ openTimeoutMs: undefined, onRetry: undefined, deadline: () => START + 60_000 - clock.time }).open());
    expect(log.lines.filter((line) => line.includes('retrying'))).toEqual([
      'warn oracle: transient failure; retrying {"attempt":1,"delayMs":125,"code":"NJS-503"}',
    ]);
  });

  it('rejects a timeout that is not positive', () => {
    const { source } = setup();
    expect(() => source({ openTimeoutMs: 0 })).toThrow(RangeError);
  });
});
