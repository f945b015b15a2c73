import { describe, expect, it } from 'vitest';
import { WarmConnection } from '../../../../lambdas/adapters/oracle/warm-connection.js';
import { FakeConnection, FakeOracleDatabase, RecordingLog } from '../../../helpers/fake-oracle.js';

const KEY = 'thin|tcp|db.internal:1521/COLORSPDB|MARKET_RO';

function liveConnection(): FakeConnection {
  const connection = new FakeConnection(new FakeOracleDatabase());
  connection.callTimeout = 90_000;
  return connection;
}

describe('WarmConnection', () => {
  it('has nothing to give before anything was kept', async () => {
    await expect(new WarmConnection().take(KEY)).resolves.toBeUndefined();
  });

  it('hands back a kept connection that answers a ping, with its call timeout restored', async () => {
    const warm = new WarmConnection({ pingTimeoutMs: 500 });
    const connection = liveConnection();
    warm.keep(KEY, connection);
    expect(warm.holding).toBe(true);
    await expect(warm.take(KEY)).resolves.toBe(connection);
    expect(connection.pings).toBe(1);
    expect(connection.callTimeout).toBe(90_000);
    // Taken means in use: a second caller does not get the same connection.
    expect(warm.holding).toBe(false);
    await expect(warm.take(KEY)).resolves.toBeUndefined();
  });

  it('closes and forgets a connection whose socket died while frozen', async () => {
    const warm = new WarmConnection({ pingTimeoutMs: 500 });
    const log = new RecordingLog();
    const connection = liveConnection();
    warm.keep(KEY, connection);
    connection.alive = false;
    await expect(warm.take(KEY, log)).resolves.toBeUndefined();
    expect(connection.closed).toBe(true);
    expect(log.lines).toEqual([
      expect.stringMatching(/^warn oracle: the kept connection did not answer a ping; opening a new one \{"code":"NJS-500"\}$/),
    ]);
  });

  it('gives up on a ping that never answers after the short ping timeout', async () => {
    const warm = new WarmConnection({ pingTimeoutMs: 20 });
    const connection = liveConnection();
    connection.pingHangs = true;
    warm.keep(KEY, connection);
    const started = Date.now();
    await expect(warm.take(KEY)).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(connection.closed).toBe(true);
  });

  it('does not reuse a connection made with other settings', async () => {
    const warm = new WarmConnection();
    const connection = liveConnection();
    warm.keep(KEY, connection);
    await expect(warm.take('thin|tcp|other:1521/X|MARKET_RO')).resolves.toBeUndefined();
    expect(connection.closed).toBe(true);
    expect(connection.pings).toBe(0);
  });

  it('closes the previous connection when another is kept, and on discard', async () => {
    const warm = new WarmConnection();
    const first = liveConnection();
    const second = liveConnection();
    warm.keep(KEY, first);
    warm.keep(KEY, second);
    await Promise.resolve();
    expect(first.closed).toBe(true);
    await warm.discard();
    expect(second.closed).toBe(true);
    expect(warm.holding).toBe(false);
  });
});
