import { describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitOpenError } from '../../../../lambdas/adapters/oracle/circuit-breaker.js';
import type { OracleSettings } from '../../../../lambdas/adapters/oracle/settings.js';
import { OracleSource, type OracleSourceOptions } from '../../../../lambdas/adapters/oracle/source.js';
import { WarmConnection } from '../../../../lambdas/adapters/oracle/warm-connection.js';
import { DatabaseError, SettingsError, TransientSourceError } from '../../../../lambdas/errors.js';
import { COLUMNS } from '../../../../lambdas/pipeline/columns.js';
import { parseConfig } from '../../../../lambdas/pipeline/config.js';
import type { OpenedSource, RawRecord } from '../../../../lambdas/pipeline/ports.js';
import { runColors } from '../../../../lambdas/pipeline/run.js';
import { runWindow } from '../../../../lambdas/pipeline/run-window.js';
import { ZoneClock } from '../../../../lambdas/pipeline/time-zone.js';
import {
  driverError,
  dropped,
  FakeClock,
  FakeOracleDatabase,
  FakeOracleFactory,
  FakeSettingsProvider,
  RecordingLog,
  refused,
  rowOf,
  settingsOf,
} from '../../../helpers/fake-oracle.js';
import { MemorySink } from '../../../helpers/memory-ports.js';

const loaded = parseConfig(JSON.stringify({ rules: [], columns: { DATE: 'COLOR_DATE' } }), 'test.json');
const window = runWindow('2026-11-20', 1, new ZoneClock('America/New_York'));
const BIG_ID = '9223372036854775807';

function colorRow(index: number): (string | null)[] {
  return rowOf({
    MESSAGE_ID: index === 0 ? BIG_ID : String(1_000_000_000_000_000_000n + BigInt(index)),
    CUSIP: `912828Z${index % 7}`,
    DATE: '2026-11-20T10:03:19',
    PX: '99.5',
    RANK: String(1 + (index % 3)),
    DATE_1: '2026-11-20T00:00:00',
  });
}

interface SetupOptions {
  readonly rows?: number;
  readonly settings?: Partial<OracleSettings>;
  readonly deadlineMs?: number;
  readonly breaker?: CircuitBreaker;
}

function setup(options: SetupOptions = {}) {
  const clock = new FakeClock(1_000_000, options.deadlineMs === undefined ? Number.POSITIVE_INFINITY : 1_000_000 + options.deadlineMs);
  const settings = settingsOf(options.settings);
  const db = new FakeOracleDatabase(settings.password);
  db.clock = clock;
  db.rows = Array.from({ length: options.rows ?? 3 }, (_, index) => colorRow(index));
  const provider = new FakeSettingsProvider(settings);
  const log = new RecordingLog();
  const breaker = options.breaker ?? new CircuitBreaker({ now: clock.now });
  const source = (overrides: Partial<OracleSourceOptions> = {}) =>
    new OracleSource({
      settings: provider,
      config: loaded.config,
      window,
      factory: new FakeOracleFactory(db),
      deadline: clock.remaining,
      log,
      breaker,
      sleep: clock.sleep,
      random: () => 0.5,
      now: clock.now,
      ...overrides,
    });
  return { clock, db, provider, log, breaker, source };
}

async function collect(opened: OpenedSource): Promise<RawRecord[]> {
  const records: RawRecord[] = [];
  for await (const record of opened.records) records.push(record);
  return records;
}

describe('OracleSource: reading', () => {
  it('streams rows batch by batch, pulling the next batch only when the pipeline wants it', async () => {
    const { db, source } = setup({ rows: 2_500 });
    const oracle = source({ fetchArraySize: 1_000 });
    expect(oracle.description).toBe('oracle');
    const opened = await oracle.open();
    expect(oracle.description).toBe('oracle:MARKET.COLORS');
    expect(opened.header).toEqual([...COLUMNS]);
    expect(db.getRowsCalls).toEqual([]);

    const iterator = opened.records[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toEqual({
      sourceRow: 1,
      values: rowOf({ ...Object.fromEntries(COLUMNS.map((c, i) => [c, colorRow(0)[i]])), DATE_1: '2026-11-20' }),
    });
    expect((first.value as RawRecord).values[0]).toBe(BIG_ID);
    expect(db.getRowsCalls).toEqual([1_000]);
    for (let row = 2; row <= 1_000; row++) await iterator.next();
    expect(db.getRowsCalls).toEqual([1_000]);
    const row1001 = await iterator.next();
    expect((row1001.value as RawRecord).sourceRow).toBe(1_001);
    expect(db.getRowsCalls).toEqual([1_000, 1_000]);

    let rest = 0;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest++;
    expect(rest).toBe(1_499);
    expect(db.getRowsCalls).toEqual([1_000, 1_000, 1_000, 1_000]);
    expect(db.queries[0]!.fetchArraySize).toBe(1_000);
    expect(db.resultSets[0]!.closed).toBe(true);
    expect(db.connections[0]!.closed).toBe(true);
  });

  it('runs the query with the window as binds and quoted identifiers, after setting the session formats', async () => {
    const { db, source } = setup();
    await collect(await source().open());
    expect(db.executed).toEqual([expect.stringMatching(/^ALTER SESSION SET NLS_DATE_FORMAT = .* TIME_ZONE = 'America\/New_York'$/)]);
    const [query] = db.queries;
    expect(query!.binds).toEqual({ window_start: '2026-11-20T00:00:00', window_end: '2026-11-21T00:00:00' });
    expect(query!.sql).toContain('FROM "MARKET"."COLORS"');
    expect(query!.sql).toContain('WHERE "COLOR_DATE" >= TO_DATE(:window_start,');
    expect(query!.sql).not.toMatch(/2026|window_start'/);
  });

  it('refuses a malicious table name from settings before any connection or SQL', async () => {
    const { db, source } = setup({ settings: { table: 'COLORS; DROP TABLE COLORS' } });
    await expect(source().open()).rejects.toBeInstanceOf(SettingsError);
    expect(db.connects).toEqual([]);
    expect(db.queries).toEqual([]);
  });

  it('closes the result set and the connection when the pipeline stops early', async () => {
    const { db, source } = setup({ rows: 10 });
    const opened = await source({ fetchArraySize: 4 }).open();
    let seen = 0;
    for await (const record of opened.records) {
      if (++seen === 3) break;
      expect(record.sourceRow).toBe(seen);
    }
    expect(db.getRowsCalls).toEqual([4]);
    expect(db.resultSets[0]!.closed).toBe(true);
    expect(db.connections[0]!.closed).toBe(true);
  });

  it('fails a read whose connection drops mid-stream instead of returning part of the day', async () => {
    const { db, source } = setup({ rows: 2_500 });
    db.fetchFailure = { afterBatches: 1, error: dropped };
    const warm = new WarmConnection();
    const opened = await source({ fetchArraySize: 1_000, warm }).open();
    let read = 0;
    const error = await (async () => {
      for await (const _ of opened.records) read++;
    })().catch((caught: unknown) => caught);
    expect(read).toBe(1_000);
    expect(error).toBeInstanceOf(TransientSourceError);
    expect((error as Error).message).toMatch(
      /^reading MARKET\.COLORS \(stopped after 1000 rows; nothing from this read is published\) failed: NJS-500/,
    );
    expect(db.connections[0]!.closed).toBe(true);
    expect(warm.holding).toBe(false);
  });

  it('feeds the real pipeline: 19-digit ids survive into colors.csv and the manifest names the table', async () => {
    const { source } = setup({ rows: 50 });
    const sink = new MemorySink();
    const { manifest } = await runColors({
      source: source(),
      sink,
      config: loaded,
      asOf: '2026-11-20',
      runId: '01KAC0000000000000000000RN',
      window,
    });
    expect(manifest.source).toBe('oracle:MARKET.COLORS');
    expect(manifest.counts).toMatchObject({ read: 50, ranked: 50, rejected: 0 });
    expect(sink.text('colors.csv')).toContain(`${BIG_ID},`);
    expect(sink.text('colors.csv')).toContain(',2026-11-20T10:03:19,');
  });
});

describe('OracleSource: failures and retries', () => {
  it('retries transient connect failures with backoff, then reads', async () => {
    const { db, clock, log, source } = setup();
    db.connectFailures = [refused, () => driverError('ORA-12541', 'TNS:no listener')];
    expect(await collect(await source().open())).toHaveLength(3);
    expect(db.connects).toHaveLength(3);
    expect(clock.sleeps).toEqual([125, 250]);
    expect(log.lines.filter((line) => line.includes('retrying'))).toEqual([
      'warn oracle: transient failure; retrying {"attempt":1,"delayMs":125,"code":"NJS-503"}',
      'warn oracle: transient failure; retrying {"attempt":2,"delayMs":250,"code":"ORA-12541"}',
    ]);
  });

  it('gives up before the deadline with a TransientSourceError that counts the attempts', async () => {
    const { db, source } = setup({ deadlineMs: 60_000, breaker: new CircuitBreaker({ failureThreshold: 1_000 }) });
    db.down = refused;
    db.connectCostMs = 2_000;
    const error = (await source({ retry: { maxAttempts: 100 } })
      .open()
      .catch((caught: unknown) => caught)) as Error;
    expect(error).toBeInstanceOf(TransientSourceError);
    const attempts = Number(/\((\d+) attempt\(s\) in [\d.]+ s; the time left ran out\)/.exec(error.message)?.[1]);
    expect(attempts).toBe(db.connects.length);
    expect(attempts).toBeGreaterThan(3);
    expect(error.message).toMatch(/^opening MARKET\.COLORS at db\.internal:1521\/COLORSPDB .* failed: NJS-503: .* \(check the VPN/);
    // Every connect was told to finish inside the time left minus the safety margin.
    for (const { timeouts } of db.connects) expect(timeouts.connectTimeoutMs).toBeLessThanOrEqual(50_000);
  });

  it('does not start without time for an attempt', async () => {
    const { db, source } = setup({ deadlineMs: 10_500 });
    const error = (await source()
      .open()
      .catch((caught: unknown) => caught)) as Error;
    expect(error).toBeInstanceOf(TransientSourceError);
    expect(error.message).toMatch(/^not enough time left to open MARKET\.COLORS at db\.internal:1521\/COLORSPDB/);
    expect(db.connects).toEqual([]);
  });

  it('does not retry what retrying cannot fix', async () => {
    const { db, clock, source } = setup();
    db.queryFailures = [() => driverError('ORA-00942', 'table or view does not exist')];
    const error = (await source()
      .open()
      .catch((caught: unknown) => caught)) as Error;
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error.message).toContain('ORA-00942');
    expect(error.message).toContain('market-pulse extract');
    expect(db.connects).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    expect(db.connections[0]!.closed).toBe(true);
  });

  it('opens the circuit after repeated failures, fails fast without connecting, and half-opens after the cool-down', async () => {
    const clock = new FakeClock(1_000_000, 1_030_000);
    const breaker = new CircuitBreaker({ now: clock.now });
    const { db, source } = setup({ breaker });
    db.clock = clock;
    const withClock = () => source({ deadline: clock.remaining, sleep: clock.sleep, now: clock.now });
    db.down = refused;

    // The run that opened the circuit reports the database's own answer, not just the breaker.
    const first = (await withClock()
      .open()
      .catch((caught: unknown) => caught)) as Error;
    expect(first).toBeInstanceOf(TransientSourceError);
    expect(first.message).toContain('NJS-503');
    expect(first.message).toContain('the circuit breaker is now open');
    expect(db.connects).toHaveLength(3);
    expect(breaker.state).toBe('open');

    const second = await withClock()
      .open()
      .catch((caught: unknown) => caught);
    expect(second).toBeInstanceOf(CircuitOpenError);
    expect(db.connects).toHaveLength(3);

    clock.advance(60_000);
    clock.deadlineAt = clock.time + 30_000;
    db.down = undefined;
    expect(breaker.state).toBe('half-open');
    expect(await collect(await withClock().open())).toHaveLength(3);
    expect(db.connects).toHaveLength(4);
    expect(breaker.state).toBe('closed');
  });
});

describe('OracleSource: warm connection', () => {
  it('reuses a connection that answers a ping and replaces one that died while frozen', async () => {
    const { db, log, source } = setup();
    const warm = new WarmConnection({ pingTimeoutMs: 50 });
    await collect(await source({ warm }).open());
    expect(db.connects).toHaveLength(1);
    expect(warm.holding).toBe(true);
    expect(db.connections[0]!.closed).toBe(false);

    await collect(await source({ warm }).open());
    expect(db.connects).toHaveLength(1);
    expect(db.connections[0]!.pings).toBe(1);
    expect(log.lines.filter((line) => line.includes('query opened')).map((line) => /"reused":(\w+)/.exec(line)?.[1])).toEqual([
      'false',
      'true',
    ]);

    db.connections[0]!.alive = false;
    await collect(await source({ warm }).open());
    expect(db.connects).toHaveLength(2);
    expect(db.connections[0]!.closed).toBe(true);
    expect(warm.holding).toBe(true);
    await warm.discard();
    expect(db.connections[1]!.closed).toBe(true);
  });
});
