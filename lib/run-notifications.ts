/**
 * The stage's run topic, `market-pulse-<stage>-runs`: run-colors publishes `run-published`,
 * `run-held-back` and `run-failed` to it (docs/runbook.md "Run notifications"). Encrypted with the
 * stage key, TLS only, and the desk's e-mail subscribed when the `deskEmail` context key names one.
 *
 * Only the roles given {@link RunNotifications.grantPublish} may publish: sns:Publish on this topic,
 * and the key's data keys through SNS for this topic alone (SNS names the topic in the encryption
 * context). The key policy names the topic by its ARN, built from its fixed name: a reference to
 * the topic would make the key depend on the topic that depends on the key.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { EncryptionKey } from './encryption-key.js';

export interface RunNotificationsProps {
  readonly stage: string;
  readonly key: EncryptionKey;
  /** Subscribed to every run message (the desk's address, usually a distribution list). */
  readonly email?: string;
}

export class RunNotifications extends Construct {
  readonly topic: sns.Topic;
  private readonly key: EncryptionKey;
  /** The topic's ARN as a plain string, for the key policy. */
  private readonly topicArnText: string;

  constructor(scope: Construct, id: string, props: RunNotificationsProps) {
    super(scope, id);
    const topicName = `market-pulse-${props.stage}-runs`;
    this.key = props.key;
    this.topicArnText = Stack.of(this).formatArn({ service: 'sns', resource: topicName });
    this.topic = new sns.Topic(this, 'Topic', {
      topicName,
      displayName: `market-pulse ${props.stage} runs`,
      masterKey: props.key.key,
      enforceSSL: true,
    });
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
  }

  /** Lets the role publish to the topic, and nothing else with it. */
  grantPublish(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'PublishRunNotifications', actions: ['sns:Publish'], resources: [this.topic.topicArn] }),
    );
    // What SNS asks of a publisher to an encrypted topic (its "Key management" page): a data key, and decrypting it.
    this.key.allow([role], {
      sid: 'RunTopicDataKeysViaSns',
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      viaService: 'sns',
      conditions: { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': this.topicArnText } },
    });
  }
}
