/**
 * The stack under other contexts than cdk.json's dev defaults: thick vs thin client mode, an imported
 * VPC vs a created one, TLS to Oracle, reserved concurrency, a production-like stage, and contexts
 * that must fail synth. (Operators and readers: stage-access.test.ts.)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ContextError } from '../../../lib/context.js';
import { FUNCTION_NAMES } from '../../../lib/lambda-entries.js';
import { defineApp } from '../../../lib/market-pulse-stack.js';
import { appContext, logicalIdOf, resourcesOf, type Synthesized, scratchDir, statementsOfRole, synth } from './synth.js';

const IMPORTED_VPC = {
  createVpc: false,
  vpcId: 'vpc-0123456789abcdef0',
  subnetIds: 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
  availabilityZones: 'eu-central-1a,eu-central-1b',
  httpsEgressCidrs: '10.50.0.0/16',
  oracleCidr: '10.50.0.0/16',
  oraclePort: '1522',
};
/** The imported VPC given its endpoints by the stack. */
const WITH_ENDPOINTS = {
  createVpcEndpoints: 'true',
  httpsEgressCidrs: undefined,
  routeTableIds: 'rtb-0123456789abcdef0,rtb-0123456789abcdef1',
};

function environmentOf(synthesized: Synthesized, name: (typeof FUNCTION_NAMES)[number]): Record<string, unknown> {
  const fn = resourcesOf(synthesized.template, 'AWS::Lambda::Function')[
    logicalIdOf(synthesized.stack, synthesized.stack.jobs[name].function)
  ];
  return (fn!.Environment as { Variables: Record<string, unknown> }).Variables;
}

function noNagFindings(synthesized: Synthesized): void {
  const report = new AwsSolutionsChecks(synthesized.app).validateScope(synthesized.stack);
  expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
}

describe('Oracle client mode', () => {
  it('thick without a built layer fails synth saying how to build it', () => {
    expect(() => synth({ oracleClientMode: 'thick', oracleLayerZip: join(scratchDir(), 'no-such-layer.zip') })).toThrow(
      /oracleClientMode=thick needs the Oracle Instant Client layer, but .*no-such-layer\.zip does not exist\. Build it first: layers\/oracle-instant-client\/build\.sh <instantclient-basiclite-linux\.arm64-….zip>/,
    );
  });

  describe('thick with the layer built', () => {
    let s: Synthesized;
    beforeAll(() => {
      const zip = join(scratchDir(), 'oracle-instant-client-layer.zip');
      writeFileSync(zip, Buffer.from('504b0506000000000000000000000000000000000000', 'hex')); // an empty zip
      s = synth({ oracleClientMode: 'thick', oracleLayerZip: zip });
    });

    it('adds an arm64 Node.js 22 layer and attaches it, with ORACLE_CLIENT_MODE=thick, to the three functions only', () => {
      s.template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
      s.template.hasResourceProperties('AWS::Lambda::LayerVersion', {
        CompatibleArchitectures: ['arm64'],
        CompatibleRuntimes: ['nodejs22.x'],
      });
      const layer = { Ref: Object.keys(s.template.findResources('AWS::Lambda::LayerVersion'))[0] };
      const functions = resourcesOf(s.template, 'AWS::Lambda::Function');
      for (const name of FUNCTION_NAMES) {
        expect(functions[logicalIdOf(s.stack, s.stack.jobs[name].function)]).toMatchObject({
          Layers: [layer],
          Environment: { Variables: expect.objectContaining({ ORACLE_CLIENT_MODE: 'thick' }) },
        });
      }
      expect(functions[logicalIdOf(s.stack, s.stack.parameters.provider.function)]?.Layers).toBeUndefined();
    });

    it('still has no cdk-nag finding', () => noNagFindings(s));
  });
});

describe('an imported VPC', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth({ ...IMPORTED_VPC, configBucket: 'desk-config-bucket', configKey: 'market-pulse/config.json' });
  });

  it('creates no VPC or subnets and runs the functions in the given private subnets', () => {
    s.template.resourceCountIs('AWS::EC2::VPC', 0);
    s.template.resourceCountIs('AWS::EC2::Subnet', 0);
    s.template.resourceCountIs('AWS::EC2::FlowLog', 0);
    for (const name of FUNCTION_NAMES) {
      expect(resourcesOf(s.template, 'AWS::Lambda::Function')[logicalIdOf(s.stack, s.stack.jobs[name].function)]?.VpcConfig).toMatchObject({
        SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
      });
    }
  });

  it('adds no endpoints by default (the VPC usually has them) and sends HTTPS to the given CIDRs instead', () => {
    s.template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    s.template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: Match.arrayWith([
        { CidrIp: '10.50.0.0/16', FromPort: 443, ToPort: 443, IpProtocol: 'tcp', Description: 'existing SSM and SNS endpoints' },
      ]),
    });
  });

  it('with createVpcEndpoints=true adds S3 on the given route tables and SSM and SNS in the given subnets; KMS only with createKmsEndpoint=true', () => {
    const withEndpoints = synth({ ...IMPORTED_VPC, ...WITH_ENDPOINTS });
    withEndpoints.template.resourceCountIs('AWS::EC2::VPCEndpoint', 3);
    withEndpoints.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcId: 'vpc-0123456789abcdef0',
      VpcEndpointType: 'Gateway',
      RouteTableIds: ['rtb-0123456789abcdef0', 'rtb-0123456789abcdef1'],
    });
    withEndpoints.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcId: 'vpc-0123456789abcdef0',
      ServiceName: 'com.amazonaws.eu-central-1.ssm',
      SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
    });
    withEndpoints.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcId: 'vpc-0123456789abcdef0',
      ServiceName: 'com.amazonaws.eu-central-1.sns',
      SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
      PrivateDnsEnabled: true,
    });
    const withKms = synth({ ...IMPORTED_VPC, ...WITH_ENDPOINTS, createKmsEndpoint: 'true' });
    withKms.template.resourceCountIs('AWS::EC2::VPCEndpoint', 4);
    withKms.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: 'com.amazonaws.eu-central-1.kms',
      PrivateDnsEnabled: true,
    });
  });

  it("opens the functions' security group to the given Oracle CIDR and port", () => {
    s.template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      VpcId: 'vpc-0123456789abcdef0',
      SecurityGroupEgress: Match.arrayWith([
        { CidrIp: '10.50.0.0/16', FromPort: 1522, ToPort: 1522, IpProtocol: 'tcp', Description: 'Oracle listener' },
      ]),
    });
  });

  it('reads the config document from the other bucket: that one object, nothing else there', () => {
    const role = logicalIdOf(s.stack, s.stack.jobs['run-colors'].role);
    expect(statementsOfRole(s.template, role)).toContainEqual({
      Sid: 'ReadConfigDocument',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::desk-config-bucket/market-pulse/config.json',
    });
    expect(JSON.stringify(statementsOfRole(s.template, role)).match(/desk-config-bucket/g)).toHaveLength(1);
    expect(resourcesOf(s.template, 'AWS::Lambda::Function')[logicalIdOf(s.stack, s.stack.jobs['run-colors'].function)]).toMatchObject({
      Environment: { Variables: expect.objectContaining({ CONFIG_BUCKET: 'desk-config-bucket', CONFIG_KEY: 'market-pulse/config.json' }) },
    });
  });

  it('still has no cdk-nag finding', () => noNagFindings(s));
});

describe('a production stage', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth({
      ...IMPORTED_VPC,
      stage: 'prod',
      account: '222222222222',
      region: 'us-east-1',
      walletParameters: true,
      operatorRoleArns: 'arn:aws:iam::222222222222:role/market-pulse-operator',
      deleteParametersOnDelete: true,
      configKey: 'config/market-pulse.json',
      alarmEmail: 'ops@example.com',
      deskEmail: 'desk@example.com',
      schedulesEnabled: 'false',
      scheduleTimeZone: 'Asia/Tokyo',
      runColorsSchedule: 'cron(30 7 * * ? *)',
      runColorsMemoryMb: 3008,
      runColorsTimeoutSeconds: 900,
      logRetentionDays: 365,
      resultsExpirationDays: 400,
      availabilityZones: 'us-east-1a,us-east-1b',
    });
  });

  it('names its run topic by stage, and the key policy names it in its account and region', () => {
    s.template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'market-pulse-prod-runs' });
    const key = resourcesOf(s.template, 'AWS::KMS::Key')[logicalIdOf(s.stack, s.stack.key.key)]?.KeyPolicy as {
      Statement: { Sid?: string; Condition?: unknown }[];
    };
    expect(key.Statement.find((statement) => statement.Sid === 'RunTopicDataKeysViaSns')?.Condition).toEqual({
      StringEquals: {
        'kms:ViaService': 'sns.us-east-1.amazonaws.com',
        'kms:EncryptionContext:aws:sns:topicArn': 'arn:aws:sns:us-east-1:222222222222:market-pulse-prod-runs',
      },
    });
  });

  it('is named and scoped by its stage, account and region', () => {
    expect(s.stack.stackName).toBe('MarketPulse-prod');
    s.template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/market-pulse-prod' });
    s.template.hasResourceProperties('Custom::MarketPulseParameters', {
      Parameters: Match.arrayWith([{ Name: '/market-pulse/prod/oracle/password', Type: 'SecureString' }]),
    });
    const role = logicalIdOf(s.stack, s.stack.jobs['run-colors'].role);
    expect(statementsOfRole(s.template, role)).toContainEqual(
      expect.objectContaining({
        Sid: 'ReadOracleParameters',
        Resource: expect.arrayContaining(['arn:aws:ssm:us-east-1:222222222222:parameter/market-pulse/prod/oracle/password']),
      }),
    );
    expect(statementsOfRole(s.template, role)).toContainEqual(
      expect.objectContaining({
        Sid: 'DecryptOracleParametersViaSsm',
        Condition: { StringEquals: expect.objectContaining({ 'kms:ViaService': 'ssm.us-east-1.amazonaws.com' }) },
      }),
    );
  });

  it('keeps its data when the stack goes: bucket, access logs, log groups, key', () => {
    for (const type of ['AWS::S3::Bucket', 'AWS::Logs::LogGroup', 'AWS::KMS::Key']) {
      for (const resource of Object.values(s.template.findResources(type)))
        expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
    // The alias goes, so a later stack of the stage can make it again for its new key.
    for (const resource of Object.values(s.template.findResources('AWS::KMS::Alias')))
      expect(resource).toMatchObject({ DeletionPolicy: 'Delete' });
  });

  it('seeds the wallet pair as SecureStrings too, and may delete what it created when told to', () => {
    s.template.hasResourceProperties('Custom::MarketPulseParameters', {
      Parameters: Match.arrayWith([
        { Name: '/market-pulse/prod/oracle/wallet', Type: 'SecureString' },
        { Name: '/market-pulse/prod/oracle/wallet-password', Type: 'SecureString' },
      ]),
      DeleteOnStackDelete: 'true',
    });
    const statements = statementsOfRole(s.template, logicalIdOf(s.stack, s.stack.parameters.provider.role));
    const arn = 'arn:aws:ssm:us-east-1:222222222222:parameter/market-pulse/prod/oracle/';
    expect(statements).toContainEqual(
      expect.objectContaining({
        Sid: 'EncryptOracleSecretsViaSsm',
        Condition: {
          StringEquals: {
            'kms:ViaService': 'ssm.us-east-1.amazonaws.com',
            'kms:EncryptionContext:PARAMETER_ARN': [`${arn}password`, `${arn}wallet`, `${arn}wallet-password`],
          },
        },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Sid: 'DeleteOwnParameters', Action: ['ssm:DeleteParameter', 'ssm:ListTagsForResource'] }),
    );
  });

  it('reads the config document from the results bucket: that one object', () => {
    const role = logicalIdOf(s.stack, s.stack.jobs['run-colors'].role);
    const bucket = logicalIdOf(s.stack, s.stack.results.bucket);
    expect(statementsOfRole(s.template, role)).toContainEqual({
      Sid: 'ReadConfigDocument',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/config/market-pulse.json']] },
    });
  });

  it('takes schedule, time zone, sizing, retention and lifecycle from context', () => {
    s.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'market-pulse-prod-run-colors',
      ScheduleExpression: 'cron(30 7 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Tokyo',
      State: 'DISABLED',
    });
    expect(resourcesOf(s.template, 'AWS::Lambda::Function')[logicalIdOf(s.stack, s.stack.jobs['run-colors'].function)]).toMatchObject({
      MemorySize: 3008,
      Timeout: 900,
    });
    s.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 400 })] },
    });
  });

  it('subscribes the alarm e-mail to the alarm topic and the desk e-mail to the run topic, and a daily schedule gets no weekend allowance', () => {
    const topic = (construct: { node: { defaultChild?: unknown } }) => ({ Ref: logicalIdOf(s.stack, construct) });
    expect(Object.values(resourcesOf(s.template, 'AWS::SNS::Subscription'))).toEqual(
      expect.arrayContaining([
        { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: topic(s.stack.alarms.topic) },
        { Protocol: 'email', Endpoint: 'desk@example.com', TopicArn: topic(s.stack.runNotifications.topic) },
      ]),
    );
    s.template.resourceCountIs('AWS::SNS::Subscription', 2);
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'market-pulse-prod-no-successful-run',
      Metrics: [Match.objectLike({ Expression: 'FILL(runs, 0)', ReturnData: true }), Match.objectLike({ Id: 'runs' })],
    });
  });

  it('still has no cdk-nag finding', () => noNagFindings(s));
});

describe('TLS to Oracle', () => {
  it('dev connects as the parameters say (a wallet means TCPS), with nothing required', () => {
    const dev = synth();
    for (const name of FUNCTION_NAMES) expect(environmentOf(dev, name)).not.toHaveProperty('ORACLE_TCPS');
  });

  it('oracleTls=true: every Oracle function refuses plaintext and trusts the Amazon CAs (RDS) next to the public ones', () => {
    const tls = synth({ stage: 'qa', oracleTls: 'true', operatorRoleArns: 'arn:aws:iam::111111111111:role/ops' });
    for (const name of FUNCTION_NAMES) {
      expect(environmentOf(tls, name)).toMatchObject({ ORACLE_TCPS: 'required', NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' });
    }
  });

  it('walletParameters=true: TCPS required even while the wallet still holds its placeholder; only its own CA', () => {
    const wallet = synth({ walletParameters: 'true' });
    for (const name of FUNCTION_NAMES) {
      expect(environmentOf(wallet, name)).toMatchObject({ ORACLE_TCPS: 'required' });
      expect(environmentOf(wallet, name)).not.toHaveProperty('NODE_EXTRA_CA_CERTS');
    }
  });
});

describe('reserved concurrency', () => {
  it('runColorsReservedConcurrency reserves that much for run-colors, and for nothing else', () => {
    const reserved = synth({ runColorsReservedConcurrency: '2', backfillMaxConcurrency: '2' });
    const runColors = logicalIdOf(reserved.stack, reserved.stack.jobs['run-colors'].function);
    const functions = Object.entries(resourcesOf(reserved.template, 'AWS::Lambda::Function'));
    expect(functions.filter(([, fn]) => fn.ReservedConcurrentExecutions !== undefined)).toEqual([
      [runColors, expect.objectContaining({ ReservedConcurrentExecutions: 2 })],
    ]);
  });
});

describe('bad context fails synth, naming the key', () => {
  function synthError(overrides: Record<string, unknown>): ContextError {
    const app = new App({ context: Object.fromEntries(Object.entries(appContext(overrides)).filter(([, value]) => value !== undefined)) });
    try {
      defineApp(app);
    } catch (error) {
      expect(error).toBeInstanceOf(ContextError);
      return error as ContextError;
    }
    throw new Error('expected synth to fail');
  }

  it('an unknown key', () => {
    expect(synthError({ oracleCIDR: '10.0.0.0/8' }).message).toMatch(
      /^invalid CDK context \(1 problem\): oracleCIDR: unknown context key \(did you mean oracleCidr\?\)/,
    );
  });

  it('a malformed value', () => {
    expect(synthError({ oraclePort: '15a1' }).problems).toEqual(['oraclePort: must be an integer from 1 to 65535 (got "15a1")']);
    expect(synthError({ runColorsSchedule: '0 18 * * MON-FRI' }).problems[0]).toMatch(
      /^runColorsSchedule: must be an EventBridge Scheduler expression/,
    );
    expect(synthError({ createVpc: 'yes' }).problems).toEqual(['createVpc: must be true or false (got "yes")']);
  });

  it('an imported VPC without its subnets', () => {
    expect(synthError({ createVpc: false, vpcId: 'vpc-0123456789abcdef0' }).problems.map((p) => p.split(':')[0])).toEqual([
      'subnetIds',
      'availabilityZones',
      'httpsEgressCidrs',
    ]);
  });

  it('a stage other than dev that would reach Oracle in plaintext', () => {
    expect(synthError({ stage: 'prod', operatorRoleArns: 'arn:aws:iam::111111111111:role/ops' }).problems).toEqual([
      expect.stringMatching(
        /^allowPlaintextOracle: is required for stage prod unless Oracle is reached over TCPS: set walletParameters=true .* or oracleTls=true /,
      ),
    ]);
  });

  it('no account (a fresh clone always has cdk.json, so only by removing it)', () => {
    expect(synthError({ account: undefined }).problems).toEqual(['account: is required']);
  });
});
