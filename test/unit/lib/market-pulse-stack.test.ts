/**
 * The dev stack as `npx cdk synth` builds it from cdk.json: one synth shared by every test here.
 */
import { readFileSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { PLACEHOLDER } from '../../../lambdas/adapters/ssm-settings.js';
import { METRICS_NAMESPACE as RUNTIME_NAMESPACE, SERVICE_NAME as RUNTIME_SERVICE } from '../../../lambdas/observability.js';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../../lib/alarms.js';
import { GRANT_FOR_AWS_RESOURCES, KEY_ADMIN_ACTIONS } from '../../../lib/encryption-key.js';
import { VPC_ENI_ACTIONS } from '../../../lib/job-function.js';
import { FUNCTION_NAMES, type FunctionName, REPO_ROOT } from '../../../lib/lambda-entries.js';
import { ALL_SETTINGS, PARAMETER_PLACEHOLDER } from '../../../lib/secure-parameters.js';
import { allowingStatement } from './key-policy.js';
import { actionsOf, logicalIdOf, resourcesOf, type Statement, type Synthesized, statementsOfRole, synth } from './synth.js';

let s: Synthesized;
beforeAll(() => {
  s = synth();
});

const ARN = 'arn:aws:ssm:eu-central-1:111111111111:parameter/market-pulse/dev/oracle/';
const RUN_TOPIC_ARN = 'arn:aws:sns:eu-central-1:111111111111:market-pulse-dev-runs';
const PARAMETER_ARNS = ALL_SETTINGS.map((name) => `${ARN}${name}`);
const ids = () => ({
  key: logicalIdOf(s.stack, s.stack.key.key),
  bucket: logicalIdOf(s.stack, s.stack.results.bucket),
  accessLogs: logicalIdOf(s.stack, s.stack.results.accessLogs),
  dlq: logicalIdOf(s.stack, s.stack.deadLetterQueue),
  role: (name: FunctionName) => logicalIdOf(s.stack, s.stack.jobs[name].role),
  fn: (name: FunctionName) => logicalIdOf(s.stack, s.stack.jobs[name].function),
  logs: (name: FunctionName) => logicalIdOf(s.stack, s.stack.jobs[name].logGroup),
  providerRole: logicalIdOf(s.stack, s.stack.parameters.provider.role),
  providerLogs: logicalIdOf(s.stack, s.stack.parameters.provider.logGroup),
  schedulerRole: logicalIdOf(s.stack, s.stack.schedulerRole),
  functionSg: logicalIdOf(s.stack, s.stack.network.functionSecurityGroup),
  endpointSg: logicalIdOf(s.stack, s.stack.network.endpointSecurityGroup as never),
  prefixList: logicalIdOf(s.stack, s.stack.network.s3PrefixList),
  runTopic: logicalIdOf(s.stack, s.stack.runNotifications.topic),
});
const att = (logicalId: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [logicalId, attribute] });
const join = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });
/** What Lambda's active tracing adds to each function's role (AWS offers no narrower resource). */
const TRACING: Statement = { Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' };

describe('the runtime contract', () => {
  it('seeds the placeholder the runtime treats as "not configured", and alarms on the metrics it emits', () => {
    expect(PARAMETER_PLACEHOLDER).toBe(PLACEHOLDER);
    expect(METRICS_NAMESPACE).toBe(RUNTIME_NAMESPACE);
    expect(SERVICE_NAME).toBe(RUNTIME_SERVICE);
  });
});

describe('KMS key', () => {
  it('is customer managed, rotated, and aliased per stage', () => {
    s.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    s.template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/market-pulse-dev', TargetKeyId: att(ids().key) });
  });

  it('has a key policy that lets the account administer it and only named roles and services use it', () => {
    const policy = resourcesOf(s.template, 'AWS::KMS::Key')[ids().key]?.KeyPolicy as { Statement: Statement[] };
    const { role, providerRole, schedulerRole } = ids();
    const jobRoles = [...FUNCTION_NAMES]
      .map((name) => att(role(name)))
      .sort((a, b) => a['Fn::GetAtt'][0]!.localeCompare(b['Fn::GetAtt'][0]!));
    expect(policy.Statement).toEqual([
      {
        Sid: 'AccountAdministersTheKey',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111111111111:root' },
        Action: [...KEY_ADMIN_ACTIONS].sort(),
        Resource: '*',
      },
      {
        Sid: 'AccountCreatesGrantsOnlyForAwsServices',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111111111111:root' },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      },
      {
        Sid: 'CloudWatchLogsEncryptLogGroups',
        Effect: 'Allow',
        Principal: { Service: 'logs.eu-central-1.amazonaws.com' },
        Action: ['kms:Decrypt*', 'kms:Describe*', 'kms:Encrypt*', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
        Resource: '*',
        Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:eu-central-1:111111111111:log-group:*' } },
      },
      {
        Sid: 'EncryptOracleSecretsViaSsm',
        Effect: 'Allow',
        Principal: { AWS: att(providerRole) },
        Action: 'kms:Encrypt',
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:ViaService': 'ssm.eu-central-1.amazonaws.com', 'kms:EncryptionContext:PARAMETER_ARN': [`${ARN}password`] },
        },
      },
      {
        Sid: 'DecryptOracleParametersViaSsm',
        Effect: 'Allow',
        Principal: { AWS: jobRoles },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:ViaService': 'ssm.eu-central-1.amazonaws.com', 'kms:EncryptionContext:PARAMETER_ARN': PARAMETER_ARNS },
        },
      },
      {
        Sid: 'ResultsBucketDataKeysViaS3',
        Effect: 'Allow',
        Principal: { AWS: jobRoles },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' } },
      },
      {
        Sid: 'RunTopicDataKeysViaSns',
        Effect: 'Allow',
        Principal: { AWS: att(role('run-colors')) },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:ViaService': 'sns.eu-central-1.amazonaws.com', 'kms:EncryptionContext:aws:sns:topicArn': RUN_TOPIC_ARN },
        },
      },
      {
        Sid: 'DeadLetterQueueDataKeysViaSqs',
        Effect: 'Allow',
        Principal: { AWS: [att(role('run-colors')), att(schedulerRole)] },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': 'sqs.eu-central-1.amazonaws.com' } },
      },
      {
        Sid: 'CloudWatchAlarmsUseKeyForTopic',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: {
          ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-central-1:111111111111:alarm:market-pulse-dev-*' },
          StringEquals: { 'aws:SourceAccount': '111111111111' },
        },
      },
      // SQS encrypts what the upload rule sends (test/unit/lib/upload-trigger.test.ts).
      {
        Sid: 'EventBridgeEncryptsUploadEvents',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
      },
    ]);
  });

  it('names every administrative action: no wildcard, no use of the key, CreateGrant only for AWS services', () => {
    const policy = resourcesOf(s.template, 'AWS::KMS::Key')[ids().key]?.KeyPolicy as { Statement: Statement[] };
    const account = policy.Statement.filter(
      (statement) => JSON.stringify(statement.Principal) === JSON.stringify({ AWS: 'arn:aws:iam::111111111111:root' }),
    );
    expect(account.map((statement) => statement.Sid)).toEqual(['AccountAdministersTheKey', 'AccountCreatesGrantsOnlyForAwsServices']);
    const actions = account.flatMap(actionsOf);
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    expect(actions.filter((action) => /Encrypt|Decrypt|GenerateDataKey|ReEncrypt|Sign|Verify|Mac/.test(action))).toEqual([]);
    // CloudFormation updates the policy and KMS's lockout check demands the creator can: PutKeyPolicy stays.
    expect(actions).toContain('kms:PutKeyPolicy');
    expect(account[1]).toMatchObject({ Action: 'kms:CreateGrant', Condition: GRANT_FOR_AWS_RESOURCES });
  });
});

describe('SSM parameters', () => {
  it('are all made by the create-only custom resource with the placeholder; CloudFormation owns none of them', () => {
    // The one parameter CloudFormation owns is no secret: where the results are (lib/upload-trigger.ts).
    s.template.resourceCountIs('AWS::SSM::Parameter', 1);
    s.template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/market-pulse/dev/results/url', Type: 'String' });
    s.template.hasResourceProperties('Custom::MarketPulseParameters', {
      ServiceToken: att(logicalIdOf(s.stack, s.stack.parameters.provider.function)),
      Parameters: ['host', 'port', 'service-name', 'username', 'password', 'schema', 'table'].map((name) => ({
        Name: `/market-pulse/dev/oracle/${name}`,
        Type: name === 'password' ? 'SecureString' : 'String',
      })),
      KeyId: att(ids().key),
      Placeholder: 'CHANGE_ME',
      DeleteOnStackDelete: 'false',
    });
  });

  it('outputs every parameter name, the optional wallet pair included', () => {
    for (const name of ALL_SETTINGS) {
      const key = `OracleParameter${name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}`;
      s.template.hasOutput(key, { Value: `/market-pulse/dev/oracle/${name}` });
    }
  });

  it('gives the provider exactly: its logs, PutParameter/AddTags on the seeded names, kms:Encrypt via SSM for the password', () => {
    const { providerRole, providerLogs, key } = ids();
    const seeded = ['host', 'port', 'service-name', 'username', 'password', 'schema', 'table'].map((n) => `${ARN}${n}`);
    expect(statementsOfRole(s.template, providerRole)).toEqual([
      { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: att(providerLogs) },
      TRACING,
      { Sid: 'CreateParameters', Effect: 'Allow', Action: ['ssm:AddTagsToResource', 'ssm:PutParameter'], Resource: [...seeded].sort() },
      {
        Sid: 'EncryptOracleSecretsViaSsm',
        Effect: 'Allow',
        Action: 'kms:Encrypt',
        Resource: att(key),
        Condition: {
          StringEquals: { 'kms:ViaService': 'ssm.eu-central-1.amazonaws.com', 'kms:EncryptionContext:PARAMETER_ARN': [`${ARN}password`] },
        },
      },
    ]);
  });
});

describe('results bucket', () => {
  it('is SSE-KMS with the key, versioned, private, TLS-only, logged, with the lifecycle from context', () => {
    const { key, accessLogs, bucket } = ids();
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: att(key) } },
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: accessLogs }, LogFilePrefix: 'results-bucket/' },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'results',
            Prefix: 'market-pulse/',
            Status: 'Enabled',
            Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          },
        ],
      },
    });
    s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    // A dev stage's bucket goes with the stack (prod: see stack-variants).
    expect(s.template.findResources('AWS::S3::Bucket')[bucket]).toMatchObject({ DeletionPolicy: 'Delete' });
  });

  it('sends access logs to an SSE-S3 bucket that is private and TLS-only too', () => {
    const accessLogs = resourcesOf(s.template, 'AWS::S3::Bucket')[ids().accessLogs];
    expect(accessLogs).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: 90 })] },
    });
  });
});

describe('network (dev: a created VPC)', () => {
  it('creates a small VPC of private isolated subnets, no internet path, with flow logs', () => {
    s.template.resourceCountIs('AWS::EC2::VPC', 1);
    s.template.resourceCountIs('AWS::EC2::Subnet', 2);
    s.template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    s.template.resourceCountIs('AWS::EC2::NatGateway', 0);
    s.template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.20.0.0/22' });
    s.template.hasResourceProperties('AWS::EC2::FlowLog', { LogDestinationType: 's3', TrafficType: 'ALL' });
  });

  it('has the S3 gateway endpoint and SSM and SNS interface endpoints with private DNS, and no KMS endpoint (the functions never call KMS)', () => {
    s.template.resourceCountIs('AWS::EC2::VPCEndpoint', 3);
    s.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: join('com.amazonaws.', { Ref: 'AWS::Region' }, '.s3'),
    });
    s.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      ServiceName: 'com.amazonaws.eu-central-1.ssm',
      PrivateDnsEnabled: true,
      SecurityGroupIds: [att(ids().endpointSg, 'GroupId')],
    });
    s.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      ServiceName: 'com.amazonaws.eu-central-1.sns',
      PrivateDnsEnabled: true,
      SecurityGroupIds: [att(ids().endpointSg, 'GroupId')],
    });
  });

  it('lets the functions reach the Oracle listener and, on 443, the endpoints, and nothing else', () => {
    const { functionSg, endpointSg, prefixList } = ids();
    expect(resourcesOf(s.template, 'AWS::EC2::SecurityGroup')[functionSg]?.SecurityGroupEgress).toEqual([
      { CidrIp: '192.0.2.0/24', Description: 'Oracle listener', FromPort: 1521, IpProtocol: 'tcp', ToPort: 1521 },
    ]);
    const egress = Object.values(resourcesOf(s.template, 'AWS::EC2::SecurityGroupEgress')).filter((rule) =>
      JSON.stringify(rule.GroupId).includes(functionSg),
    );
    expect(egress).toEqual([
      {
        GroupId: att(functionSg, 'GroupId'),
        Description: 'S3 through the gateway endpoint',
        DestinationPrefixListId: att(prefixList, 'PrefixLists.0.PrefixListId'),
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
      },
      {
        GroupId: att(functionSg, 'GroupId'),
        Description: 'interface endpoints',
        DestinationSecurityGroupId: att(endpointSg, 'GroupId'),
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
      },
    ]);
    s.template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: att(endpointSg, 'GroupId'),
      SourceSecurityGroupId: att(functionSg, 'GroupId'),
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
    });
    expect(JSON.stringify(s.template.toJSON())).not.toContain('0.0.0.0/0');
  });

  it("looks the region's S3 prefix list up at deploy time (read-only), not at synth", () => {
    s.template.hasResourceProperties('Custom::AWS', {
      Create: Match.serializedJson(
        Match.objectLike({
          service: 'EC2',
          action: 'describeManagedPrefixLists',
          parameters: { Filters: [{ Name: 'prefix-list-name', Values: ['com.amazonaws.eu-central-1.s3'] }] },
        }),
      ),
    });
  });
});

describe('functions', () => {
  it.each(FUNCTION_NAMES)(
    '%s: Node.js 22 on arm64 in the private subnets, with the shared environment and a log group with retention',
    (name) => {
      const { fn, logs, role, key, bucket, functionSg } = ids();
      const props = resourcesOf(s.template, 'AWS::Lambda::Function')[fn(name)];
      expect(props).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Role: att(role(name)),
        LoggingConfig: { LogGroup: { Ref: logs(name) } },
        VpcConfig: { SecurityGroupIds: [att(functionSg, 'GroupId')], SubnetIds: [expect.anything(), expect.anything()] },
        Environment: {
          Variables: {
            NODE_OPTIONS: '--enable-source-maps',
            STAGE: 'dev',
            SETTINGS_PREFIX: '/market-pulse/dev/oracle/',
            SETTINGS_TTL_SECONDS: '300',
            RESULTS_BUCKET: { Ref: bucket },
            RESULTS_PREFIX: 'market-pulse',
            RESULTS_KMS_KEY_ID: att(key),
            SCHEDULE_TZ: 'America/New_York',
            POWERTOOLS_SERVICE_NAME: 'market-pulse',
            POWERTOOLS_METRICS_NAMESPACE: 'MarketPulse',
          },
        },
      });
      // Thin mode (the default): no layer, no ORACLE_CLIENT_MODE.
      expect(props?.Layers).toBeUndefined();
      expect((props!.Environment as { Variables: Record<string, unknown> }).Variables.ORACLE_CLIENT_MODE).toBeUndefined();
      expect(resourcesOf(s.template, 'AWS::Logs::LogGroup')[logs(name)]).toMatchObject({ RetentionInDays: 90 });
    },
  );

  it('run-colors: no reserved concurrency (a fresh account has none to give), memory and timeout from context, async failures to the DLQ', () => {
    const { fn, dlq } = ids();
    expect(resourcesOf(s.template, 'AWS::Lambda::Function')[fn('run-colors')]).toMatchObject({ MemorySize: 1024, Timeout: 600 });
    expect(resourcesOf(s.template, 'AWS::Lambda::Function')[fn('run-colors')]?.ReservedConcurrentExecutions).toBeUndefined();
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fn('run-colors') },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
      DestinationConfig: { OnFailure: { Destination: att(dlq) } },
    });
  });

  it('db-health and oracle-extract do not retry', () => {
    const { fn } = ids();
    for (const name of ['db-health', 'oracle-extract'] as const) {
      s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: fn(name) }, MaximumRetryAttempts: 0 });
    }
  });

  it('every function is traced (Lambda active tracing) and logs to a group encrypted with the stage key', () => {
    const functions = Object.values(resourcesOf(s.template, 'AWS::Lambda::Function')).filter((fn) => fn.Runtime === 'nodejs22.x');
    expect(functions.length).toBe(5);
    for (const fn of functions) expect(fn).toMatchObject({ TracingConfig: { Mode: 'Active' } });
    const logGroups = Object.values(resourcesOf(s.template, 'AWS::Logs::LogGroup'));
    expect(logGroups.length).toBe(7); // five functions, the prefix-list lookup, the backfill state machine
    for (const group of logGroups) expect(group).toMatchObject({ KmsKeyId: att(ids().key) });
  });

  it('roles start empty: no AWS managed policies on any function role', () => {
    for (const role of [...FUNCTION_NAMES.map((name) => ids().role(name)), ids().providerRole, ids().schedulerRole]) {
      expect(resourcesOf(s.template, 'AWS::IAM::Role')[role]?.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('IAM: the exact statements', () => {
  function jobStatements(name: FunctionName, folder: string, sid: string): Statement[] {
    const { logs, key, bucket, dlq } = ids();
    return [
      { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: att(logs(name)) },
      { Sid: 'ManageVpcNetworkInterfaces', Effect: 'Allow', Action: [...VPC_ENI_ACTIONS].sort(), Resource: '*' },
      TRACING,
      {
        Sid: 'ReadOracleParameters',
        Effect: 'Allow',
        Action: ['ssm:GetParameter', 'ssm:GetParameters'],
        Resource: [...PARAMETER_ARNS].sort(),
      },
      {
        Sid: 'DecryptOracleParametersViaSsm',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: att(key),
        Condition: {
          StringEquals: { 'kms:ViaService': 'ssm.eu-central-1.amazonaws.com', 'kms:EncryptionContext:PARAMETER_ARN': PARAMETER_ARNS },
        },
      },
      {
        Sid: `Write${sid}`,
        Effect: 'Allow',
        Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
        Resource: join(att(bucket), `/market-pulse/${folder}/*`),
      },
      {
        Sid: `List${sid}`,
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: att(bucket),
        // Exact: no IfExists, so no role can list the bucket outside its folder (a GET of a missing key is then 403).
        Condition: { StringLike: { 's3:prefix': [`market-pulse/${folder}/*`] } },
      },
      {
        Sid: 'ResultsBucketDataKeysViaS3',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: att(key),
        Condition: {
          StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [att(bucket), join(att(bucket), '/market-pulse/*')] },
        },
      },
      ...(name === 'run-colors'
        ? [
            { Sid: 'SendFailedEventsToDeadLetterQueue', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: att(dlq) },
            // Publish to the run topic and nothing else; its data keys through SNS, for that topic only.
            { Sid: 'PublishRunNotifications', Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: ids().runTopic } },
            {
              Sid: 'RunTopicDataKeysViaSns',
              Effect: 'Allow',
              Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
              Resource: att(key),
              Condition: {
                StringEquals: {
                  'kms:ViaService': 'sns.eu-central-1.amazonaws.com',
                  'kms:EncryptionContext:aws:sns:topicArn': RUN_TOPIC_ARN,
                },
              },
            },
            {
              Sid: 'DeadLetterQueueDataKeysViaSqs',
              Effect: 'Allow',
              Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
              Resource: att(key),
              Condition: { StringEquals: { 'kms:ViaService': 'sqs.eu-central-1.amazonaws.com' } },
            },
          ]
        : []),
    ];
  }

  it('run-colors: settings of its stage, its runs and tables folders, the DLQ', () => {
    const expected = jobStatements('run-colors', 'runs', 'Runs');
    // The folder statements of tables/ (the Parquet files and latest.json copies, docs/queries.md) follow those of runs/.
    const tables = jobStatements('run-colors', 'tables', 'Tables').filter((statement) =>
      ['WriteTables', 'ListTables'].includes(String(statement.Sid)),
    );
    expected.splice(expected.findIndex((statement) => statement.Sid === 'ListRuns') + 1, 0, ...tables);
    // Then reading the day's uploads and taking the upload queue's messages (test/unit/lib/upload-trigger.test.ts).
    const granted = statementsOfRole(s.template, ids().role('run-colors'));
    expect(granted.slice(0, expected.length)).toEqual(expected);
    expect(granted.slice(expected.length).map((statement) => statement.Sid)).toEqual(['ReadUploads', 'ListUploads', 'ConsumeUploadEvents']);
  });

  it('db-health: settings of its stage, its health folder', () => {
    expect(statementsOfRole(s.template, ids().role('db-health'))).toEqual(jobStatements('db-health', 'health', 'Health'));
  });

  it('oracle-extract: settings of its stage, its extracts folder', () => {
    expect(statementsOfRole(s.template, ids().role('oracle-extract'))).toEqual(jobStatements('oracle-extract', 'extracts', 'Extracts'));
  });

  it('scheduler: invoke the two scheduled functions, dead-letter to the DLQ (encrypted via SQS)', () => {
    const { fn, dlq, key, schedulerRole } = ids();
    expect(statementsOfRole(s.template, schedulerRole)).toEqual([
      {
        Sid: 'DeadLetterQueueDataKeysViaSqs',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: att(key),
        Condition: { StringEquals: { 'kms:ViaService': 'sqs.eu-central-1.amazonaws.com' } },
      },
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: [att(fn('db-health')), att(fn('run-colors')), join(att(fn('db-health')), ':*'), join(att(fn('run-colors')), ':*')],
      },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: att(dlq) },
    ]);
    s.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
          },
        ],
      },
    });
  });

  it('no policy anywhere grants ssm:*, kms:*, s3:* or *, and "*" resources appear only where AWS offers nothing narrower', () => {
    const allowStatements: { where: string; statement: Statement }[] = [];
    for (const [id, resource] of Object.entries(
      s.template.toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>,
    )) {
      const documents = [resource.Properties?.PolicyDocument, resource.Properties?.KeyPolicy].filter(Boolean) as {
        Statement: Statement[];
      }[];
      for (const document of documents) {
        for (const statement of document.Statement) if (statement.Effect === 'Allow') allowStatements.push({ where: id, statement });
      }
    }
    expect(allowStatements.length).toBeGreaterThan(20);
    for (const { statement } of allowStatements) {
      for (const action of actionsOf(statement)) expect(action).not.toMatch(/^(\*|ssm:\*|kms:\*|s3:\*)$/);
    }
    // Resource "*" in an identity policy: ENI management for each function in the VPC, X-Ray for each
    // function, the prefix-list lookup, and the backfill state machine's log delivery and X-Ray tracing.
    const starResources = allowStatements
      .filter(({ statement }) => statement.Resource === '*' && statement.Principal === undefined)
      .map(({ statement }) => statement.Sid ?? actionsOf(statement).join(','));
    expect(starResources.sort()).toEqual([
      'ManageVpcNetworkInterfaces',
      'ManageVpcNetworkInterfaces',
      'ManageVpcNetworkInterfaces',
      'ec2:DescribeManagedPrefixLists',
      'logs:CreateLogDelivery,logs:DeleteLogDelivery,logs:DescribeLogGroups,logs:DescribeResourcePolicies,logs:GetLogDelivery,logs:ListLogDeliveries,logs:PutResourcePolicy,logs:UpdateLogDelivery,xray:GetSamplingRules,xray:GetSamplingTargets,xray:PutTelemetryRecords,xray:PutTraceSegments',
      ...Array(5).fill('xray:PutTelemetryRecords,xray:PutTraceSegments'),
    ]);
  });
});

describe('schedules', () => {
  it('run-colors: weekdays 18:00 New York, scheduled time in the input, retries and the DLQ', () => {
    const { fn, dlq, schedulerRole } = ids();
    s.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'market-pulse-dev-run-colors',
      ScheduleExpression: 'cron(0 18 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'America/New_York',
      // A dev stage's parameters are placeholders until someone sets them: schedulesEnabled=true switches it on.
      State: 'DISABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: att(fn('run-colors')),
        RoleArn: att(schedulerRole),
        Input: Match.serializedJson({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: { Arn: att(dlq) },
      },
    });
  });

  it('db-health: every 15 minutes, a short retry window, the same DLQ', () => {
    const { fn, dlq } = ids();
    s.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'market-pulse-dev-db-health',
      ScheduleExpression: 'cron(0/15 * * * ? *)',
      ScheduleExpressionTimezone: 'America/New_York',
      Target: {
        Arn: att(fn('db-health')),
        RetryPolicy: { MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 600 },
        DeadLetterConfig: { Arn: att(dlq) },
      },
    });
    s.template.resourceCountIs('AWS::Scheduler::Schedule', 2);
  });

  it('dead-letter queue: encrypted with the key, TLS only', () => {
    const { dlq, key } = ids();
    s.template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: att(key), MessageRetentionPeriod: 1209600 });
    s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: dlq }],
      PolicyDocument: {
        Statement: [Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })],
      },
    });
  });
});

describe('alarms', () => {
  it("notify an encrypted, TLS-only topic that only this stage's CloudWatch alarms may publish to", () => {
    s.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: att(ids().key) });
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-central-1:111111111111:alarm:market-pulse-dev-*' },
              StringEquals: { 'aws:SourceAccount': '111111111111' },
            },
          }),
        ],
      },
    });
    s.template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('cover errors on each function, DLQ depth, a missed run, held-back and unannounced runs, run time, lost events, backfill failures, Oracle health and upload events stuck, each notifying the topic', () => {
    const alarms = Object.values(resourcesOf(s.template, 'AWS::CloudWatch::Alarm'));
    expect(alarms.map((alarm) => alarm.AlarmName).sort()).toEqual([
      'market-pulse-dev-backfill-failed',
      'market-pulse-dev-backfill-plan-errors',
      'market-pulse-dev-db-health-errors',
      'market-pulse-dev-dead-letter-queue',
      'market-pulse-dev-no-successful-run',
      'market-pulse-dev-oracle-extract-errors',
      'market-pulse-dev-oracle-health',
      'market-pulse-dev-run-colors-errors',
      'market-pulse-dev-run-colors-events-lost',
      'market-pulse-dev-run-colors-near-timeout',
      'market-pulse-dev-run-held-back',
      'market-pulse-dev-run-notification-failed',
      'market-pulse-dev-upload-events-undelivered',
      'market-pulse-dev-upload-events-waiting',
    ]);
    const topic = { Ref: logicalIdOf(s.stack, s.stack.alarms.topic) };
    for (const alarm of alarms) expect(alarm).toMatchObject({ AlarmActions: [topic], OKActions: [topic] });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'market-pulse-dev-backfill-plan-errors',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(s.stack, s.stack.backfill.planFunction.function) } }],
    });
    for (const name of FUNCTION_NAMES) {
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `market-pulse-dev-${name}-errors`,
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids().fn(name) } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'market-pulse-dev-dead-letter-queue',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: att(ids().dlq, 'QueueName') }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'market-pulse-dev-oracle-health',
      Namespace: 'MarketPulse',
      MetricName: 'HealthOk',
      Dimensions: [
        { Name: 'service', Value: 'market-pulse' },
        { Name: 'stage', Value: 'dev' },
      ],
      Statistic: 'Minimum',
      Period: 900,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'missing',
    });
  });

  it("each have a row in docs/runbook.md's alarm table, and the table has no other", () => {
    const runbook = readFileSync(joinPath(REPO_ROOT, 'docs/runbook.md'), 'utf8');
    const table = runbook.slice(runbook.indexOf('## 6. Alarms'), runbook.indexOf('## 7.'));
    const documented = [...table.matchAll(/^\| (.+?) \|/gm)].flatMap((row) => [...row[1]!.matchAll(/`([a-z-]+)`/g)].map((name) => name[1]));
    const alarms = Object.values(resourcesOf(s.template, 'AWS::CloudWatch::Alarm')).map((alarm) =>
      String(alarm.AlarmName).replace('market-pulse-dev-', ''),
    );
    expect(documented.sort()).toEqual(alarms.sort());
  });

  /** An alarm that fires on any count of a metric run-colors emits with the service and stage dimensions. */
  function expectAlarmOnAnyOf(alarm: string, metric: string): void {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `market-pulse-dev-${alarm}`,
      Namespace: 'MarketPulse',
      MetricName: metric,
      Dimensions: [
        { Name: 'service', Value: 'market-pulse' },
        { Name: 'stage', Value: 'dev' },
      ],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  }

  it('held back: any RunsHeldBack, the metric run-colors emits next to RunsFailed', () => {
    expectAlarmOnAnyOf('run-held-back', 'RunsHeldBack');
  });

  it('run not announced: any RunNotificationsFailed, the metric run-colors emits when the run topic refuses a message', () => {
    expectAlarmOnAnyOf('run-notification-failed', 'RunNotificationsFailed');
  });

  it('run-colors near its timeout (80% of 600 s), and its asynchronous events dropped or not dead-lettered', () => {
    const runColors = { Ref: ids().fn('run-colors') };
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'market-pulse-dev-run-colors-near-timeout',
      Namespace: 'AWS/Lambda',
      MetricName: 'Duration',
      Dimensions: [{ Name: 'FunctionName', Value: runColors }],
      Statistic: 'Maximum',
      Threshold: 480_000,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'market-pulse-dev-run-colors-events-lost',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'FILL(dropped, 0) + FILL(undelivered, 0)', ReturnData: true }),
        Match.objectLike({
          Id: 'dropped',
          MetricStat: Match.objectLike({
            Metric: { Namespace: 'AWS/Lambda', MetricName: 'AsyncEventsDropped', Dimensions: [{ Name: 'FunctionName', Value: runColors }] },
          }),
        }),
        Match.objectLike({
          Id: 'undelivered',
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'AWS/Lambda',
              MetricName: 'DestinationDeliveryFailures',
              Dimensions: [{ Name: 'FunctionName', Value: runColors }],
            },
          }),
        }),
      ]),
    });
  });

  it('backfill: an execution that failed or timed out', () => {
    const machine = { Ref: logicalIdOf(s.stack, s.stack.backfill.stateMachine) };
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'market-pulse-dev-backfill-failed',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'FILL(failed, 0) + FILL(timedOut, 0)', ReturnData: true }),
        Match.objectLike({
          Id: 'failed',
          MetricStat: Match.objectLike({
            Metric: { Namespace: 'AWS/States', MetricName: 'ExecutionsFailed', Dimensions: [{ Name: 'StateMachineArn', Value: machine }] },
          }),
        }),
        Match.objectLike({
          Id: 'timedOut',
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'AWS/States',
              MetricName: 'ExecutionsTimedOut',
              Dimensions: [{ Name: 'StateMachineArn', Value: machine }],
            },
          }),
        }),
      ]),
    });
  });

  it('missed run: 26 hourly buckets without a RunsSucceeded, the local weekend not counting for a weekday schedule', () => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'market-pulse-dev-no-successful-run',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 26,
      DatapointsToAlarm: 26,
      TreatMissingData: 'breaching',
      Metrics: [
        {
          Id: 'expr_1',
          ReturnData: true,
          Expression: 'filled + IF(((DAY(filled) - 1) * 24 + HOUR(filled)) >= 125 OR ((DAY(filled) - 1) * 24 + HOUR(filled)) < 5, 1, 0)',
          Label: Match.anyValue(),
        },
        { Id: 'filled', ReturnData: false, Expression: 'FILL(runs, 0)', Label: Match.anyValue() },
        {
          Id: 'runs',
          ReturnData: false,
          MetricStat: {
            Metric: {
              Namespace: 'MarketPulse',
              MetricName: 'RunsSucceeded',
              Dimensions: [
                { Name: 'service', Value: 'market-pulse' },
                { Name: 'stage', Value: 'dev' },
              ],
            },
            Period: 3600,
            Stat: 'Sum',
          },
        },
      ],
    });
  });
});

describe('run notifications', () => {
  it('go to market-pulse-dev-runs: encrypted with the stage key, TLS only, no subscription without deskEmail', () => {
    expect(resourcesOf(s.template, 'AWS::SNS::Topic')[ids().runTopic]).toEqual({
      TopicName: 'market-pulse-dev-runs',
      DisplayName: 'market-pulse dev runs',
      KmsMasterKeyId: att(ids().key),
      Tags: [
        { Key: 'project', Value: 'market-pulse' },
        { Key: 'stage', Value: 'dev' },
      ],
    });
    // The topic policy only denies plain HTTP: nobody is let in by it, so only IAM grants (run-colors's) publish.
    const policies = Object.values(resourcesOf(s.template, 'AWS::SNS::TopicPolicy')).filter(
      (policy) => JSON.stringify(policy.Topics) === JSON.stringify([{ Ref: ids().runTopic }]),
    );
    expect(policies).toHaveLength(1);
    expect((policies[0]!.PolicyDocument as { Statement: Statement[] }).Statement).toEqual([
      {
        Sid: 'AllowPublishThroughSSLOnly',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Resource: { Ref: ids().runTopic },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);
    const subscriptions = Object.values(resourcesOf(s.template, 'AWS::SNS::Subscription'));
    expect(subscriptions.filter((subscription) => JSON.stringify(subscription.TopicArn).includes(ids().runTopic))).toEqual([]);
    s.template.hasOutput('RunTopicArn', { Value: { Ref: ids().runTopic } });
  });

  it('are published by run-colors alone: its environment names the topic, and no other policy allows sns:Publish on it', () => {
    const environmentOf = (name: FunctionName) =>
      (resourcesOf(s.template, 'AWS::Lambda::Function')[ids().fn(name)]!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(environmentOf('run-colors').NOTIFICATION_TOPIC_ARN).toEqual({ Ref: ids().runTopic });
    expect(environmentOf('db-health').NOTIFICATION_TOPIC_ARN).toBeUndefined();
    expect(environmentOf('oracle-extract').NOTIFICATION_TOPIC_ARN).toBeUndefined();
    const publishers = Object.entries(resourcesOf(s.template, 'AWS::IAM::Policy'))
      .filter(([, policy]) =>
        (policy.PolicyDocument as { Statement: Statement[] }).Statement.some((statement) =>
          actionsOf(statement).some((action) => action.startsWith('sns:')),
        ),
      )
      .map(([, policy]) => policy.Roles);
    expect(publishers).toEqual([[{ Ref: ids().role('run-colors') }]]);
  });

  it("let run-colors's role use the key only through SNS and only for this topic's messages", () => {
    const policy = resourcesOf(s.template, 'AWS::KMS::Key')[ids().key]?.KeyPolicy as { Statement: Statement[] };
    const runColors = att(ids().role('run-colors'));
    const viaSns = {
      principal: runColors,
      viaService: 'sns.eu-central-1.amazonaws.com',
      encryptionContext: { 'aws:sns:topicArn': RUN_TOPIC_ARN },
    };
    expect(allowingStatement(policy.Statement, { ...viaSns, action: 'kms:GenerateDataKey' })).toBe('RunTopicDataKeysViaSns');
    expect(allowingStatement(policy.Statement, { ...viaSns, action: 'kms:Decrypt' })).toBe('RunTopicDataKeysViaSns');
    expect(allowingStatement(policy.Statement, { ...viaSns, action: 'kms:Encrypt' })).toBeUndefined();
    expect(
      allowingStatement(policy.Statement, {
        ...viaSns,
        action: 'kms:GenerateDataKey',
        encryptionContext: { 'aws:sns:topicArn': `${RUN_TOPIC_ARN}-other` },
      }),
    ).toBeUndefined();
    expect(allowingStatement(policy.Statement, { principal: runColors, action: 'kms:GenerateDataKey' })).toBeUndefined();
    const dbHealth = att(ids().role('db-health'));
    expect(allowingStatement(policy.Statement, { ...viaSns, principal: dbHealth, action: 'kms:GenerateDataKey' })).toBeUndefined();
  });
});

describe('cdk-nag', () => {
  it('AwsSolutions reports no finding that is not acknowledged', () => {
    const report = new AwsSolutionsChecks(s.app).validateScope(s.stack);
    expect(
      report.violations.map((violation) => `${violation.ruleName} ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`),
    ).toEqual([]);
    // defineApp registered the checks as a validation plugin, as bin/app.ts does: synth fails on a finding.
    expect(() => s.app.synth({ force: true })).not.toThrow();
  });

  it('every acknowledgement says why, and there are no others than these', () => {
    const acknowledged = s.stack.node
      .findAll()
      .flatMap((construct) =>
        construct.node.metadata
          .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((entry) =>
            Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ path: construct.node.path, id, reason })),
          ),
      );
    for (const { reason } of acknowledged) expect(reason.length).toBeGreaterThan(60);
    expect(acknowledged.map(({ path, id }) => `${path.replace('MarketPulse-dev/', '')} ${id}`).sort()).toMatchSnapshot();
  });
});

describe('outputs', () => {
  it('have plain-string descriptions (CloudFormation rejects a template whose Description is a function)', () => {
    const outputs = s.template.toJSON().Outputs as Record<string, { Description?: unknown }>;
    expect(Object.keys(outputs).length).toBeGreaterThan(10);
    for (const [name, output] of Object.entries(outputs)) expect([name, typeof (output.Description ?? '')]).toEqual([name, 'string']);
    s.template.hasOutput('KeyArn', { Description: 'KMS key alias/market-pulse-dev' });
  });
});

describe('snapshot', () => {
  it('matches the synthesized template (asset hashes masked)', () => {
    const text = JSON.stringify(s.template.toJSON(), null, 1).replace(/[0-9a-f]{64}(\.zip)?/g, '<asset-hash>$1');
    expect(JSON.parse(text)).toMatchSnapshot();
  });
});
