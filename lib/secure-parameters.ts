/**
 * The stage's Oracle settings in SSM Parameter Store (`/market-pulse/<stage>/oracle/…`, docs/oracle.md).
 *
 * Every parameter, plain or SecureString, is created by a custom resource that only creates
 * (custom-resources/secure-parameters-handler.ts): CloudFormation cannot create SecureStrings, and a
 * parameter CloudFormation owned would be reset to the placeholder by any later change to its
 * resource. Values an operator set survive every deploy; stack deletion keeps them unless
 * `deleteParametersOnDelete=true`.
 */
import { CfnOutput, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { OPTIONAL_SETTINGS, REQUIRED_SETTINGS, SECRET_SETTINGS, settingsPrefix } from '../lambdas/adapters/oracle/settings.js';
import type { EncryptionKey } from './encryption-key.js';
import { JobFunction } from './job-function.js';
import { entryPathOf, SECURE_PARAMETERS_HANDLER } from './lambda-entries.js';
import type { LogGroupSettings } from './log-groups.js';

/** What the runtime treats as "not configured yet" (PLACEHOLDER in lambdas/adapters/ssm-settings.ts). */
export const PARAMETER_PLACEHOLDER = 'CHANGE_ME';

export type SettingName = (typeof REQUIRED_SETTINGS)[number] | (typeof OPTIONAL_SETTINGS)[number];
export const ALL_SETTINGS: readonly SettingName[] = [...REQUIRED_SETTINGS, ...OPTIONAL_SETTINGS];

export interface SecureParametersProps {
  readonly stage: string;
  readonly key: EncryptionKey;
  /** Also seed the optional TCPS wallet pair (wallet, wallet-password). */
  readonly walletParameters: boolean;
  readonly deleteOnStackDelete: boolean;
  readonly logs: LogGroupSettings;
}

export class SecureParameters extends Construct {
  readonly prefix: string;
  /** Every parameter the runtime reads (it asks for all nine in one GetParameters call). */
  readonly names: Readonly<Record<SettingName, string>>;
  readonly seeded: readonly SettingName[];
  readonly provider: JobFunction;
  readonly resource: CustomResource;
  private readonly key: EncryptionKey;

  constructor(scope: Construct, id: string, props: SecureParametersProps) {
    super(scope, id);
    this.key = props.key;
    this.prefix = settingsPrefix(props.stage);
    this.names = Object.fromEntries(ALL_SETTINGS.map((name) => [name, `${this.prefix}${name}`])) as Record<SettingName, string>;
    this.seeded = props.walletParameters ? ALL_SETTINGS : [...REQUIRED_SETTINGS];
    const seededSecrets = this.seeded.filter(isSecret);

    this.provider = new JobFunction(this, 'Provider', {
      entry: entryPathOf(SECURE_PARAMETERS_HANDLER),
      description: `market-pulse ${props.stage}: creates the Oracle SSM parameters when absent, never overwrites them`,
      memorySize: 256,
      timeout: Duration.minutes(2),
      logs: props.logs,
    });
    const seededArns = this.seeded.map((name) => this.arnOf(name));
    this.provider.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'CreateParameters', actions: ['ssm:PutParameter', 'ssm:AddTagsToResource'], resources: seededArns }),
    );
    if (props.deleteOnStackDelete) {
      this.provider.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DeleteOwnParameters',
          actions: ['ssm:ListTagsForResource', 'ssm:DeleteParameter'],
          resources: seededArns,
        }),
      );
    }
    // Standard-tier SecureStrings are encrypted by SSM calling kms:Encrypt as the caller.
    props.key.allow([this.provider.role], {
      sid: 'EncryptOracleSecretsViaSsm',
      actions: ['kms:Encrypt'],
      viaService: 'ssm',
      conditions: { StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': seededSecrets.map((name) => this.arnOf(name)) } },
    });

    this.resource = new CustomResource(this, 'Seed', {
      serviceToken: this.provider.function.functionArn,
      resourceType: 'Custom::MarketPulseParameters',
      serviceTimeout: Duration.minutes(5),
      properties: {
        Parameters: this.seeded.map((name) => ({ Name: this.names[name], Type: parameterType(name) })),
        KeyId: props.key.key.keyArn,
        Placeholder: PARAMETER_PLACEHOLDER,
        DeleteOnStackDelete: String(props.deleteOnStackDelete),
        Description:
          `market-pulse ${props.stage} Oracle setting (docs/oracle.md); ` +
          `${PARAMETER_PLACEHOLDER} until an operator sets it; deploys never overwrite it`,
      },
    });

    for (const name of ALL_SETTINGS) {
      new CfnOutput(this, `Output${pascal(name)}`, {
        key: `OracleParameter${pascal(name)}`,
        value: this.names[name],
        description: `${this.seeded.includes(name) ? '' : 'optional, not created by the stack: '}${parameterType(name)} parameter ${name}`,
      });
    }
  }

  /** `arn:<partition>:ssm:<region>:<account>:parameter/market-pulse/<stage>/oracle/<name>` */
  arnOf(name: SettingName): string {
    return Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: this.names[name].slice(1) });
  }

  get arns(): string[] {
    return ALL_SETTINGS.map((name) => this.arnOf(name));
  }

  /**
   * Reading the settings the way the runtime does (one GetParameters WithDecryption): the stage's
   * parameter ARNs exactly, and kms:Decrypt only through SSM and only for those parameters.
   */
  grantRead(roles: readonly iam.IRole[]): void {
    for (const role of roles) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'ReadOracleParameters', actions: ['ssm:GetParameters', 'ssm:GetParameter'], resources: this.arns }),
      );
    }
    this.key.allow(roles, {
      sid: 'DecryptOracleParametersViaSsm',
      actions: ['kms:Decrypt'],
      viaService: 'ssm',
      conditions: { StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': this.arns } },
    });
  }
}

function isSecret(name: SettingName): boolean {
  return (SECRET_SETTINGS as readonly string[]).includes(name);
}

function parameterType(name: SettingName): 'SecureString' | 'String' {
  return isSecret(name) ? 'SecureString' : 'String';
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
}
