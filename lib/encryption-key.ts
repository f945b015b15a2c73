/**
 * The stage's customer managed KMS key (alias/market-pulse-<stage>): it encrypts the SecureString
 * parameters, the results bucket, the dead-letter queue and the alarm topic.
 *
 * The key policy replaces the default "account root may do kms:*": the account keeps key
 * administration (so the key can never become unmanageable), and every cryptographic use is granted
 * to a named role, through a named service (kms:ViaService), by {@link EncryptionKey.allow}; no role
 * may call KMS with the key directly, and an IAM policy elsewhere in the account cannot widen that.
 * The one service principal is CloudWatch, which must encrypt what alarms publish to the topic.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Managing the key, never using it: no Encrypt, Decrypt, GenerateDataKey or ReEncrypt. */
export const KEY_ADMIN_ACTIONS = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
];

export interface EncryptionKeyProps {
  readonly stage: string;
  readonly removalPolicy: RemovalPolicy;
}

export interface KeyUse {
  /** Statement id in the key policy, e.g. DecryptOracleParametersViaSsm. */
  readonly sid: string;
  readonly actions: readonly string[];
  /** The AWS service that calls KMS on the principal's behalf, e.g. `ssm` → kms:ViaService ssm.<region>.amazonaws.com. */
  readonly viaService: 'ssm' | 's3' | 'sqs';
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
    this.key = new kms.Key(this, 'Key', {
      description: `market-pulse ${props.stage}: Oracle SecureString parameters, results bucket, dead-letter queue, alarm topic`,
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
        ],
      }),
    });
    // The alias always goes with the stack, even when the key stays: a later stack of the same stage makes it again.
    this.alias = new kms.Alias(this, 'Alias', { aliasName: `alias/market-pulse-${props.stage}`, targetKey: this.key, removalPolicy: RemovalPolicy.DESTROY });
  }

  /**
   * Lets each role use the key for `use.actions`, only through `use.viaService`: a statement in the key
   * policy naming the roles, and the same statement (on the key's ARN) in each role's own policy.
   */
  allow(roles: readonly iam.IRole[], use: KeyUse): void {
    const conditions = this.conditionsFor(use.viaService, use.conditions);
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({ sid: use.sid, principals: roles.map((role) => new iam.ArnPrincipal(role.roleArn)), actions: [...use.actions], resources: ['*'], conditions }),
    );
    const roleConditions = this.conditionsFor(use.viaService, { ...use.conditions, ...use.roleConditions });
    for (const role of roles) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: use.sid, actions: [...use.actions], resources: [this.key.keyArn], conditions: roleConditions }));
    }
  }

  /** Lets a service principal use the key (key policy only), e.g. CloudWatch alarms publishing to the encrypted topic. */
  allowService(sid: string, service: string, actions: readonly string[], conditions?: Record<string, Record<string, unknown>>): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({ sid, principals: [new iam.ServicePrincipal(service)], actions: [...actions], resources: ['*'], ...(conditions ? { conditions } : {}) }),
    );
  }

  private conditionsFor(viaService: KeyUse['viaService'], extra: Record<string, Record<string, unknown>> = {}): Record<string, Record<string, unknown>> {
    const region = Stack.of(this).region;
    return { ...extra, StringEquals: { 'kms:ViaService': `${viaService}.${region}.amazonaws.com`, ...extra['StringEquals'] } };
  }
}
