/**
 * Oracle connection settings as the stage keeps them in SSM Parameter Store
 * (`/market-pulse/<stage>/oracle/…`, docs/oracle.md), and the port the Oracle adapter reads them through.
 */

/** The parameter names under the stage prefix; `password` (and the wallet pair) are SecureStrings. */
export const REQUIRED_SETTINGS = ['host', 'port', 'service-name', 'username', 'password', 'schema', 'table'] as const;
export const OPTIONAL_SETTINGS = ['wallet', 'wallet-password'] as const;
/** Values that must never appear in a log line, an error or an output. */
export const SECRET_SETTINGS = ['password', 'wallet', 'wallet-password'] as const;

export function settingsPrefix(stage: string): string {
  return `/market-pulse/${stage}/oracle/`;
}

export interface OracleSettings {
  readonly host: string;
  readonly port: number;
  readonly serviceName: string;
  readonly username: string;
  readonly password: string;
  /** Validated Oracle identifiers (docs/oracle.md, "The query"), safe to quote into SQL. */
  readonly schema: string;
  readonly table: string;
  /** PEM wallet for TCPS, when the stage has one. */
  readonly wallet?: string;
  readonly walletPassword?: string;
}

export interface SettingsProvider {
  /** Cached within its TTL. */
  get(): Promise<OracleSettings>;
  /** Drops the cache, so the next get() reads SSM again (after the database refused credentials). */
  invalidate(): void;
}

/** `host:port/service`, for messages. */
export function endpointOf(settings: Pick<OracleSettings, 'host' | 'port' | 'serviceName'>): string {
  return `${settings.host}:${settings.port}/${settings.serviceName}`;
}

/** `SCHEMA.TABLE` as Oracle resolves the unquoted names, for messages. */
export function tableOf(settings: Pick<OracleSettings, 'schema' | 'table'>): string {
  return `${settings.schema.toUpperCase()}.${settings.table.toUpperCase()}`;
}

/** The values of these settings that must never reach a message: redacted wherever driver text is shown. */
export function secretsOf(settings: OracleSettings): readonly (string | undefined)[] {
  return [settings.password, settings.walletPassword, settings.wallet];
}
