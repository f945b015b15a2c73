/**
 * The slice of a database connection the Oracle source needs, and its node-oracledb implementation.
 *
 * - Thin mode (pure JS) by default; thick mode when ORACLE_CLIENT_MODE=thick, loading Oracle Instant
 *   Client once per container with `initOracleClient()` and no libDir: on Linux the libraries must
 *   already be on the loader path, which a layer's lib/ is (/opt/lib is on LD_LIBRARY_PATH).
 * - TCPS when the settings carry a wallet: thin mode takes the PEM itself (`walletContent`, with
 *   `walletPassword` for an encrypted key), so nothing is written to disk. With ORACLE_TCPS=required
 *   (a stage that requires TLS, docs/deploy.md) TCPS is used even without a wallet, the server
 *   checked against the runtime's certificate authorities; either way the server's certificate must
 *   name the host connected to (`sslServerDNMatch`).
 * - Timeouts below the time left: thin mode takes `connectTimeout`/`transportConnectTimeout` (whole
 *   seconds), thick mode reads them from the Easy Connect string; `callTimeout` bounds each round trip.
 * - Values arrive as text: NUMBER (MESSAGE_ID's 19 digits, prices) is fetched as a string so no digit
 *   is lost; dates are TO_CHAR'd by the query (see query.ts).
 */
import { SettingsError } from '../../errors.js';
import { oracleErrorCodes } from './errors.js';
import type { OracleSettings } from './settings.js';

export interface OracleRowBatches {
  /** Up to `numRows` rows (one round trip), every value text or null; [] once exhausted. */
  getRows(numRows: number): Promise<(string | null)[][]>;
  close(): Promise<void>;
}

export interface OracleConnectionLike {
  /** Milliseconds each round trip may take; 0 means no limit. */
  callTimeout: number;
  /** Code of a warning the database gave at logon, e.g. ORA-28002 (password expires soon). */
  readonly warningCode?: string | undefined;
  /** Runs a statement that returns no rows (ALTER SESSION). */
  execute(sql: string): Promise<void>;
  /** Opens a query as a result set read in batches; binds are by name. */
  query(sql: string, binds: Readonly<Record<string, string>>, options: { readonly fetchArraySize: number }): Promise<OracleRowBatches>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface ConnectTimeouts {
  readonly connectTimeoutMs: number;
  readonly callTimeoutMs: number;
}

export interface OracleConnectionFactory {
  readonly mode: ClientMode;
  connect(settings: OracleSettings, timeouts: ConnectTimeouts): Promise<OracleConnectionLike>;
}

export type ClientMode = 'thin' | 'thick';

export function clientModeFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): ClientMode {
  const value = env.ORACLE_CLIENT_MODE?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'thin') return 'thin';
  if (value === 'thick') return 'thick';
  const given = JSON.stringify(env.ORACLE_CLIENT_MODE);
  throw new SettingsError(`ORACLE_CLIENT_MODE must be "thin" or "thick" (or unset for thin), not ${given}`);
}

/** ORACLE_TCPS=required: never connect in plaintext, wallet or not. Unset or empty: TCPS only with a wallet. */
export function tcpsRequiredFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const value = env.ORACLE_TCPS?.trim().toLowerCase();
  if (value === undefined || value === '') return false;
  if (value === 'required') return true;
  throw new SettingsError(`ORACLE_TCPS must be "required" (or unset), not ${JSON.stringify(env.ORACLE_TCPS)}`);
}

/** Identifies what a kept connection is connected to and as whom; never contains a secret. */
export function connectionKey(settings: OracleSettings, mode: ClientMode): string {
  const transport = settings.wallet !== undefined ? 'tcps' : 'tcp';
  return `${mode}|${transport}|${settings.host}:${settings.port}/${settings.serviceName}|${settings.username}`;
}

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;
const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._$#-]{0,127}$/;

/**
 * `[tcps://]host:port/service[?connect_timeout=…]`. The parts are checked first so an SSM value can
 * only ever be a host, a port or a service, never extra connect-string syntax.
 */
export function easyConnectString(
  settings: Pick<OracleSettings, 'host' | 'port' | 'serviceName'>,
  options: { readonly tls: boolean; readonly timeoutSeconds?: number },
): string {
  const { host, port, serviceName } = settings;
  if (!HOST_NAME.test(host) && !(host.includes(':') && IPV6.test(host))) {
    throw new SettingsError('the Oracle host parameter is not a host name or IP address; fix the host parameter in SSM');
  }
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new SettingsError('the Oracle port parameter must be a port number (1–65535)');
  }
  if (!SERVICE_NAME.test(serviceName)) {
    throw new SettingsError('the Oracle service-name parameter is not a valid service name; fix it in SSM');
  }
  const address = `${options.tls ? 'tcps://' : ''}${host.includes(':') ? `[${host}]` : host}:${port}/${serviceName}`;
  const seconds = options.timeoutSeconds;
  return seconds === undefined ? address : `${address}?connect_timeout=${seconds}&transport_connect_timeout=${seconds}`;
}

/** Whole seconds for the driver's connect timeouts: at least 1, never above the time given. */
export function timeoutSeconds(ms: number): number {
  return Math.max(1, Math.floor(ms / 1000));
}

/**
 * Oracle NUMBER text as thin mode decodes it (`.5`, `-.125`) gets its leading zero, so thin and
 * thick mode write the same text and a desk reads `0.5`. No digit is changed.
 */
export function normalizeNumberText(value: string | null): string | null {
  if (value === null) return null;
  return /^-?\./.test(value) ? value.replace('.', '0.') : value;
}

/** The driver constants the fetch type handler compares with (node-oracledb's DbType objects). */
export interface DriverTypes {
  readonly DB_TYPE_NUMBER: unknown;
  readonly DB_TYPE_BINARY_DOUBLE: unknown;
  readonly DB_TYPE_BINARY_FLOAT: unknown;
  readonly DB_TYPE_CLOB: unknown;
  readonly DB_TYPE_NCLOB: unknown;
  readonly DB_TYPE_VARCHAR: unknown;
}

/**
 * Per-query fetch type handler (not the global `oracledb.fetchTypeHandler`, which would change
 * every other query in the process): numbers and CLOBs as strings. In thin mode a NUMBER is
 * decoded to text internally and handed to the converter untouched (lib/impl/resultset.js).
 */
export function textFetchTypeHandler(types: DriverTypes) {
  return (metadata: { readonly dbType?: unknown }): { type: unknown; converter?: (value: string | null) => string | null } | undefined => {
    switch (metadata.dbType) {
      case types.DB_TYPE_NUMBER:
      case types.DB_TYPE_BINARY_DOUBLE:
      case types.DB_TYPE_BINARY_FLOAT:
        return { type: types.DB_TYPE_VARCHAR, converter: normalizeNumberText };
      case types.DB_TYPE_CLOB:
      case types.DB_TYPE_NCLOB:
        return { type: types.DB_TYPE_VARCHAR };
      default:
        return undefined;
    }
  };
}

/** Any fetched value as text. Dates should not arrive (the query TO_CHARs them); if one does, its wall-clock fields are kept. */
export function valueAsText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (value instanceof Date) {
    const pad = (n: number, width = 2) => String(n).padStart(width, '0');
    // The driver built it from the database's fields in the process zone; reading the same fields back returns them.
    const date = `${pad(value.getFullYear(), 4)}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
    return `${date}T${pad(value.getHours())}:${pad(value.getMinutes())}:${pad(value.getSeconds())}`;
  }
  if (Buffer.isBuffer(value)) return value.toString('hex').toUpperCase();
  return String(value);
}

type Driver = typeof import('oracledb');
let driverPromise: Promise<Driver> | undefined;
let thickInitialised = false;

/** Loads node-oracledb on first use (a file-only CLI run never loads it) and, in thick mode, the client libraries. */
async function loadDriver(mode: ClientMode): Promise<Driver> {
  driverPromise ??= import('oracledb').then((module) => module.default);
  const driver = await driverPromise;
  if (mode === 'thick' && !thickInitialised) {
    driver.initOracleClient(); // throws DPI-1047 when the layer is missing; classified by errors.ts
    thickInitialised = true;
  }
  return driver;
}

export class NodeOracleConnectionFactory implements OracleConnectionFactory {
  readonly mode: ClientMode;
  readonly tcpsRequired: boolean;

  constructor(options: { readonly mode?: ClientMode; readonly tcpsRequired?: boolean } = {}) {
    this.mode = options.mode ?? clientModeFromEnv();
    this.tcpsRequired = options.tcpsRequired ?? tcpsRequiredFromEnv();
  }

  async connect(settings: OracleSettings, timeouts: ConnectTimeouts): Promise<OracleConnectionLike> {
    const tls = settings.wallet !== undefined || this.tcpsRequired;
    if (tls && this.mode === 'thick') {
      throw new SettingsError(
        settings.wallet !== undefined
          ? 'the wallet parameter is used by thin mode only; in thick mode the wallet is read from the directory named by ' +
              'TNS_ADMIN / sqlnet.ora. Use thin mode for a PEM wallet from SSM'
          : 'ORACLE_TCPS=required is honoured by thin mode only; in thick mode TLS is configured in sqlnet.ora. Use thin mode for TCPS',
      );
    }
    const seconds = timeoutSeconds(timeouts.connectTimeoutMs);
    const driver = await loadDriver(this.mode);
    const attributes: import('oracledb').ConnectionAttributes = {
      user: settings.username,
      password: settings.password,
      connectString: easyConnectString(settings, { tls, timeoutSeconds: this.mode === 'thick' ? seconds : undefined }),
    };
    if (this.mode === 'thin') {
      attributes.connectTimeout = seconds;
      attributes.transportConnectTimeout = seconds;
      // The driver's default too; said here so TLS without a matching server name can never slip in.
      if (tls) attributes.sslServerDNMatch = true;
    }
    if (settings.wallet !== undefined) attributes.walletContent = settings.wallet;
    if (settings.walletPassword !== undefined) attributes.walletPassword = settings.walletPassword;
    const connection = await driver.getConnection(attributes);
    connection.callTimeout = Math.max(1, Math.floor(timeouts.callTimeoutMs));
    return new DriverConnection(connection, driver);
  }
}

class DriverConnection implements OracleConnectionLike {
  readonly warningCode: string | undefined;
  private readonly fetchTypeHandler: ReturnType<typeof textFetchTypeHandler>;

  constructor(
    private readonly connection: import('oracledb').Connection,
    private readonly driver: Driver,
  ) {
    this.warningCode = connection.warning === undefined ? undefined : oracleErrorCodes(connection.warning)[0];
    this.fetchTypeHandler = textFetchTypeHandler(driver);
  }

  get callTimeout(): number {
    return this.connection.callTimeout ?? 0;
  }

  set callTimeout(ms: number) {
    this.connection.callTimeout = Math.max(0, Math.floor(ms));
  }

  async execute(sql: string): Promise<void> {
    await this.connection.execute(sql);
  }

  async query(
    sql: string,
    binds: Readonly<Record<string, string>>,
    options: { readonly fetchArraySize: number },
  ): Promise<OracleRowBatches> {
    const result = await this.connection.execute<unknown[]>(
      sql,
      { ...binds },
      {
        resultSet: true,
        outFormat: this.driver.OUT_FORMAT_ARRAY,
        fetchArraySize: options.fetchArraySize,
        fetchTypeHandler: this.fetchTypeHandler as never,
      },
    );
    const resultSet = result.resultSet;
    if (resultSet === undefined) throw new Error('the query returned no result set');
    return {
      getRows: async (numRows) => (await resultSet.getRows(numRows)).map((row) => row.map(valueAsText)),
      close: () => resultSet.close(),
    };
  }

  ping(): Promise<void> {
    return this.connection.ping();
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}
