/**
 * cdk-nag acknowledgements. Each one sits next to the construct it is about and says why the finding
 * is acceptable there; `npx cdk synth` fails on any finding that is not acknowledged.
 */
import { type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export function acknowledge(construct: IConstruct, id: string, reason: string): void {
  Validations.of(construct).acknowledge({ id, reason });
}

/** How cdk-nag spells a resource's ARN in a finding id: `<LogicalId.Arn>`. */
export function nagArnToken(resource: IConstruct): string {
  return `<${Stack.of(resource).getLogicalId(resource.node.defaultChild as CfnResource)}.Arn>`;
}
