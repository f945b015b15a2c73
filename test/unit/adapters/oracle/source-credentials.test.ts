import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../../lambdas/adapters/oracle/circuit-breaker.js';
import { OracleSource } from '../../../../lambdas/adapters/oracle/source.js';
import { WarmConnection } from '../../../../lambdas/adapters/oracle/warm-connection.js';
import { CredentialsError } from '../../../../lambdas/errors.js';
import { parseConfig } from '../../../../lambdas/pipeline/config.js';
import type { OpenedSource } from '../../../../lambdas/pipeline/ports.js';
import { runColors } from '../../../../lambdas/pipeline/run.js';
import { runWindow } from '../../../../lambdas/pipeline/run-window.js';
import { ZoneClock } from '../../../../lambdas/pipeline/time-zone.js';
import {
  driverError,
  dropped,
  errorText,
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
const OLD = 'old-Pa55word-2026';
const NEW = 'new-Pa55word-2027';

function world(password = OLD) {
  const clock = new FakeClock(1_000_000, 1_000_000 + 300_000);
  const db = new FakeOracleDatabase(password);
  db.clock = clock;
  db.rows = [rowOf({ MESSAGE_ID: '9223372036854775807', CUSIP: '912828Z1', DATE: '2026-11-20T10:00:00', PX: '99.5' })];
  const provider = new FakeSettingsProvider(settingsOf({ password }));
  const log = new RecordingLog();
  const breaker = new CircuitBreaker({ now: clock.now });
  const source = (warm?: WarmConnection) =>
    new OracleSource({
      settings: provider,
      config: loaded.config,
      window,
      factory: new FakeOracleFactory(db),
      deadline: clock.remaining,
      log,
      breaker,
      warm,
      sleep: clock.sleep,
      random: () => 0.5,
      now: clock.now,
      parameterPrefix: '/market-pulse/prod/oracle/',
    });
  return { clock, db, provider, log, breaker, source };
}

async function drain(opened: OpenedSource): Promise<number> {
  let count = 0;
  for await (const _ of opened.records) count++;
  return count;
}

const credentialRetries = (log: RecordingLog) => log.lines.filter((line) => line.includes('re-reading the settings from SSM')).length;

describe('OracleSource: credentials rotation', () => {
  it('picks up a password rotated in SSM on the next run: no restart, no code change, one credentials retry', async () => {
    const { db, provider, log, source } = world(OLD);
    expect(await drain(await source().open())).toBe(1);

    // The DBA changes the password (sessions are cut), the operator puts it in SSM; this warm
    // container still holds the old value in its parameter cache.
    db.changePassword(NEW, { killSessions: true });
    provider.rotate(NEW);
    const before = db.connects.length;

    expect(await drain(await source().open())).toBe(1);
    expect(provider.invalidations).toBe(1);
    expect(credentialRetries(log)).toBe(1);
    expect(db.connects.slice(before).map((attempt) => attempt.password)).toEqual([OLD, NEW]);

    // The run after that uses the refreshed cache straight away.
    expect(await drain(await source().open())).toBe(1);
    expect(provider.invalidations).toBe(1);
    expect(db.connects.at(-1)!.password).toBe(NEW);
  });

  it('fails with a CredentialsError naming the SSM parameter when the re-read password is refused too', async () => {
    const { db, provider, breaker, source } = world(OLD);
    db.changePassword(NEW);
    const error = (await source()
      .open()
      .catch((caught: unknown) => caught)) as Error;
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.message).toMatch(/refused the credentials of user MARKET_RO \(ORA-01017\), also after re-reading them from SSM/);
    expect(error.message).toContain('/market-pulse/prod/oracle/password');
    expect(error.message).toContain('no redeploy is needed');
    expect(provider.invalidations).toBe(1);
    expect(db.connects).toHaveLength(2);
    // The database answered: refused logins are no reason to open the circuit.
    expect(breaker.consecutiveFailures).toBe(0);
  });

  it.each([
    ['ORA-28000', /account is locked/],
    ['ORA-28001', /password has expired/],
  ])('says what %s means', async (code, hint) => {
    const { db, provider, source } = world(OLD);
    db.connectFailures = [() => driverError(code, 'refused'), () => driverError(code, 'refused')];
    const error = (await source()
      .open()
      .catch((caught: unknown) => caught)) as Error;
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.message).toMatch(hint);
    expect(provider.invalidations).toBe(1);
  });
});

describe('OracleSource: the password never leaks', () => {
  it('appears in no log line, error, cause or output of succeeding and failing runs', async () => {
    const texts: string[] = [];
    const secret = NEW;

    const scenarios: ((w: ReturnType<typeof world>) => void)[] = [
      () => {}, // succeeds
      (w) => (w.db.down = refused), // transient until the deadline
      (w) => w.db.changePassword('yet-another-one'), // refused, also after the re-read
      (w) => w.db.queryFailures.push(() => driverError('ORA-00942', `table or view does not exist (${secret})`)),
      (w) => (w.db.fetchFailure = { afterBatches: 0, error: () => Object.assign(dropped(), { message: `NJS-500: broken; pw=${secret}` }) }),
    ];
    for (const arrange of scenarios) {
      const w = world(secret);
      w.db.echoPasswords = true;
      arrange(w);
      const sink = new MemorySink();
      const warm = new WarmConnection();
      try {
        const { manifest } = await runColors({
          source: w.source(warm),
          sink,
          config: loaded,
          asOf: '2026-11-20',
          runId: '01KAC0000000000000000000RN',
          window,
        });
        texts.push(JSON.stringify(manifest), sink.text('colors.csv'), sink.text('rejected.csv'), sink.text('manifest.json'));
      } catch (error) {
        texts.push(errorText(error), String(error));
      }
      await warm.discard();
      texts.push(...w.log.lines);
    }
    expect(texts.length).toBeGreaterThan(10);
    for (const text of texts) expect(text).not.toContain(secret);
  });
});
