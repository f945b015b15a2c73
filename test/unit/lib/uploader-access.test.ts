/**
 * Uploaders named by context (uploaderRoleArns): what `market-pulse upload` needs and nothing more —
 * the key through S3, and a managed policy for the rest (the two SSM parameters it reads, PutObject
 * under `<prefix>/uploads/`, the config document) — read statement by statement and, for the key,
 * the way KMS reads it.
 */
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { allowingStatement } from './key-policy.js';
import { logicalIdOf, resourcesOf, type Statement, type Synthesized, synth } from './synth.js';

const UPLOADER = 'arn:aws:iam::111111111111:role/desk-uploads';
const PARAMETER = 'arn:aws:ssm:eu-central-1:111111111111:parameter/market-pulse/dev/';

let s: Synthesized;
let keyPolicy: Statement[];
beforeAll(() => {
  s = synth({ uploaderRoleArns: UPLOADER, configKey: 'desk/config.json' });
  keyPolicy = (resourcesOf(s.template, 'AWS::KMS::Key')[logicalIdOf(s.stack, s.stack.key.key)]!.KeyPolicy as { Statement: Statement[] })
    .Statement;
});

describe('an uploader', () => {
  it('may use the key through S3 only: encrypt what it puts, decrypt the config document', () => {
    expect(keyPolicy.filter((statement) => JSON.stringify(statement.Principal).includes(UPLOADER))).toEqual([
      {
        Sid: 'UploadersEncryptUploadsViaS3',
        Effect: 'Allow',
        Principal: { AWS: UPLOADER },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' } },
      },
    ]);
    expect(
      allowingStatement(keyPolicy, { principal: UPLOADER, action: 'kms:GenerateDataKey', viaService: 's3.eu-central-1.amazonaws.com' }),
    ).toBe('UploadersEncryptUploadsViaS3');
    expect(
      allowingStatement(keyPolicy, { principal: UPLOADER, action: 'kms:Decrypt', viaService: 'ssm.eu-central-1.amazonaws.com' }),
    ).toBeUndefined();
    expect(
      allowingStatement(keyPolicy, { principal: UPLOADER, action: 'kms:Decrypt', viaService: 'sqs.eu-central-1.amazonaws.com' }),
    ).toBeUndefined();
  });

  it('gets a managed policy to attach: the two parameters upload reads, PutObject under uploads/, the config document; nothing else', () => {
    const bucket = logicalIdOf(s.stack, s.stack.results.bucket);
    const policies = Object.entries(resourcesOf(s.template, 'AWS::IAM::ManagedPolicy')).filter(
      ([, policy]) => policy.ManagedPolicyName === 'market-pulse-dev-uploader',
    );
    expect(policies).toHaveLength(1);
    const [id, policy] = policies[0]!;
    expect(policy).not.toHaveProperty('Roles');
    expect((policy.PolicyDocument as { Statement: Statement[] }).Statement).toEqual([
      {
        Sid: 'FindResultsAndConfig',
        Effect: 'Allow',
        Action: 'ssm:GetParameters',
        Resource: [`${PARAMETER}config/location`, `${PARAMETER}results/url`],
      },
      {
        Sid: 'PutUploads',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/market-pulse/uploads/*']] },
      },
      {
        Sid: 'ReadConfigDocument',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/desk/config.json']] },
      },
    ]);
    s.template.hasOutput('UploaderPolicyArn', { Value: { Ref: id } });
  });

  it('is not named anywhere else: no bucket, queue or identity policy of the stack mentions the role', () => {
    const elsewhere = ['AWS::S3::BucketPolicy', 'AWS::SQS::QueuePolicy', 'AWS::IAM::Policy'].flatMap((type) =>
      Object.values(resourcesOf(s.template, type)).filter((resource) => JSON.stringify(resource).includes(UPLOADER)),
    );
    expect(elsewhere).toEqual([]);
  });

  it('without uploaders there is no uploader policy and no key statement for them', () => {
    const plain = synth();
    expect(Object.values(resourcesOf(plain.template, 'AWS::IAM::ManagedPolicy')).map((policy) => policy.ManagedPolicyName)).not.toContain(
      'market-pulse-dev-uploader',
    );
    expect(JSON.stringify(plain.template.toJSON())).not.toContain('UploadersEncryptUploadsViaS3');
  });

  it('must be a role of the stage account, and with uploaders there is still no cdk-nag finding', () => {
    expect(() => synth({ uploaderRoleArns: 'arn:aws:iam::222222222222:role/desk-uploads' })).toThrow(
      /uploaderRoleArns.0: must be a role in the stage's account 111111111111/,
    );
    expect(new AwsSolutionsChecks(s.app).validateScope(s.stack).violations.map((violation) => violation.ruleName)).toEqual([]);
  });
});
