/**
 * The stage's customer managed KMS key (alias/market-pulse-<stage>): it encrypts the SecureString
 * parameters, the results bucket, the dead-letter queue, the alarm and run topics and the log groups.
 *
 * The key policy replaces the default "account root may do kms:*": the account keeps key
 * administration, listed action by action (so the key can never become unmanageable, and no
 * wildcard hides CreateGrant or a use of the key), and every cryptographic use is granted to a named
 * principal, through a named service (kms:ViaService), by {@link EncryptionKey.allow}; no role may
 * call KMS with the key directly, and an IAM policy elsewhere in the account cannot widen that.
 * The service principals are CloudWatch (it encrypts what alarms publish to the topic, for this
 * stage's alarms only) and CloudWatch Logs (for log groups of this account and region).
 */
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { stageKeyAlias } from '../lambdas/names.js';

/**
 * Managing the key, never using it: no Encrypt, Decrypt, GenerateDataKey or ReEncrypt, and no
 * CreateGrant (see {@link GRANT_FOR_AWS_RESOURCES}). The account root in a key policy lets IAM
 * policies of the account grant these, so whoever IAM allows administers the key. PutKeyPolicy
 * must stay: CloudFormation updates the policy with it, and KMS refuses a new key whose policy would
 * not let its creator call it again (the policy lockout safety check).
 */
export const KEY_ADMIN_ACTIONS = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:ListKeyPolicies',
  'kms:GetKeyRotationStatus',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:ListGrants',
  'kms:PutKeyPolicy',
  'kms:UpdateKeyDescription',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:EnableKeyRotation',
  'kms:DisableKeyRotation',
  'kms:RotateKeyOnDemand',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:RevokeGrant',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

/** A grant lets its grantee use the key around every condition here, so only AWS services may be given one. */
export const GRANT_FOR_AWS_RESOURCES = { Bool: { 'kms:GrantIsForAWSResource': 'true' } };

export interface EncryptionKeyProps {
  readonly stage: string;
  readonly removalPolicy: RemovalPolicy;
}

export interface KeyUse {
  /** Statement id in the key policy, e.g. DecryptOracleParametersViaSsm. */
  readonly sid: string;
  readonly actions: readonly string[];
  /** The AWS service that calls KMS on the principal's behalf, e.g. `ssm` → kms:ViaService ssm.<region>.amazonaws.com. */
  readonly viaService: 'ssm' | 's3' | 'sqs' | 'sns';
  /** Further conditions, e.g. on the encryption context. */
  readonly conditions?: Record<string, Record<string, unknown>>;
  /**
   * Conditions for the roles' own statements only: ones naming a resource that itself depends on the
   * key (the results bucket's ARN), which the key policy cannot reference without a dependency cycle.
   */
  readonly roleConditions?: Record<string, Record<string, unknown>>;
}

export class EncryptionKey extends Construct {
  readonly key: kms.Key;
  readonly alias: kms.Alias;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new kms.Key(this, 'Key', {
      description: `market-pulse ${props.stage}: Oracle SecureString parameters, results bucket, dead-letter queue, alarm topic, log groups`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
      // Replaces CDK's default policy ("account root: kms:*"): the account administers, nobody uses by default.
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'AccountAdministersTheKey',
            principals: [new iam.AccountRootPrincipal()],
            actions: KEY_ADMIN_ACTIONS,
            resources: ['*'],
          }),
          new iam.PolicyStatement({
            sid: 'AccountCreatesGrantsOnlyForAwsServices',
            principals: [new iam.AccountRootPrincipal()],
            actions: ['kms:CreateGrant'],
            resources: ['*'],
            conditions: GRANT_FOR_AWS_RESOURCES,
          }),
          // As CloudWatch Logs documents it for a log group's key; the encryption context names the log group.
          new iam.PolicyStatement({
            sid: 'CloudWatchLogsEncryptLogGroups',
            principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
            actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
            resources: ['*'],
            conditions: {
              ArnLike: {
                'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
                  service: 'logs',
                  resource: 'log-group',
                  resourceName: '*',
                  arnFormat: ArnFormat.COLON_RESOURCE_NAME,
                }),
              },
            },
          }),
        ],
      }),
    });
    // The alias always goes with the stack, even when the key stays: a later stack of the same stage makes it again.
    this.alias = new kms.Alias(this, 'Alias', {
      aliasName: stageKeyAlias(props.stage),
      targetKey: this.key,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /**
   * Lets each role use the key for `use.actions`, only through `use.viaService`: a statement in the key
   * policy naming the roles, and the same statement (on the key's ARN) in each role's own policy.
   */
  allow(roles: readonly iam.IRole[], use: KeyUse): void {
    this.allowPrincipals(
      roles.map((role) => role.roleArn),
      use,
    );
    const roleConditions = this.conditionsFor(use.viaService, { ...use.conditions, ...use.roleConditions });
    for (const role of roles) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: use.sid, actions: [...use.actions], resources: [this.key.keyArn], conditions: roleConditions }),
      );
    }
  }

  /**
   * The key-policy half of {@link allow}, for roles this stack does not own (operators and readers
   * named by context): for a principal of the key's account, a key policy that names it is enough.
   */
  allowPrincipals(arns: readonly string[], use: KeyUse): void {
    const conditions = this.conditionsFor(use.viaService, use.conditions);
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: use.sid,
        principals: arns.map((arn) => new iam.ArnPrincipal(arn)),
        actions: [...use.actions],
        resources: ['*'],
        conditions,
      }),
    );
  }

  /** Lets a service principal use the key (key policy only), e.g. CloudWatch alarms publishing to the encrypted topic. */
  allowService(sid: string, service: string, actions: readonly string[], conditions?: Record<string, Record<string, unknown>>): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid,
        principals: [new iam.ServicePrincipal(service)],
        actions: [...actions],
        resources: ['*'],
        ...(conditions ? { conditions } : {}),
      }),
    );
  }

  private conditionsFor(
    viaService: KeyUse['viaService'],
    extra: Record<string, Record<string, unknown>> = {},
  ): Record<string, Record<string, unknown>> {
    const region = Stack.of(this).region;
    return { ...extra, StringEquals: { 'kms:ViaService': `${viaService}.${region}.amazonaws.com`, ...extra.StringEquals } };
  }
}
