/**
 * Files uploaded to a day start a run of it (lib/upload-trigger.ts), as the dev template has it:
 * the bucket's events to EventBridge, the rule on `<prefix>/uploads/`, the encrypted queue and who
 * may send to it, the event source mapping that batches for a minute, run-colors's read-only grant
 * on the uploads and its consuming of the queue — statement by statement — and the two alarms.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, logicalIdOf, resourcesOf, type Statement, type Synthesized, statementsOfRole, synth } from './synth.js';

let s: Synthesized;
beforeAll(() => {
  s = synth();
});

const att = (logicalId: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [logicalId, attribute] });
const ids = () => ({
  bucket: logicalIdOf(s.stack, s.stack.results.bucket),
  queue: logicalIdOf(s.stack, s.stack.uploads.queue),
  rule: logicalIdOf(s.stack, s.stack.uploads.rule),
  dlq: logicalIdOf(s.stack, s.stack.deadLetterQueue),
  key: logicalIdOf(s.stack, s.stack.key.key),
  runColors: logicalIdOf(s.stack, s.stack.jobs['run-colors'].function),
  runColorsRole: logicalIdOf(s.stack, s.stack.jobs['run-colors'].role),
});
const allStatements = (): Statement[] =>
  Object.values(s.template.toJSON().Resources as Record<string, { Properties?: Record<string, unknown> }>).flatMap((resource) =>
    [resource.Properties?.PolicyDocument, resource.Properties?.KeyPolicy]
      .filter(Boolean)
      .flatMap((document) => (document as { Statement: Statement[] }).Statement),
  );

describe('the upload trigger', () => {
  it('has the results bucket send its events to EventBridge itself, with no notification custom resource', () => {
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
    s.template.resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  it('has a rule for objects created under market-pulse/uploads/ of that bucket, whose one target is the queue', () => {
    const { bucket, queue } = ids();
    const rules = Object.values(resourcesOf(s.template, 'AWS::Events::Rule'));
    expect(rules).toEqual([
      {
        Name: 'market-pulse-dev-uploads',
        Description: 'market-pulse dev: files put under market-pulse/uploads/ start a run of their as-of date',
        State: 'ENABLED',
        EventPattern: {
          source: ['aws.s3'],
          'detail-type': ['Object Created'],
          resources: [att(bucket)],
          detail: { bucket: { name: [{ Ref: bucket }] }, object: { key: [{ prefix: 'market-pulse/uploads/' }] } },
        },
        // No RoleArn: what the rule may do is what the queue's policy lets it.
        Targets: [{ Arn: att(queue), Id: 'Target0' }],
        Tags: expect.any(Array),
      },
    ]);
  });

  it('has a queue encrypted with the stage key, TLS only, dead-lettering after three deliveries, visible again after 6 × the timeout + the window', () => {
    s.template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: att(ids().key),
      VisibilityTimeout: 6 * 600 + 60,
      MessageRetentionPeriod: 4 * 24 * 3600,
      RedrivePolicy: { deadLetterTargetArn: att(ids().dlq), maxReceiveCount: 3 },
    });
    const timeout = synth({ runColorsTimeoutSeconds: '900' });
    timeout.template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 6 * 900 + 60 });
  });

  it('lets the rule, and nothing else, send to the queue', () => {
    const { queue, rule } = ids();
    const policies = Object.values(resourcesOf(s.template, 'AWS::SQS::QueuePolicy')).filter(
      (policy) => JSON.stringify(policy.Queues) === JSON.stringify([{ Ref: queue }]),
    );
    expect(policies.map((policy) => (policy.PolicyDocument as { Statement: Statement[] }).Statement)).toEqual([
      [
        {
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'sqs:*',
          Resource: att(queue),
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
        {
          Sid: 'UploadRuleSendsEvents',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: att(queue),
          Condition: { ArnEquals: { 'aws:SourceArn': att(rule) } },
        },
      ],
    ]);
    // No identity policy anywhere may send to it either.
    const senders = allStatements().filter(
      (statement) =>
        actionsOf(statement).some((action) => action.startsWith('sqs:Send')) && JSON.stringify(statement.Resource).includes(queue),
    );
    expect(senders.map((statement) => statement.Sid)).toEqual(['UploadRuleSendsEvents']);
  });

  it("lets EventBridge use the stage key for this account's events only, to put them on the queue", () => {
    const key = resourcesOf(s.template, 'AWS::KMS::Key')[ids().key]!.KeyPolicy as { Statement: Statement[] };
    expect(key.Statement.filter((statement) => JSON.stringify(statement.Principal).includes('events.amazonaws.com'))).toEqual([
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

  it('hands the queue to run-colors in batches gathered for a minute, at most two at a time, with partial batch failures', () => {
    const { queue, runColors } = ids();
    const mappings = s.template.findResources('AWS::Lambda::EventSourceMapping');
    expect(Object.values(mappings)).toHaveLength(1);
    const [mapping] = Object.values(mappings) as { Properties: Record<string, unknown>; DependsOn?: string[] }[];
    expect(mapping!.Properties).toEqual({
      EventSourceArn: att(queue),
      FunctionName: { Ref: runColors },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 60,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
      Tags: expect.any(Array),
    });
    // Created once the role may read the queue: Lambda checks that when it creates the mapping.
    expect(mapping!.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^RunColorsRoleDefaultPolicy/)]));
  });

  it('lets run-colors read and list under market-pulse/uploads/ only (versions too), and take messages from the queue only', () => {
    const { bucket, queue, runColorsRole } = ids();
    const granted = statementsOfRole(s.template, runColorsRole);
    const named = (sid: string) => granted.find((statement) => statement.Sid === sid);
    expect(named('ReadUploads')).toEqual({
      Sid: 'ReadUploads',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: { 'Fn::Join': ['', [att(bucket), '/market-pulse/uploads/*']] },
    });
    expect(named('ListUploads')).toEqual({
      Sid: 'ListUploads',
      Effect: 'Allow',
      Action: ['s3:ListBucket', 's3:ListBucketVersions'],
      Resource: att(bucket),
      Condition: { StringLike: { 's3:prefix': ['market-pulse/uploads/*'] } },
    });
    expect(named('ConsumeUploadEvents')).toEqual({
      Sid: 'ConsumeUploadEvents',
      Effect: 'Allow',
      Action: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
      Resource: att(queue),
    });
    // Nothing of run-colors's may write under uploads/, and no other role may touch uploads/ or the queue.
    const uploads = granted.filter((statement) => JSON.stringify(statement.Resource ?? '').includes('/uploads/'));
    expect(uploads.flatMap(actionsOf).filter((action) => !/^s3:(Get|List)/.test(action))).toEqual([]);
    const otherPolicies = Object.values({
      ...resourcesOf(s.template, 'AWS::IAM::Policy'),
      ...resourcesOf(s.template, 'AWS::IAM::ManagedPolicy'),
    }).filter((policy) => !JSON.stringify(policy.Roles ?? []).includes(`"${runColorsRole}"`));
    expect(otherPolicies.length).toBeGreaterThan(3);
    const elsewhere = otherPolicies
      .flatMap((policy) => (policy.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter(
        (statement) =>
          /\/uploads\/|Uploads/.test(JSON.stringify(statement.Resource ?? '')) || JSON.stringify(statement.Resource ?? '').includes(queue),
      );
    expect(elsewhere).toEqual([]);
  });

  it('alarms when an upload event waits longer than a run takes, and when EventBridge cannot deliver one', () => {
    const { queue } = ids();
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'market-pulse-dev-upload-events-waiting',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: att(queue, 'QueueName') }],
      Statistic: 'Maximum',
      // The run's timeout, the batching window and five minutes.
      Threshold: 600 + 60 + 300,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'market-pulse-dev-upload-events-undelivered',
      Namespace: 'AWS/Events',
      MetricName: 'FailedInvocations',
      Dimensions: [{ Name: 'RuleName', Value: 'market-pulse-dev-uploads' }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('warns at synth when run-colors has fewer reserved executions than the queue hands it at once', () => {
    const warnings = (context: Record<string, unknown>) =>
      synth(context)
        .stack.node.findAll()
        .flatMap((construct) =>
          construct.node.metadata.filter((entry) => entry.type === 'aws:cdk:warning').map((entry) => String(entry.data)),
        );
    expect(warnings({ runColorsReservedConcurrency: '1' })).toContainEqual(
      expect.stringMatching(
        /^runColorsReservedConcurrency=1 is below the upload queue's 2 concurrent runs: .* after 3 tries dead-lettered/,
      ),
    );
    expect(warnings({ runColorsReservedConcurrency: '2' }).filter((warning) => warning.includes('upload queue'))).toEqual([]);
  });

  it('tells `market-pulse upload --stage` where the results are, in a plain SSM parameter', () => {
    s.template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/market-pulse/dev/results/url',
      Type: 'String',
      Value: { 'Fn::Join': ['', ['s3://', { Ref: ids().bucket }, '/market-pulse']] },
    });
  });
});
