import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTEXT_KEYS, ContextError, parseContext } from '../../../lib/context.js';
import { REPO_ROOT } from '../../../lib/lambda-entries.js';

/** What cdk.json supplies for dev, the smallest valid context. */
const DEV = { account: '111111111111', region: 'eu-central-1', createVpc: true, oracleCidr: '192.0.2.0/24' };
const IMPORTED = {
  account: '111111111111',
  region: 'eu-central-1',
  oracleCidr: '10.1.0.0/16',
  vpcId: 'vpc-0123456789abcdef0',
  subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
  availabilityZones: ['eu-central-1a', 'eu-central-1b'],
  httpsEgressCidrs: ['10.1.0.0/16'],
};
const OPERATOR = 'arn:aws:iam::111111111111:role/market-pulse-operator';
/** A non-dev stage as the checks want it: operators named, TCPS chosen. */
const PROD = { ...DEV, stage: 'prod', operatorRoleArns: [OPERATOR], oracleTls: true };

function problemsOf(context: Record<string, unknown>): string[] {
  try {
    parseContext(context);
  } catch (error) {
    expect(error).toBeInstanceOf(ContextError);
    return [...(error as ContextError).problems];
  }
  throw new Error('expected the context to be rejected');
}

describe('parseContext', () => {
  it('fills in every default', () => {
    expect(parseContext(DEV)).toEqual({
      ...DEV,
      stage: 'dev',
      vpcCidr: '10.20.0.0/22',
      createVpcEndpoints: true,
      createKmsEndpoint: false,
      oraclePort: 1521,
      oracleClientMode: 'thin',
      oracleLayerZip: 'layers/oracle-instant-client/build/oracle-instant-client-layer.zip',
      walletParameters: false,
      oracleTls: false,
      allowPlaintextOracle: false,
      deleteParametersOnDelete: false,
      settingsTtlSeconds: 300,
      resultsPrefix: 'market-pulse',
      retainData: false,
      resultsTransitionDays: 30,
      resultsExpirationDays: 0,
      noncurrentVersionExpirationDays: 30,
      accessLogExpirationDays: 90,
      scheduleTimeZone: 'America/New_York',
      runColorsSchedule: 'cron(0 18 ? * MON-FRI *)',
      dbHealthSchedule: 'cron(0/15 * * * ? *)',
      schedulesEnabled: false,
      scheduleRetryAttempts: 3,
      scheduleMaxEventAgeMinutes: 120,
      athenaBytesScannedCutoffMb: 10_000,
      runColorsMemoryMb: 1024,
      runColorsTimeoutSeconds: 600,
      logRetentionDays: 90,
      operatorRoleArns: [],
      readerRoleArns: [],
      uploaderRoleArns: [],
      missedRunHours: 26,
      backfillMaxConcurrency: 1,
    });
    expect(parseContext(DEV)).not.toHaveProperty('runColorsReservedConcurrency');
  });

  it('reads -c values, which arrive as strings: booleans, integers and comma-separated or JSON lists', () => {
    const config = parseContext({
      ...IMPORTED,
      createVpc: 'false',
      createVpcEndpoints: 'true',
      httpsEgressCidrs: undefined,
      oraclePort: '1522',
      subnetIds: 'subnet-0123456789abcdef0, subnet-0123456789abcdef1',
      availabilityZones: '["eu-central-1a","eu-central-1b"]',
      routeTableIds: 'rtb-0123456789abcdef0,rtb-0123456789abcdef0',
      walletParameters: 'true',
      runColorsReservedConcurrency: '2',
      backfillMaxConcurrency: '2',
      operatorRoleArns: `${OPERATOR},arn:aws:iam::111111111111:role/ops/on-call`,
    });
    expect(config.createVpc).toBe(false);
    expect(config.createVpcEndpoints).toBe(true);
    expect(config.runColorsReservedConcurrency).toBe(2);
    expect(config.operatorRoleArns).toEqual([OPERATOR, 'arn:aws:iam::111111111111:role/ops/on-call']);
    expect(config.oraclePort).toBe(1522);
    expect(config.subnetIds).toEqual(['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1']);
    expect(config.availabilityZones).toEqual(['eu-central-1a', 'eu-central-1b']);
    expect(config.walletParameters).toBe(true);
  });

  it('keeps data (bucket, log groups) for every stage but dev unless told otherwise', () => {
    expect(parseContext(PROD).retainData).toBe(true);
    expect(parseContext({ ...DEV, stage: 'dev' }).retainData).toBe(false);
    expect(parseContext({ ...DEV, stage: 'dev', retainData: 'true' }).retainData).toBe(true);
  });

  it('runs the schedules of every stage but dev unless told otherwise', () => {
    expect(parseContext(PROD).schedulesEnabled).toBe(true);
    expect(parseContext({ ...PROD, schedulesEnabled: 'false' }).schedulesEnabled).toBe(false);
    expect(parseContext(DEV).schedulesEnabled).toBe(false);
    expect(parseContext({ ...DEV, schedulesEnabled: 'true' }).schedulesEnabled).toBe(true);
  });

  it("ignores the CDK's own keys: feature flags, lookups, toolkit settings", () => {
    expect(() =>
      parseContext({
        ...DEV,
        '@aws-cdk/core:enablePartitionLiterals': true,
        'availability-zones:account=111111111111:region=eu-central-1': ['eu-central-1a'],
        'aws:cdk:bundling-stacks': [],
        'acknowledged-issue-numbers': [1],
      }),
    ).not.toThrow();
  });

  it('rejects an unknown key, naming it and the key it probably meant', () => {
    expect(problemsOf({ ...DEV, oracle_cidr: '10.0.0.0/8' })).toEqual(['oracle_cidr: unknown context key (did you mean oracleCidr?)']);
    expect(problemsOf({ ...DEV, colour: 'blue' })[0]).toMatch(/^colour: unknown context key; known keys: stage, account, region, /);
  });

  it('names each malformed key with what it must be and what it got', () => {
    const problems = problemsOf({
      ...DEV,
      oraclePort: 'abc',
      oracleCidr: '10.0.0.0/33',
      stage: 'Prod',
      scheduleTimeZone: 'Mars/Olympus',
      runColorsSchedule: 'every day at six',
      logRetentionDays: 42,
      oracleClientMode: 'thicc',
      alarmEmail: 'ops-at-example',
    });
    expect(problems.map((problem) => problem.slice(0, problem.indexOf(':')))).toEqual([
      'stage',
      'oracleCidr',
      'oraclePort',
      'oracleClientMode',
      'scheduleTimeZone',
      'runColorsSchedule',
      'logRetentionDays',
      'alarmEmail',
    ]);
    expect(problems).toContain('oraclePort: must be an integer from 1 to 65535 (got "abc")');
    expect(problems).toContain('scheduleTimeZone: must be an IANA time zone such as America/New_York (got "Mars/Olympus")');
    expect(problems.find((p) => p.startsWith('logRetentionDays'))).toContain('must be one of 1, 3, 5, 7, 14, 30, 60, 90');
  });

  it('fails with a message that says where keys are set and where they are listed', () => {
    expect(() => parseContext({ ...DEV, oraclePort: 0 })).toThrow(
      /^invalid CDK context \(1 problem\): oraclePort: must be an integer from 1 to 65535 \(got 0\)\. Set keys in cdk\.json or with -c key=value; docs\/configuration\.md lists every key\.$/,
    );
  });

  it('requires account, region and the Oracle CIDR', () => {
    expect(problemsOf({})).toEqual(expect.arrayContaining(['account: is required', 'region: is required', 'oracleCidr: is required']));
  });

  it('requires the imported VPC, its subnets, their zones, and route tables when it gets endpoints, unless createVpc=true', () => {
    expect(
      problemsOf({ account: '111111111111', region: 'eu-central-1', oracleCidr: '10.1.0.0/16', httpsEgressCidrs: '10.1.0.0/16' }),
    ).toEqual([
      'vpcId: is required unless createVpc=true: the id of the VPC to deploy into',
      'subnetIds: is required unless createVpc=true: the private subnets the functions run in',
      'availabilityZones: is required unless createVpc=true: the availability zone of each subnet, in the same order',
    ]);
    expect(problemsOf({ ...IMPORTED, createVpcEndpoints: 'true', httpsEgressCidrs: undefined })).toEqual([
      'routeTableIds: is required for an imported VPC when createVpcEndpoints=true: the route tables of the subnets, for the S3 gateway endpoint',
    ]);
    expect(problemsOf({ ...IMPORTED, availabilityZones: ['eu-central-1a'] })).toEqual([
      'availabilityZones: must name one zone per subnet (2 subnetIds, 1 zones) (got ["eu-central-1a"])',
    ]);
    expect(problemsOf({ ...IMPORTED, subnetIds: ['subnet-1'] })[0]).toMatch(/^subnetIds\.0: must be a subnet id/);
    expect(() => parseContext(IMPORTED)).not.toThrow();
  });

  it('refuses imported-VPC keys next to createVpc=true rather than ignoring them', () => {
    expect(problemsOf({ ...DEV, vpcId: 'vpc-0123456789abcdef0' })).toEqual([
      'vpcId: only applies to an imported VPC; remove it or set createVpc=false (got "vpc-0123456789abcdef0")',
    ]);
  });

  it('makes endpoints for a created VPC and none for an imported one, unless told otherwise; KMS only on request', () => {
    expect(parseContext(DEV)).toMatchObject({ createVpcEndpoints: true, createKmsEndpoint: false });
    expect(parseContext(IMPORTED)).toMatchObject({ createVpcEndpoints: false, createKmsEndpoint: false });
    expect(parseContext({ ...DEV, createKmsEndpoint: 'true' }).createKmsEndpoint).toBe(true);
    expect(problemsOf({ ...IMPORTED, createKmsEndpoint: 'true' })).toEqual([
      'createKmsEndpoint: only applies when createVpcEndpoints=true (it adds a KMS endpoint next to the SSM one) (got "true")',
    ]);
  });

  it('needs httpsEgressCidrs exactly when the VPC brings its own endpoints', () => {
    expect(problemsOf({ ...IMPORTED, httpsEgressCidrs: undefined })).toEqual([
      'httpsEgressCidrs: is required when createVpcEndpoints=false (the default for an imported VPC): where the existing SSM endpoint is reached on 443 (usually the VPC CIDR)',
    ]);
    expect(parseContext({ ...IMPORTED, httpsEgressCidrs: '10.1.0.0/16' }).httpsEgressCidrs).toEqual(['10.1.0.0/16']);
    expect(problemsOf({ ...DEV, httpsEgressCidrs: ['10.1.0.0/16'] })[0]).toMatch(
      /^httpsEgressCidrs: only applies when createVpcEndpoints=false/,
    );
  });

  it('requires TCPS to Oracle for every stage but dev, or plaintext accepted in so many words', () => {
    const plaintext = problemsOf({ ...PROD, oracleTls: undefined });
    expect(plaintext).toEqual([
      'allowPlaintextOracle: is required for stage prod unless Oracle is reached over TCPS: set walletParameters=true (TCPS with a PEM wallet kept in SSM) or oracleTls=true (TCPS checked against public certificate authorities, server name matched), or allowPlaintextOracle=true to accept an unencrypted connection explicitly',
    ]);
    expect(() => parseContext({ ...PROD, oracleTls: undefined, walletParameters: 'true' })).not.toThrow();
    expect(() => parseContext({ ...PROD, oracleTls: undefined, allowPlaintextOracle: 'true' })).not.toThrow();
    expect(() => parseContext(DEV)).not.toThrow();
  });

  it('refuses the TCPS options in thick mode, and says what a thick-mode stage sets instead', () => {
    expect(problemsOf({ ...PROD, oracleClientMode: 'thick' })[0]).toMatch(
      /^oracleTls: applies to thin mode only: thick mode reads TCPS settings from a wallet directory, .* set allowPlaintextOracle=true \(got true\)$/,
    );
    expect(problemsOf({ ...DEV, oracleClientMode: 'thick', walletParameters: 'true' })[0]).toMatch(
      /^walletParameters: applies to thin mode only/,
    );
    expect(problemsOf({ ...PROD, oracleTls: undefined, oracleClientMode: 'thick' })).toEqual([
      'allowPlaintextOracle: is required for stage prod unless Oracle is reached over TCPS: thick mode has no TCPS here: if the database enforces Native Network Encryption (SQLNET.ENCRYPTION_SERVER=REQUIRED), set allowPlaintextOracle=true to say so',
    ]);
  });

  it('takes operator and reader roles; operators must be of the stage account, and every stage but dev needs one', () => {
    const reader = 'arn:aws:iam::222222222222:role/desk-analytics';
    expect(parseContext({ ...PROD, readerRoleArns: [reader] }).readerRoleArns).toEqual([reader]);
    expect(problemsOf({ ...PROD, operatorRoleArns: [OPERATOR, 'arn:aws:iam::222222222222:role/ops'] })).toEqual([
      'operatorRoleArns.1: must be a role in the stage\'s account 111111111111, where the SSM parameters are (got ["arn:aws:iam::111111111111:role/market-pulse-operator","arn:aws:iam::222222222222:role/ops"])',
    ]);
    expect(problemsOf({ ...PROD, operatorRoleArns: undefined })[0]).toMatch(
      /^operatorRoleArns: is required for stage prod: the roles that set the Oracle password/,
    );
    expect(problemsOf({ ...PROD, readerRoleArns: 'arn:aws:iam::111111111111:user/alice' })[0]).toMatch(
      /^readerRoleArns\.0: must be an IAM role ARN/,
    );
    expect(parseContext(DEV).operatorRoleArns).toEqual([]);
  });

  it("keeps the backfill within run-colors' reserved concurrency when there is one", () => {
    expect(problemsOf({ ...DEV, runColorsReservedConcurrency: 1, backfillMaxConcurrency: 2 })).toEqual([
      'backfillMaxConcurrency: must not exceed runColorsReservedConcurrency (1): the dates above it would only be throttled and retried (got 2)',
    ]);
    expect(parseContext({ ...DEV, backfillMaxConcurrency: 4 }).backfillMaxConcurrency).toBe(4);
  });

  it('checks the config document location and the results lifecycle', () => {
    expect(problemsOf({ ...DEV, configBucket: 'my-config-bucket' })[0]).toMatch(/^configKey: is required when configBucket is set/);
    expect(problemsOf({ ...DEV, resultsTransitionDays: 30, resultsExpirationDays: 10 })[0]).toMatch(
      /^resultsExpirationDays: must be after resultsTransitionDays \(30\)/,
    );
    expect(parseContext({ ...DEV, configKey: 'config/market-pulse.json' }).configKey).toBe('config/market-pulse.json');
  });

  it('lists its keys for docs and error messages', () => {
    expect(CONTEXT_KEYS).toContain('oracleCidr');
    expect(CONTEXT_KEYS).toContain('missedRunHours');
    expect(new Set(CONTEXT_KEYS).size).toBe(CONTEXT_KEYS.length);
  });
});

describe('docs/configuration.md', () => {
  it('lists every context key in its "CDK context keys" table, and no other', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/configuration.md'), 'utf8');
    const section = doc.slice(doc.indexOf('# CDK context keys'));
    const documented = [...section.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((match) => match[1]);
    expect(documented).toEqual([...CONTEXT_KEYS]);
  });

  it("matches cdk.json's dev values, which parse", () => {
    const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
    expect(parseContext(cdkJson.context)).toMatchObject({
      stage: 'dev',
      account: '111111111111',
      region: 'eu-central-1',
      createVpc: true,
      oracleCidr: '192.0.2.0/24',
    });
  });
});
