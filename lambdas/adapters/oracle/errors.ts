/**
 * What an Oracle failure means for a run, decided in one place: retry it (transient), re-read the
 * credentials (credentials), or stop and tell the operator what to check (fatal). The hints follow
 * docs/troubleshooting.md, so a failed run's one-line reason says what to do next.
 *
 * node-oracledb reports codes three ways: `error.code` ('NJS-503', 'ORA-01017', 'DPI-1047'),
 * `error.errorNum` (1017, undefined for NJS errors) and the message, where the driver keeps the
 * original ORA code after re-labelling it (ORA-03113 becomes "NJS-500: …\nORA-03113: …", and
 * NJS-533 ends "Cause: ORA-12660"). All three are read, so a wrapped code is still seen.
 */
import { CredentialsError, DatabaseError, MarketPulseError, TransientSourceError } from '../../errors.js';

export type OracleErrorKind = 'transient' | 'credentials' | 'fatal';

export interface OracleErrorClass {
  readonly kind: OracleErrorKind;
  /** The code the decision rests on (e.g. ORA-01017); undefined when the error carries no code. */
  readonly code: string | undefined;
  /** What the operator should check. */
  readonly hint: string;
}

const CANNOT_CONNECT =
  'check the VPN / Direct Connect path, the host and port parameters in SSM, ' +
  'and that the security groups and the database firewall allow the port; ' +
  'if NJS-500/NJS-521 repeats on every connect, the database may enforce Native Network Encryption, which needs ORACLE_CLIENT_MODE=thick';
const CREDENTIALS =
  'verify the username and password parameters in SSM (put the current database password in the password parameter) ' +
  'and that the account is open';
const LOCKED = 'the account is locked: ask the DBA to unlock it (repeated failed logins lock it), then check the password parameter in SSM';
const EXPIRED = 'the password has expired: set a new one in the database and put it in the SSM password parameter';
const TABLE =
  'check the schema and table parameters in SSM and that the user has SELECT on the table; ' +
  '`market-pulse extract` lists the tables the user can see';
const COLUMN =
  'check the config\'s "columns" map (logical → physical names) against the table; ' +
  '`market-pulse extract` writes its columns to <TABLE>_schema.json';
const INSTANT_CLIENT =
  'thick mode needs the Oracle Instant Client layer (its lib/ mounted on /opt/lib); ' +
  'attach the layer, or unset ORACLE_CLIENT_MODE to use thin mode';
const OLD_DATABASE =
  'thin mode needs Oracle Database 12.1 or later and a 11g+ password verifier; ' +
  'set ORACLE_CLIENT_MODE=thick and attach the Instant Client layer';
const NNE =
  'the database enforces Native Network Encryption / data integrity, ' +
  'which thin mode cannot do; set ORACLE_CLIENT_MODE=thick and attach the Instant Client layer';
const SERVICE = 'the listener does not know that service: check the service-name parameter in SSM';
const HOST = 'the host does not resolve: check the host parameter in SSM and the VPC DNS settings';
const CONNECT_STRING = 'check the host, port and service-name parameters in SSM';
const TLS = "the TLS handshake failed: check the wallet (PEM) and wallet-password parameters and that the port is the database's TCPS port";
const PRIVILEGES = 'the user lacks a privilege: it needs CREATE SESSION and SELECT on the colors table';
const TIME_ZONE = "the database does not know the config's window.timeZone; use an IANA zone its time zone file has";
const GENERIC = 'look the code up at https://docs.oracle.com/error-help/db/ and in docs/troubleshooting.md';

// Precedence is the order of this list: credentials first (re-reading SSM may fix them), then the
// problems only thick mode or a fix in SSM/config solves, then the transient families. So NJS-533's
// "Cause: ORA-12660" is NNE, and NJS-511's "Cause: ORA-12514" is a wrong service, not a retry.
const FAMILIES: readonly { readonly kind: OracleErrorKind; readonly hint: string; readonly codes: readonly string[] }[] = [
  { kind: 'credentials', hint: LOCKED, codes: ['ORA-28000'] },
  { kind: 'credentials', hint: EXPIRED, codes: ['ORA-28001'] },
  { kind: 'credentials', hint: CREDENTIALS, codes: ['ORA-01017', 'ORA-01005'] },
  { kind: 'fatal', hint: NNE, codes: ['NJS-533', 'NJS-531', 'NJS-532', 'ORA-12660', 'ORA-12650', 'ORA-12599'] },
  { kind: 'fatal', hint: OLD_DATABASE, codes: ['NJS-138', 'NJS-116', 'ORA-28040'] },
  { kind: 'fatal', hint: INSTANT_CLIENT, codes: ['DPI-1047', 'DPI-1072', 'NJS-045'] },
  { kind: 'fatal', hint: TABLE, codes: ['ORA-00942'] },
  { kind: 'fatal', hint: COLUMN, codes: ['ORA-00904'] },
  { kind: 'fatal', hint: PRIVILEGES, codes: ['ORA-01031', 'ORA-01045'] },
  { kind: 'fatal', hint: SERVICE, codes: ['ORA-12514', 'ORA-12505', 'NJS-518', 'NJS-519'] },
  { kind: 'fatal', hint: HOST, codes: ['ORA-12545', 'NJS-530'] },
  { kind: 'fatal', hint: TLS, codes: ['NJS-505', 'NJS-506', 'NJS-507', 'NJS-508', 'NJS-529'] },
  { kind: 'fatal', hint: CONNECT_STRING, codes: ['NJS-512', 'NJS-514', 'NJS-515'] },
  { kind: 'fatal', hint: TIME_ZONE, codes: ['ORA-01882'] },
  {
    kind: 'transient',
    hint: CANNOT_CONNECT,
    codes: [
      // paused / starting / stopping instance, listener and network trouble
      'ORA-12506',
      'ORA-12170',
      'ORA-12541',
      'ORA-12535',
      'ORA-12543',
      'ORA-12528',
      'ORA-12516',
      'ORA-12518',
      'ORA-12519',
      'ORA-12520',
      'ORA-01033',
      'ORA-01034',
      'ORA-01089',
      'ORA-01090',
      'ORA-01092',
      'ORA-00018',
      'ORA-00020',
      // lost connection (a socket that died while Lambda was frozen, a killed session)
      'ORA-03113',
      'ORA-03114',
      'ORA-03135',
      'ORA-12537',
      'ORA-12547',
      'ORA-12570',
      'ORA-12571',
      'ORA-00028',
      'ORA-01012',
      'ORA-02396',
      'ORA-12153',
      'ORA-25408',
      // thin-mode network errors, call timeouts, thick-mode dead connection
      'NJS-500',
      'NJS-501',
      'NJS-503',
      'NJS-504',
      'NJS-510',
      'NJS-511',
      'NJS-521',
      'NJS-123',
      'DPI-1080',
      'DPI-1067',
      'DPI-1010',
    ],
  },
];

const CODE_IN_TEXT = /\b(ORA|NJS|DPI)-(\d{3,5})\b/g;

/** Every Oracle/driver code an error carries, normalized (ORA codes to five digits), first seen first. */
export function oracleErrorCodes(error: unknown): string[] {
  const codes: string[] = [];
  const add = (prefix: string, digits: string) => {
    const code = `${prefix}-${prefix === 'ORA' ? digits.padStart(5, '0') : digits}`;
    if (!codes.includes(code)) codes.push(code);
  };
  if (typeof error !== 'object' || error === null) return codes;
  const { code, errorNum, message } = error as { code?: unknown; errorNum?: unknown; message?: unknown };
  if (typeof code === 'string') {
    const match = /^(ORA|NJS|DPI)-(\d{3,5})$/.exec(code);
    if (match) add(match[1]!, match[2]!);
  }
  if (typeof errorNum === 'number' && Number.isInteger(errorNum) && errorNum > 0) add('ORA', String(errorNum));
  if (typeof message === 'string') {
    for (const match of message.slice(0, 4000).matchAll(CODE_IN_TEXT)) add(match[1]!, match[2]!);
  }
  return codes;
}

export function classifyOracleError(error: unknown): OracleErrorClass {
  const codes = oracleErrorCodes(error);
  for (const family of FAMILIES) {
    const code = codes.find((candidate) => family.codes.includes(candidate));
    if (code !== undefined) return { kind: family.kind, code, hint: family.hint };
  }
  return { kind: 'fatal', code: codes[0], hint: GENERIC };
}

export function isTransientOracleError(error: unknown): boolean {
  return !(error instanceof MarketPulseError) && classifyOracleError(error).kind === 'transient';
}

export function isCredentialsOracleError(error: unknown): boolean {
  return !(error instanceof MarketPulseError) && classifyOracleError(error).kind === 'credentials';
}

export interface OracleErrorContext {
  /** What was being done, e.g. `connecting to db.example.com:1521/COLORS` or `reading MARKET.COLORS`. */
  readonly action: string;
  /** Values that must never reach a message, a stack or a cause (the password, the wallet). */
  readonly secrets?: readonly (string | undefined)[];
  /** Said before the driver's words, e.g. that the credentials were refused again after a re-read. */
  readonly preface?: string;
}

/**
 * The product error for a driver error: TransientSourceError, CredentialsError or DatabaseError,
 * with the code, the driver's own words (redacted) and the hint. Product errors pass through.
 */
export function toSourceError(error: unknown, context: OracleErrorContext): MarketPulseError {
  if (error instanceof MarketPulseError) return error;
  const { kind, code, hint } = classifyOracleError(error);
  const detail = redact(describe(error), context.secrets);
  const message = `${context.action} failed: ${context.preface ?? ''}${detail} (${hint})`;
  const options = { cause: sanitizedCause(error, context.secrets) };
  if (kind === 'transient') return new TransientSourceError(message, options);
  if (kind === 'credentials') return new CredentialsError(message, options);
  return new DatabaseError(code === undefined ? `${context.action} failed unexpectedly: ${detail}` : message, options);
}

/** The driver message without its "Help:" link lines, on one line, bounded. */
export function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('Help:'));
  const joined = lines.join('; ');
  return joined.length > 600 ? `${joined.slice(0, 600)}…` : joined;
}

/** Replaces every occurrence of a secret; secrets shorter than 4 characters cannot be told from text. */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let result = text;
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= 4) result = result.split(secret).join('[redacted]');
  }
  return result;
}

/**
 * A fresh Error carrying only the driver's code, number, message and stack (redacted): the driver's
 * error object is never attached, so nothing it might reference (connect attributes) can leak.
 */
function sanitizedCause(error: unknown, secrets: readonly (string | undefined)[] = []): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  const cause = new Error(redact(source.message, secrets));
  cause.name = source.name;
  cause.stack = source.stack === undefined ? undefined : redact(source.stack, secrets);
  const { code, errorNum } = source as { code?: unknown; errorNum?: unknown };
  if (typeof code === 'string') Object.assign(cause, { code });
  if (typeof errorNum === 'number') Object.assign(cause, { errorNum });
  return cause;
}
