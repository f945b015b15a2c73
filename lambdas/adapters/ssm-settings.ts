/**
 * Oracle settings from SSM Parameter Store (docs/oracle.md, "Settings"): all of a stage's parameters in one
 * GetParameters call WithDecryption, validated, cached for a TTL, droppable on rotation.
 * Errors name the parameters and the fix; they never carry a secret value.
 */
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import * as z from 'zod';
import { SettingsError } from '../errors.js';
import { type Log, silentLog } from '../log.js';
import { STAGE_NAME, stageKeyAlias } from '../names.js';
import { ORACLE_IDENTIFIER } from '../pipeline/config.js';
import {
  OPTIONAL_SETTINGS,
  type OracleSettings,
  REQUIRED_SETTINGS,
  SECRET_SETTINGS,
  type SettingsProvider,
  settingsPrefix,
} from './oracle/settings.js';

/** The value the CDK stack seeds every parameter with; a stage is not configured until it is replaced. */
export const PLACEHOLDER = 'CHANGE_ME';
const DEFAULT_TTL_SECONDS = 300;
const MAX_TTL_SECONDS = 86_400;

type SettingName = (typeof REQUIRED_SETTINGS)[number] | (typeof OPTIONAL_SETTINGS)[number];

export interface SsmSettingsOptions {
  stage: string;
  /** Default: env SETTINGS_TTL_SECONDS, else 300. 0 reads SSM on every get(). */
  ttlSeconds?: number;
  /** Inject for tests or a VPC-endpoint client. Dedicated to this adapter: its cache is cleared on refresh. */
  provider?: SSMProvider;
  log?: Log;
}

const nonEmpty = z.string().min(1, { error: 'is empty' });
const identifier = z
  .string()
  .regex(ORACLE_IDENTIFIER, { error: 'is not a valid Oracle identifier (letter first, then letters, digits, _ $ #; at most 128)' });
// Keys are the SSM names so an issue's path is the parameter to fix. Messages never echo input.
const schema = z.object({
  host: nonEmpty,
  port: z
    .string()
    .regex(/^\d{1,5}$/, { error: 'is not an integer between 1 and 65535' })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(1, { error: 'is not an integer between 1 and 65535' })
        .max(65535, { error: 'is not an integer between 1 and 65535' }),
    ),
  'service-name': nonEmpty,
  username: nonEmpty,
  password: nonEmpty,
  schema: identifier,
  table: identifier,
  wallet: nonEmpty.optional(),
  'wallet-password': nonEmpty.optional(),
});

export class SsmSettings implements SettingsProvider {
  readonly stage: string;
  readonly prefix: string;
  readonly ttlSeconds: number;
  private readonly provider: SSMProvider;
  private readonly log: Log;
  private cache: { settings: OracleSettings; expiresAt: number } | undefined;
  private inflight: Promise<OracleSettings> | undefined;
  /** Bumped by invalidate() so a read that started before it cannot refill the cache. */
  private generation = 0;

  constructor(options: SsmSettingsOptions) {
    if (!STAGE_NAME.test(options.stage)) {
      throw new SettingsError(
        `invalid stage ${JSON.stringify(options.stage)}: use 1-32 lowercase letters, ` +
          `digits or '-', starting with a letter or digit (e.g. dev, prod)`,
      );
    }
    this.stage = options.stage;
    this.prefix = settingsPrefix(options.stage);
    this.ttlSeconds = resolveTtl(options.ttlSeconds);
    this.provider = options.provider ?? new SSMProvider();
    this.log = options.log ?? silentLog;
  }

  async get(): Promise<OracleSettings> {
    if (this.cache && Date.now() < this.cache.expiresAt) return this.cache.settings;
    // Concurrent callers share one read instead of each sending GetParameters.
    const read = this.inflight ?? this.read();
    this.inflight = read;
    try {
      return await read;
    } finally {
      if (this.inflight === read) this.inflight = undefined;
    }
  }

  invalidate(): void {
    this.generation += 1;
    this.cache = undefined;
    this.inflight = undefined;
    this.provider.clearCache();
  }

  private async read(): Promise<OracleSettings> {
    const generation = this.generation;
    const startedAt = Date.now();
    const names = [...REQUIRED_SETTINGS, ...OPTIONAL_SETTINGS].map((name) => this.prefix + name);
    // Our cache is the one that counts: Powertools never caches names SSM did not return (a stage
    // without a wallet would cost a call on every get()), and its entries could outlive our TTL.
    this.provider.clearCache();
    let result: Record<string, unknown> & { _errors?: string[] };
    try {
      // A global decrypt:true keeps this to one GetParameters call (per-name decrypt would send one
      // GetParameter each). throwOnError:false reports absent names in _errors instead of failing fast.
      result = await this.provider.getParametersByName(Object.fromEntries(names.map((name) => [name, {}])), {
        decrypt: true,
        throwOnError: false,
      });
    } catch (error) {
      throw this.sdkFailure(error, names);
    }
    const raw = new Map<SettingName, string>();
    for (const name of [...REQUIRED_SETTINGS, ...OPTIONAL_SETTINGS]) {
      const value = result[this.prefix + name];
      if (typeof value === 'string') raw.set(name, value);
    }
    // Throws on bad values; nothing is cached then, so the operator's fix is seen by the next get().
    const settings = this.validate(raw);
    if (generation === this.generation) this.cache = { settings, expiresAt: startedAt + this.ttlSeconds * 1000 };
    this.log.debug('read Oracle settings from SSM', {
      prefix: this.prefix,
      wallet: settings.wallet !== undefined,
      ttlSeconds: this.ttlSeconds,
    });
    return settings;
  }

  private validate(raw: Map<SettingName, string>): OracleSettings {
    const missing = REQUIRED_SETTINGS.filter((name) => !raw.has(name));
    if (missing.length > 0) {
      const commands = missing.map((name) => `  ${this.putCommand(name, false)}`);
      throw new SettingsError(
        `${missing.length} SSM parameter(s) missing for stage ${this.stage}: ${missing.map((n) => this.prefix + n).join(', ')}. ` +
          `Deploy the stage's stack (cdk deploy), which creates every parameter with the placeholder ${PLACEHOLDER}, ` +
          `then set the real values; or create them directly:\n${commands.join('\n')}`,
      );
    }
    const problems: string[] = [];
    const input: Partial<Record<SettingName, string>> = {};
    for (const [name, value] of raw) {
      const secret = (SECRET_SETTINGS as readonly string[]).includes(name);
      if (value.trim() === PLACEHOLDER) {
        // The stack may seed the optional wallet pair too; a placeholder there just means "no wallet".
        if ((OPTIONAL_SETTINGS as readonly string[]).includes(name)) continue;
        problems.push(
          `${this.prefix}${name} still holds the placeholder ${PLACEHOLDER}; set the real value: ${this.putCommand(name, true)}`,
        );
        continue;
      }
      // Non-secrets are trimmed (`--value file://…` keeps a trailing newline); secrets are used verbatim.
      input[name] = secret ? value : value.trim();
    }
    if ((input.wallet === undefined) !== (input['wallet-password'] === undefined)) {
      const [has, lacks] = input.wallet === undefined ? ['wallet-password', 'wallet'] : ['wallet', 'wallet-password'];
      problems.push(
        `${this.prefix}${has} is set but ${this.prefix}${lacks} is not; a TCPS wallet needs both: ${this.putCommand(lacks, true)}`,
      );
    }
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const name = String(issue.path[0]);
        const value = input[name as SettingName];
        if (value === undefined) continue; // a required placeholder, already reported above
        // Echoing a non-secret value helps spot the typo; a secret value is never shown.
        const shown = (SECRET_SETTINGS as readonly string[]).includes(name) ? '' : ` (got ${JSON.stringify(value.slice(0, 60))})`;
        problems.push(`${this.prefix}${name} ${issue.message}${shown}`);
      }
    }
    if (problems.length > 0 || !parsed.success) {
      throw new SettingsError(
        `invalid Oracle settings for stage ${this.stage} (${problems.length} problem(s)):\n  ${problems.join('\n  ')}`,
      );
    }
    const v = parsed.data;
    return {
      host: v.host,
      port: v.port,
      serviceName: v['service-name'],
      username: v.username,
      password: v.password,
      schema: v.schema,
      table: v.table,
      ...(v.wallet !== undefined && v['wallet-password'] !== undefined ? { wallet: v.wallet, walletPassword: v['wallet-password'] } : {}),
    };
  }

  /** The CLI line that sets one parameter: SecureStrings under the stage key, the rest as String. */
  private putCommand(name: string, overwrite: boolean): string {
    const secret = (SECRET_SETTINGS as readonly string[]).includes(name);
    const type = secret ? `--type SecureString --key-id ${stageKeyAlias(this.stage)}` : '--type String';
    // A PEM wallet is usually larger than the 4 KB standard tier allows.
    const value = name === 'wallet' ? '--tier Advanced --value file://ewallet.pem' : `--value '<${name}>'`;
    return `aws ssm put-parameter --name ${this.prefix}${name} ${type}${overwrite ? ' --overwrite' : ''} ${value}`;
  }

  /** Turns an SDK failure into an error that says which permission or key is at fault. */
  private sdkFailure(error: unknown, names: readonly string[]): SettingsError {
    const sdk = rootCause(error);
    const said = `(AWS said ${sdk.name}: ${sdk.message.slice(0, 400)})`;
    const arn = /arn:aws[\w-]*:(?:sts|iam)::\d{12}:[^\s,;]+/.exec(sdk.message)?.[0];
    const assumed = arn === undefined ? undefined : /assumed-role\/([^/]+)/.exec(arn)?.[1];
    const role = assumed !== undefined ? `the role ${assumed}` : (arn ?? "the function's execution role (or your CLI credentials)");
    const what = `reading ${this.prefix}{${names.map((n) => n.slice(this.prefix.length)).join(',')}}`;
    const kms =
      sdk.name.startsWith('KMS') || sdk.name === 'InvalidKeyId' || /\bkms\b|AWSKMS|ciphertext|customer master key/i.test(sdk.message);
    let message: string;
    if (kms) {
      message =
        `decrypting SSM SecureString parameters failed while ${what}: ` +
        `${role} needs kms:Decrypt on the stage key ${stageKeyAlias(this.stage)} via SSM (kms:ViaService ssm.<region>.amazonaws.com), ` +
        `and the key must be enabled ${said}`;
    } else if (sdk.name === 'AccessDeniedException' || sdk.name === 'AccessDenied') {
      message = `access denied ${what}: ${role} needs ssm:GetParameters on arn:aws:ssm:<region>:<account>:parameter${this.prefix}* ${said}`;
    } else if (/Throttl|TooManyRequests|RequestLimitExceeded/i.test(sdk.name) || sdk.$retryable?.throttling === true) {
      message =
        `SSM throttled GetParameters ${what} (the SDK already retried); try again shortly, ` +
        `or raise SETTINGS_TTL_SECONDS so settings are read less often ${said}`;
    } else {
      message = `${what} failed ${said}`;
    }
    // The cause is the SDK's error for a failed call: it carries no parameter values.
    return new SettingsError(message, { cause: error });
  }
}

function resolveTtl(option: number | undefined): number {
  const env = process.env.SETTINGS_TTL_SECONDS;
  const source = option !== undefined ? 'ttlSeconds' : 'SETTINGS_TTL_SECONDS';
  const value = option ?? (env !== undefined && env.trim() !== '' ? Number(env) : DEFAULT_TTL_SECONDS);
  if (!Number.isFinite(value) || value < 0 || value > MAX_TTL_SECONDS) {
    throw new SettingsError(`${source} must be a number of seconds between 0 and ${MAX_TTL_SECONDS}, got ${JSON.stringify(option ?? env)}`);
  }
  return value;
}

/** Powertools may wrap the SDK's error; the innermost error with a name says what went wrong. */
function rootCause(error: unknown): { name: string; message: string; $retryable?: { throttling?: boolean } } {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause instanceof Error; depth += 1) current = current.cause;
  if (current instanceof Error) return current as Error & { $retryable?: { throttling?: boolean } };
  return { name: 'Error', message: String(current) };
}
