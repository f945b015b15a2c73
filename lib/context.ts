/**
 * Every CDK context key the app reads, in one typed, validated place with its default.
 *
 * Values come from cdk.json (dev defaults), `cdk.context.json`, or `-c key=value` on the command
 * line, where everything arrives as a string: booleans, integers and lists are therefore accepted
 * both as JSON values and as their text ("true", "1521", "subnet-a,subnet-b" or '["subnet-a"]').
 * A malformed value or an unknown key fails synth with a message naming the key.
 */
import * as z from 'zod';
import { DEFAULT_RESULTS_PREFIX, STAGE_NAME } from '../lambdas/names.js';

/** Log retention values CloudWatch Logs accepts (days). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
// cron(min hour day-of-month month day-of-week year) or rate(n unit), as EventBridge Scheduler takes them.
const SCHEDULE = /^(cron\((\S+ ){5}\S+\)|rate\([1-9]\d* (minute|minutes|hour|hours|day|days)\))$/;

const bool = z.preprocess(
  (value) => (value === 'true' ? true : value === 'false' ? false : value),
  z.boolean({ error: 'must be true or false' }),
);

function int(min: number, max: number) {
  const message = `must be an integer from ${min} to ${max}`;
  return z.preprocess(
    (value) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value),
    z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message }),
  );
}

function list<T extends z.ZodType<string>>(item: T, what: string) {
  return z.preprocess(
    (value) => {
      if (typeof value !== 'string') return value;
      const text = value.trim();
      if (text.startsWith('[')) {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          return value;
        }
      }
      return text === '' ? [] : text.split(',').map((part) => part.trim());
    },
    z.array(item, { error: `must be a list of ${what} (a JSON array, or comma-separated on the command line)` }),
  );
}

const timeZone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { error: 'must be an IANA time zone such as America/New_York' },
);

/** An IAM role ARN (any path); the account is checked where it matters. */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
const roleArns = list(
  z.string().regex(ROLE_ARN, { error: 'must be an IAM role ARN such as arn:aws:iam::123456789012:role/market-pulse-operator' }),
  'IAM role ARNs',
);

const schedule = z.string().regex(SCHEDULE, {
  error: 'must be an EventBridge Scheduler expression: cron(min hour day month weekday year) or rate(n minutes|hours|days)',
});
const cidr = z.string().regex(CIDR, { error: 'must be an IPv4 CIDR such as 10.1.0.0/16' });

/**
 * The keys, their defaults and what they mean (docs/configuration.md "CDK context keys" lists them
 * for operators; keep the two in step).
 */
const contextShape = z.strictObject({
  stage: z
    .string()
    .regex(STAGE_NAME, { error: "must be 1-32 lowercase letters, digits or '-', starting with a letter or digit (e.g. dev, prod)" })
    .default('dev'),
  account: z.string().regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account id' }),
  region: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, { error: 'must be an AWS region such as eu-central-1' }),

  createVpc: bool.default(false),
  vpcCidr: cidr.default('10.20.0.0/22'),
  vpcId: z
    .string()
    .regex(/^vpc-[0-9a-f]{8,17}$/, { error: 'must be a VPC id such as vpc-0123456789abcdef0' })
    .optional(),
  subnetIds: list(
    z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: 'must be a subnet id such as subnet-0123456789abcdef0' }),
    'subnet ids',
  ).optional(),
  availabilityZones: list(
    z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d[a-z]$/, { error: 'must be an availability zone such as eu-central-1a' }),
    'availability zones',
  ).optional(),
  routeTableIds: list(
    z.string().regex(/^rtb-[0-9a-f]{8,17}$/, { error: 'must be a route table id such as rtb-0123456789abcdef0' }),
    'route table ids',
  ).optional(),
  // Default: on for a created VPC, off for an imported one (which usually has its endpoints already).
  createVpcEndpoints: bool.optional(),
  createKmsEndpoint: bool.default(false),
  httpsEgressCidrs: list(cidr, 'IPv4 CIDRs').optional(),

  oracleCidr: cidr,
  oraclePort: int(1, 65_535).default(1521),
  oracleClientMode: z.enum(['thin', 'thick'], { error: 'must be thin or thick' }).default('thin'),
  oracleLayerZip: z
    .string()
    .min(1, { error: 'must be a path' })
    .default('layers/oracle-instant-client/build/oracle-instant-client-layer.zip'),

  walletParameters: bool.default(false),
  oracleTls: bool.default(false),
  allowPlaintextOracle: bool.default(false),
  deleteParametersOnDelete: bool.default(false),
  settingsTtlSeconds: int(0, 86_400).default(300),

  resultsPrefix: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/, {
      error: 'must be an S3 key prefix without leading or trailing slash, such as market-pulse',
    })
    .default(DEFAULT_RESULTS_PREFIX),
  configBucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'must be an S3 bucket name' })
    .optional(),
  configKey: z
    .string()
    .regex(/^[^/*?][^*?]*$/, { error: 'must be an S3 object key (no leading slash, no wildcards)' })
    .optional(),
  retainData: bool.optional(),
  resultsTransitionDays: int(0, 3650).default(30),
  resultsExpirationDays: int(0, 36_500).default(0),
  noncurrentVersionExpirationDays: int(1, 3650).default(30),
  accessLogExpirationDays: int(1, 3650).default(90),

  scheduleTimeZone: timeZone.default('America/New_York'),
  runColorsSchedule: schedule.default('cron(0 18 ? * MON-FRI *)'),
  dbHealthSchedule: schedule.default('cron(0/15 * * * ? *)'),
  // Default: off for dev (its parameters hold placeholders until someone sets them), on for other stages.
  schedulesEnabled: bool.optional(),
  scheduleRetryAttempts: int(0, 185).default(3),
  scheduleMaxEventAgeMinutes: int(1, 1440).default(120),

  runColorsMemoryMb: int(128, 10_240).default(1024),
  runColorsTimeoutSeconds: int(1, 900).default(600),
  runColorsReservedConcurrency: int(1, 1000).optional(),
  logRetentionDays: int(1, 3653)
    .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
      error: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
    })
    .default(90),

  alarmEmail: z.email({ error: 'must be an e-mail address' }).optional(),
  deskEmail: z.email({ error: 'must be an e-mail address' }).optional(),
  operatorRoleArns: roleArns.default([]),
  readerRoleArns: roleArns.default([]),
  uploaderRoleArns: roleArns.default([]),
  athenaBytesScannedCutoffMb: int(10, 10_000_000).default(10_000),
  missedRunHours: int(1, 168).default(26),

  backfillMaxConcurrency: int(1, 40).default(1),
});

const contextSchema = contextShape
  .superRefine((c, ctx) => {
    const endpoints = c.createVpcEndpoints ?? c.createVpc;
    if (!c.createVpc) {
      const need = (key: 'vpcId' | 'subnetIds' | 'availabilityZones', what: string) => {
        if (c[key] === undefined || c[key].length === 0) issue(ctx, [key], `is required unless createVpc=true: ${what}`);
      };
      need('vpcId', 'the id of the VPC to deploy into');
      need('subnetIds', 'the private subnets the functions run in');
      need('availabilityZones', 'the availability zone of each subnet, in the same order');
      if (c.subnetIds && c.availabilityZones && c.subnetIds.length !== c.availabilityZones.length) {
        const counts = `${c.subnetIds.length} subnetIds, ${c.availabilityZones.length} zones`;
        issue(ctx, ['availabilityZones'], `must name one zone per subnet (${counts})`);
      }
      if (endpoints && (c.routeTableIds === undefined || c.routeTableIds.length === 0)) {
        issue(
          ctx,
          ['routeTableIds'],
          'is required for an imported VPC when createVpcEndpoints=true: the route tables of the subnets, for the S3 gateway endpoint',
        );
      }
    } else {
      for (const key of ['vpcId', 'subnetIds', 'availabilityZones', 'routeTableIds'] as const) {
        if (c[key] !== undefined) issue(ctx, [key], 'only applies to an imported VPC; remove it or set createVpc=false');
      }
    }
    if (!endpoints && (c.httpsEgressCidrs === undefined || c.httpsEgressCidrs.length === 0)) {
      issue(
        ctx,
        ['httpsEgressCidrs'],
        'is required when createVpcEndpoints=false (the default for an imported VPC): ' +
          'where the existing SSM endpoint is reached on 443 (usually the VPC CIDR)',
      );
    }
    if (endpoints && c.httpsEgressCidrs !== undefined) {
      issue(
        ctx,
        ['httpsEgressCidrs'],
        'only applies when createVpcEndpoints=false (the created endpoints are reached through their security group)',
      );
    }
    if (!endpoints && c.createKmsEndpoint) {
      issue(ctx, ['createKmsEndpoint'], 'only applies when createVpcEndpoints=true (it adds a KMS endpoint next to the SSM one)');
    }
    checkOracleTransport(c, ctx);
    checkPrincipals(c, ctx);
    if (c.runColorsReservedConcurrency !== undefined && c.backfillMaxConcurrency > c.runColorsReservedConcurrency) {
      issue(
        ctx,
        ['backfillMaxConcurrency'],
        `must not exceed runColorsReservedConcurrency (${c.runColorsReservedConcurrency}): ` +
          'the dates above it would only be throttled and retried',
      );
    }
    if (c.configBucket !== undefined && c.configKey === undefined) {
      issue(ctx, ['configKey'], 'is required when configBucket is set: the key of the config document');
    }
    if (c.resultsExpirationDays > 0 && c.resultsTransitionDays > 0 && c.resultsExpirationDays <= c.resultsTransitionDays) {
      issue(ctx, ['resultsExpirationDays'], `must be after resultsTransitionDays (${c.resultsTransitionDays}), or 0 to keep results`);
    }
  })
  .transform((c) => ({
    ...c,
    retainData: c.retainData ?? c.stage !== 'dev',
    schedulesEnabled: c.schedulesEnabled ?? c.stage !== 'dev',
    createVpcEndpoints: c.createVpcEndpoints ?? c.createVpc,
  }));

export type MarketPulseConfig = z.infer<typeof contextSchema>;

type RawContext = z.infer<typeof contextShape>;

/**
 * How the functions reach Oracle. Thin mode has no Native Network Encryption, so without TCPS the
 * password crosses the wire in clear: every stage but dev must choose TCPS (a wallet from SSM, or
 * TLS against public certificate authorities) or say explicitly that plaintext is accepted.
 * Thick mode cannot use either TCPS option (docs/deploy.md "TLS to Oracle").
 */
function checkOracleTransport(c: RawContext, ctx: z.RefinementCtx): void {
  const tcps = c.walletParameters || c.oracleTls;
  if (c.oracleClientMode === 'thick' && tcps) {
    issue(
      ctx,
      [c.oracleTls ? 'oracleTls' : 'walletParameters'],
      'applies to thin mode only: thick mode reads TCPS settings from a wallet directory, ' +
        'which the Instant Client layer does not carry. Use oracleClientMode=thin for TCPS, ' +
        'or keep thick mode for a database that enforces Native Network Encryption and set allowPlaintextOracle=true',
    );
    return;
  }
  if (c.stage === 'dev' || tcps || c.allowPlaintextOracle) return;
  const choice =
    c.oracleClientMode === 'thick'
      ? 'thick mode has no TCPS here: if the database enforces Native Network Encryption ' +
        '(SQLNET.ENCRYPTION_SERVER=REQUIRED), set allowPlaintextOracle=true to say so'
      : 'set walletParameters=true (TCPS with a PEM wallet kept in SSM) or oracleTls=true ' +
        '(TCPS checked against public certificate authorities, server name matched), ' +
        'or allowPlaintextOracle=true to accept an unencrypted connection explicitly';
  issue(ctx, ['allowPlaintextOracle'], `is required for stage ${c.stage} unless Oracle is reached over TCPS: ${choice}`);
}

function issue(ctx: z.RefinementCtx, path: (string | number)[], message: string): void {
  ctx.addIssue({ code: 'custom', path, message });
}

/**
 * Operators set SSM parameters of this account, and uploaders are granted by a managed policy of it,
 * so their roles must be in it; readers may be anywhere.
 */
function checkPrincipals(c: RawContext, ctx: z.RefinementCtx): void {
  for (const key of ['operatorRoleArns', 'uploaderRoleArns'] as const) {
    c[key].forEach((arn, index) => {
      const account = ROLE_ARN.exec(arn)?.[1];
      if (account !== c.account)
        issue(ctx, [key, index], `must be a role in the stage's account ${c.account}, where the SSM parameters are`);
    });
  }
  if (c.stage !== 'dev' && c.operatorRoleArns.length === 0) {
    issue(
      ctx,
      ['operatorRoleArns'],
      `is required for stage ${c.stage}: the roles that set the Oracle password and read the dead-letter queue ` +
        '(the key policy lets nobody else encrypt with the stage key)',
    );
  }
}

/** The context keys the app reads. */
export const CONTEXT_KEYS: readonly string[] = Object.keys(contextShape.shape);

/**
 * Context keys that belong to the CDK itself rather than to this app: feature flags (`@aws-cdk/…`),
 * lookups and toolkit settings (`aws:cdk:…`, `availability-zones:…`), and a few plain names the CLI writes.
 */
function isCdkKey(key: string): boolean {
  return key.startsWith('@') || key.includes(':') || ['acknowledged-issue-numbers', 'cli-telemetry'].includes(key);
}

/** A setting the app cannot synthesize with: bin/app.ts prints its message alone, without a stack trace. */
export class SynthConfigError extends Error {
  override name = 'SynthConfigError';
}

export class ContextError extends SynthConfigError {
  constructor(readonly problems: readonly string[]) {
    super(
      `invalid CDK context (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems.join('; ')}. ` +
        'Set keys in cdk.json or with -c key=value; docs/configuration.md lists every key.',
    );
  }
  override name = 'ContextError';
}

/** Validates the app's context keys (from `node.getAllContext()`), fills in defaults, and fails naming each bad key. */
export function parseContext(context: Readonly<Record<string, unknown>>): MarketPulseConfig {
  const ours = Object.fromEntries(Object.entries(context).filter(([key]) => !isCdkKey(key)));
  const parsed = contextSchema.safeParse(ours);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${key}: unknown context key${suggest(key)}`);
    }
    const key = issue.path.map(String).join('.') || '(context)';
    const got = issue.path.length > 0 ? ours[String(issue.path[0])] : undefined;
    const message = issue.code === 'invalid_type' && got === undefined ? 'is required' : issue.message;
    return [`${key}: ${message}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`];
  });
  throw new ContextError(problems);
}

/** "did you mean …" for a near-miss such as oracle_cidr or OracleCidr. */
function suggest(key: string): string {
  const squash = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '');
  const match = CONTEXT_KEYS.find((known) => squash(known) === squash(key));
  return match === undefined ? `; known keys: ${CONTEXT_KEYS.join(', ')}` : ` (did you mean ${match}?)`;
}
