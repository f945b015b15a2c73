/**
 * Operators and readers named by context (operatorRoleArns, readerRoleArns): what the key policy,
 * the queue policy, the bucket policy and the operator's managed policy let them do, statement by
 * statement, and, read the way KMS reads it, which requests the key policy allows them.
 */
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_SETTINGS } from '../../../lib/secure-parameters.js';
import { allowingStatement, type KmsRequest } from './key-policy.js';
import { logicalIdOf, resourcesOf, type Statement, type Synthesized, synth } from './synth.js';

const OPERATOR = 'arn:aws:iam::111111111111:role/market-pulse-operator';
const READER = 'arn:aws:iam::333333333333:role/desk-analytics';
const PARAMETER = 'arn:aws:ssm:eu-central-1:111111111111:parameter/market-pulse/dev/oracle/';
const PASSWORD = `${PARAMETER}password`;
const VIA_SSM = 'ssm.eu-central-1.amazonaws.com';
const VIA_S3 = 's3.eu-central-1.amazonaws.com';
const VIA_SQS = 'sqs.eu-central-1.amazonaws.com';

let s: Synthesized;
let keyPolicy: Statement[];
beforeAll(() => {
  s = synth({ operatorRoleArns: OPERATOR, readerRoleArns: READER });
  keyPolicy = (resourcesOf(s.template, 'AWS::KMS::Key')[logicalIdOf(s.stack, s.stack.key.key)]!.KeyPolicy as { Statement: Statement[] })
    .Statement;
});

const naming = (statements: Statement[], arn: string) =>
  statements.filter((statement) => JSON.stringify(statement.Principal ?? {}).includes(arn));
const policyOf = (type: string) =>
  Object.values(resourcesOf(s.template, type)).flatMap((policy) => (policy.PolicyDocument as { Statement: Statement[] }).Statement);

describe('an operator', () => {
  it('is named in exactly two key-policy statements: the stage parameters via SSM, and the dead-letter queue via SQS', () => {
    expect(naming(keyPolicy, OPERATOR)).toEqual([
      {
        Sid: 'OperatorsSetOracleParametersViaSsm',
        Effect: 'Allow',
        Principal: { AWS: OPERATOR },
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: {
          StringEquals: {
            'kms:ViaService': VIA_SSM,
            'kms:EncryptionContext:PARAMETER_ARN': ALL_SETTINGS.map((name) => `${PARAMETER}${name}`),
          },
        },
      },
      {
        Sid: 'OperatorsReadDeadLetterQueueViaSqs',
        Effect: 'Allow',
        Principal: { AWS: OPERATOR },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': VIA_SQS } },
      },
    ]);
  });

  it('may encrypt the password through SSM (a console or CLI put-parameter), and nothing else with the key', () => {
    const ask = (request: Omit<KmsRequest, 'principal'>) => allowingStatement(keyPolicy, { principal: OPERATOR, ...request });
    const password = { PARAMETER_ARN: PASSWORD };
    expect(ask({ action: 'kms:Encrypt', viaService: VIA_SSM, encryptionContext: password })).toBe('OperatorsSetOracleParametersViaSsm');
    expect(ask({ action: 'kms:Decrypt', viaService: VIA_SSM, encryptionContext: password })).toBe('OperatorsSetOracleParametersViaSsm');
    // An advanced-tier wallet is envelope-encrypted.
    expect(ask({ action: 'kms:GenerateDataKey', viaService: VIA_SSM, encryptionContext: { PARAMETER_ARN: `${PARAMETER}wallet` } })).toBe(
      'OperatorsSetOracleParametersViaSsm',
    );
    // Not directly, not another stage's or another parameter's, not through S3, not anything else.
    expect(ask({ action: 'kms:Encrypt', encryptionContext: password })).toBeUndefined();
    expect(
      ask({ action: 'kms:Encrypt', viaService: VIA_SSM, encryptionContext: { PARAMETER_ARN: PASSWORD.replace('/dev/', '/prod/') } }),
    ).toBeUndefined();
    expect(
      ask({ action: 'kms:Encrypt', viaService: VIA_SSM, encryptionContext: { PARAMETER_ARN: `${PARAMETER.replace('oracle/', '')}other` } }),
    ).toBeUndefined();
    expect(ask({ action: 'kms:Encrypt', viaService: VIA_SSM })).toBeUndefined();
    expect(ask({ action: 'kms:Decrypt', viaService: VIA_S3, encryptionContext: { 'aws:s3:arn': 'arn:aws:s3:::results' } })).toBeUndefined();
    expect(ask({ action: 'kms:GenerateDataKey', viaService: VIA_SQS })).toBeUndefined();
    for (const action of ['kms:ReEncryptFrom', 'kms:CreateGrant', 'kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:DisableKey']) {
      expect(ask({ action, viaService: VIA_SSM, encryptionContext: password })).toBeUndefined();
    }
    // Reading the dead-letter queue decrypts through SQS.
    expect(ask({ action: 'kms:Decrypt', viaService: VIA_SQS })).toBe('OperatorsReadDeadLetterQueueViaSqs');
  });

  it('may read, delete and purge the dead-letter queue (queue policy), and nothing else there', () => {
    expect(naming(policyOf('AWS::SQS::QueuePolicy'), OPERATOR)).toEqual([
      {
        Sid: 'OperatorsReadAndPurge',
        Effect: 'Allow',
        Principal: { AWS: OPERATOR },
        Action: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:PurgeQueue', 'sqs:ReceiveMessage'],
        Resource: { 'Fn::GetAtt': [logicalIdOf(s.stack, s.stack.deadLetterQueue), 'Arn'] },
      },
    ]);
  });

  it('gets the SSM half from a managed policy named for the stage, attached by the account (the stack changes no role)', () => {
    // The readers' analyst policy is analytics.test.ts's.
    const policies = Object.fromEntries(
      Object.entries(resourcesOf(s.template, 'AWS::IAM::ManagedPolicy')).filter(
        ([, policy]) => policy.ManagedPolicyName !== 'market-pulse-dev-analyst',
      ),
    );
    expect(Object.values(policies)).toEqual([
      expect.objectContaining({
        ManagedPolicyName: 'market-pulse-dev-operator',
        PolicyDocument: expect.objectContaining({
          Statement: [
            {
              Sid: 'ReadAndSetOracleParameters',
              Effect: 'Allow',
              Action: ['ssm:GetParameter', 'ssm:GetParameterHistory', 'ssm:GetParameters', 'ssm:ListTagsForResource', 'ssm:PutParameter'],
              Resource: ALL_SETTINGS.map((name) => `${PARAMETER}${name}`).sort(),
            },
            {
              Sid: 'FindParametersAndKeysInConsole',
              Effect: 'Allow',
              Action: ['kms:ListAliases', 'ssm:DescribeParameters'],
              Resource: '*',
            },
            {
              Sid: 'DescribeStageKey',
              Effect: 'Allow',
              Action: 'kms:DescribeKey',
              Resource: { 'Fn::GetAtt': [logicalIdOf(s.stack, s.stack.key.key), 'Arn'] },
            },
          ],
        }),
      }),
    ]);
    expect(Object.values(policies)[0]).not.toHaveProperty('Roles');
    expect(JSON.stringify(resourcesOf(s.template, 'AWS::IAM::Policy'))).not.toContain('market-pulse-operator');
    s.template.hasOutput('OperatorPolicyArn', { Value: { Ref: Object.keys(policies)[0] } });
  });
});

describe('a reader', () => {
  it('may decrypt through S3 only (and encrypt Athena query results, through S3 too)', () => {
    expect(naming(keyPolicy, READER)).toEqual([
      {
        Sid: 'ReadersDecryptRunsViaS3',
        Effect: 'Allow',
        Principal: { AWS: READER },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': VIA_S3 } },
      },
      {
        Sid: 'ReadersWriteQueryResultsViaS3',
        Effect: 'Allow',
        Principal: { AWS: READER },
        Action: 'kms:GenerateDataKey',
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': VIA_S3 } },
      },
    ]);
    expect(
      allowingStatement(keyPolicy, {
        principal: READER,
        action: 'kms:Decrypt',
        viaService: VIA_SSM,
        encryptionContext: { PARAMETER_ARN: PASSWORD },
      }),
    ).toBeUndefined();
    expect(allowingStatement(keyPolicy, { principal: READER, action: 'kms:Encrypt', viaService: VIA_S3 })).toBeUndefined();
  });

  it('may get and list the runs folder (bucket policy), with an exact prefix condition', () => {
    const bucket = logicalIdOf(s.stack, s.stack.results.bucket);
    const statements = naming(policyOf('AWS::S3::BucketPolicy'), READER);
    // The rest is for Athena (analytics.test.ts).
    expect(statements.map((statement) => statement.Sid).filter((sid) => !sid?.endsWith('RunsForReaders'))).toEqual([
      'GetTablesForReaders',
      'ListTablesForReaders',
      'ReadersWriteQueryResults',
      'ReadersListQueryResults',
      'ReadersLocateResultsBucket',
    ]);
    expect(statements.filter((statement) => statement.Sid?.endsWith('RunsForReaders'))).toEqual([
      {
        Sid: 'GetRunsForReaders',
        Effect: 'Allow',
        Principal: { AWS: READER },
        Action: 's3:GetObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/market-pulse/runs/*']] },
      },
      {
        Sid: 'ListRunsForReaders',
        Effect: 'Allow',
        Principal: { AWS: READER },
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [bucket, 'Arn'] },
        Condition: { StringLike: { 's3:prefix': ['market-pulse/runs/*'] } },
      },
    ]);
  });
});

it('with operators and readers there is still no cdk-nag finding', () => {
  expect(new AwsSolutionsChecks(s.app).validateScope(s.stack).violations.map((violation) => violation.ruleName)).toEqual([]);
});

it('without operators, dev warns that nobody can set the password', () => {
  const warnings = synth()
    .stack.node.metadata.filter((entry) => entry.type === 'aws:cdk:warning')
    .map((entry) => String(entry.data));
  expect(warnings).toEqual([expect.stringMatching(/^no operatorRoleArns: nobody can put the Oracle password/)]);
  expect(s.stack.node.metadata.filter((entry) => entry.type === 'aws:cdk:warning')).toEqual([]);
});
