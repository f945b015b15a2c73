/**
 * Warm reuse of one Oracle connection across Lambda invocations (docs/oracle.md, "Connecting").
 */
import type { Log } from '../../log.js';
import { silentLog } from '../../log.js';
import type { OracleConnectionLike } from './connection.js';
import { oracleErrorCodes } from './errors.js';

/**
 * One connection kept at module scope across warm invocations. Sockets die while Lambda is frozen
 * (NAT and firewall idle timeouts keep counting), so a kept connection is pinged, with a short
 * timeout, before it is handed out again, and closed and forgotten when it does not answer.
 * The CLI should not keep one: an open socket keeps the process alive.
 */
export class WarmConnection {
  private kept: { readonly key: string; readonly connection: OracleConnectionLike } | undefined;
  private readonly pingTimeoutMs: number;

  constructor(options: { readonly pingTimeoutMs?: number } = {}) {
    this.pingTimeoutMs = options.pingTimeoutMs ?? 2_000;
  }

  get holding(): boolean {
    return this.kept !== undefined;
  }

  /** The kept connection for `key` if it answers a ping; it is in the caller's hands until kept again. */
  async take(key: string, log: Log = silentLog): Promise<OracleConnectionLike | undefined> {
    const kept = this.kept;
    this.kept = undefined;
    if (kept === undefined) return undefined;
    if (kept.key !== key) {
      log.info('oracle: settings changed since the kept connection was opened; opening a new one');
      await closeWithin(kept.connection, this.pingTimeoutMs);
      return undefined;
    }
    const callTimeout = kept.connection.callTimeout;
    try {
      kept.connection.callTimeout = this.pingTimeoutMs;
      await withinMs(kept.connection.ping(), this.pingTimeoutMs);
      kept.connection.callTimeout = callTimeout;
      return kept.connection;
    } catch (error) {
      log.warn('oracle: the kept connection did not answer a ping; opening a new one', { code: oracleErrorCodes(error)[0] ?? 'timeout' });
      await closeWithin(kept.connection, this.pingTimeoutMs);
      return undefined;
    }
  }

  keep(key: string, connection: OracleConnectionLike): void {
    const previous = this.kept;
    this.kept = { key, connection };
    if (previous !== undefined && previous.connection !== connection) void closeWithin(previous.connection, this.pingTimeoutMs);
  }

  async discard(): Promise<void> {
    const kept = this.kept;
    this.kept = undefined;
    if (kept !== undefined) await closeWithin(kept.connection, this.pingTimeoutMs);
  }
}

/** The connection the Lambda handlers keep warm; tests and the CLI use their own or none. */
export const warmConnection = new WarmConnection();

/** Closes without waiting long or failing: closing a dead socket can hang until the OS gives up. */
export async function closeWithin(connection: OracleConnectionLike, ms: number): Promise<void> {
  try {
    await withinMs(connection.close(), ms);
  } catch {
    // Already dead or slow to say goodbye: either way it is gone for us.
  }
}

function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
