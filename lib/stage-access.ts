/**
 * People's access to a stage, by IAM role ARNs from context (docs/runbook.md "Who may do what"):
 *
 * - operators (`operatorRoleArns`) set the Oracle parameters, the password included, in the SSM
 *   console or CLI, and read and purge the dead-letter queue;
 * - readers (`readerRoleArns`) read the published runs under `<prefix>/runs/`;
 * - uploaders (`uploaderRoleArns`) put the desk's files under `<prefix>/uploads/` with
 *   `market-pulse upload`, which first reads where the results are and the stage's config document.
 *
 * Their roles are not changed by the stack: the key policy, the queue policy and the bucket policy
 * name them, which is enough for principals of the stage's account. SSM parameters take no resource
 * policy, so the SSM half of an operator's access is a customer managed policy,
 * `market-pulse-<stage>-operator`, that the account's administrators attach to the operator roles
 * (or reference by name from an IAM Identity Center permission set, whose roles cannot be changed
 * from outside); likewise `market-pulse-<stage>-uploader` for the uploader roles.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { configLocationParameter, resultsLocationParameter, UPLOADS_FOLDER } from '../lambdas/names.js';
import type { EncryptionKey } from './encryption-key.js';
import { acknowledge, nagArnToken } from './nag.js';
import type { ResultsBucket } from './results-bucket.js';
import type { SecureParameters } from './secure-parameters.js';

/** What an operator does with the dead-letter queue: read the failed events, then delete or purge them. */
export const DEAD_LETTER_QUEUE_OPERATOR_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
  'sqs:PurgeQueue',
  'sqs:GetQueueAttributes',
];

/** Reading and setting the stage's parameters, in the console (which also shows their history and tags) or the CLI. */
export const PARAMETER_OPERATOR_ACTIONS = [
  'ssm:PutParameter',
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParameterHistory',
  'ssm:ListTagsForResource',
];

export interface StageAccessProps {
  readonly stage: string;
  readonly key: EncryptionKey;
  readonly parameters: SecureParameters;
  readonly deadLetterQueue: sqs.Queue;
  readonly results: ResultsBucket;
  readonly operatorRoleArns: readonly string[];
  readonly readerRoleArns: readonly string[];
  readonly uploaderRoleArns: readonly string[];
  /** The config document run-colors reads from S3, when it reads one (configKey): an upload is checked against it. */
  readonly configObjectArn?: string;
}

export class StageAccess extends Construct {
  /** The SSM half of an operator's access; absent when no operator is named. */
  readonly operatorPolicy: iam.ManagedPolicy | undefined;
  /** What an uploader does outside KMS; absent when no uploader is named. */
  readonly uploaderPolicy: iam.ManagedPolicy | undefined;

  constructor(scope: Construct, id: string, props: StageAccessProps) {
    super(scope, id);
    const { key, parameters, operatorRoleArns: operators, readerRoleArns: readers } = props;

    if (operators.length > 0) {
      // SSM encrypts a standard SecureString with kms:Encrypt and an advanced one (a PEM wallet is
      // usually over 4 KB) with GenerateDataKey; showing the value decrypts. Always through SSM, and
      // the encryption context names the parameter, so only this stage's parameters qualify.
      key.allowPrincipals(operators, {
        sid: 'OperatorsSetOracleParametersViaSsm',
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
        viaService: 'ssm',
        conditions: { StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': parameters.arns } },
      });
      key.allowPrincipals(operators, { sid: 'OperatorsReadDeadLetterQueueViaSqs', actions: ['kms:Decrypt'], viaService: 'sqs' });
      props.deadLetterQueue.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'OperatorsReadAndPurge',
          principals: operators.map((arn) => new iam.ArnPrincipal(arn)),
          actions: DEAD_LETTER_QUEUE_OPERATOR_ACTIONS,
          resources: [props.deadLetterQueue.queueArn],
        }),
      );
      this.operatorPolicy = new iam.ManagedPolicy(this, 'OperatorPolicy', {
        managedPolicyName: `market-pulse-${props.stage}-operator`,
        description:
          `market-pulse ${props.stage}: read and set the stage's Oracle SSM parameters ` +
          '(attach to the operator roles; the key policy does the rest)',
        statements: [
          new iam.PolicyStatement({ sid: 'ReadAndSetOracleParameters', actions: PARAMETER_OPERATOR_ACTIONS, resources: parameters.arns }),
          // The console lists parameters and keys before it opens one; both return names, never values.
          new iam.PolicyStatement({
            sid: 'FindParametersAndKeysInConsole',
            actions: ['ssm:DescribeParameters', 'kms:ListAliases'],
            resources: ['*'],
          }),
          new iam.PolicyStatement({ sid: 'DescribeStageKey', actions: ['kms:DescribeKey'], resources: [key.key.keyArn] }),
        ],
      });
      acknowledge(
        this.operatorPolicy,
        'AwsSolutions-IAM5[Resource::*]',
        'ssm:DescribeParameters and kms:ListAliases take no resource-level permissions; they list names and metadata (never a value) ' +
          'so the console can open the stage parameter and offer the stage key.',
      );
    }

    if (readers.length > 0) {
      key.allowPrincipals(readers, { sid: 'ReadersDecryptRunsViaS3', actions: ['kms:Decrypt'], viaService: 's3' });
      props.results.grantReadToPrincipals(readers, 'runs', 'RunsForReaders');
    }

    this.uploaderPolicy = props.uploaderRoleArns.length > 0 ? this.grantUploaders(props) : undefined;
  }

  /**
   * Uploaders put files under `<prefix>/uploads/` (PutObject there, encrypted with the stage key
   * through S3) after reading where the results are and, when the stage has one, its config document
   * (decrypted through S3 when it lives in the results bucket); nothing else.
   */
  private grantUploaders(props: StageAccessProps): iam.ManagedPolicy {
    const { stage, key, results, uploaderRoleArns: uploaders } = props;
    const stack = Stack.of(this);
    const parameterArn = (name: string) => stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.slice(1) });
    key.allowPrincipals(uploaders, {
      sid: 'UploadersEncryptUploadsViaS3',
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      viaService: 's3',
    });
    const policy = new iam.ManagedPolicy(this, 'UploaderPolicy', {
      managedPolicyName: `market-pulse-${stage}-uploader`,
      description: `market-pulse ${stage}: put the desk's files under ${results.folder(UPLOADS_FOLDER)}/ with market-pulse upload (attach to the uploader roles)`,
      statements: [
        new iam.PolicyStatement({
          sid: 'FindResultsAndConfig',
          actions: ['ssm:GetParameters'],
          resources: [parameterArn(resultsLocationParameter(stage)), parameterArn(configLocationParameter(stage))],
        }),
        new iam.PolicyStatement({
          sid: 'PutUploads',
          actions: ['s3:PutObject'],
          resources: [results.bucket.arnForObjects(`${results.folder(UPLOADS_FOLDER)}/*`)],
        }),
        ...(props.configObjectArn
          ? [new iam.PolicyStatement({ sid: 'ReadConfigDocument', actions: ['s3:GetObject'], resources: [props.configObjectArn] })]
          : []),
      ],
    });
    acknowledge(
      policy,
      `AwsSolutions-IAM5[Resource::${nagArnToken(results.bucket)}/${results.folder(UPLOADS_FOLDER)}/*]`,
      `Uploaders put files whose names people choose under ${results.folder(UPLOADS_FOLDER)}/ of the results bucket; the wildcard is that folder and nothing wider.`,
    );
    return policy;
  }
}
