/**
 * Publishes run notifications (lambdas/run-colors/notification.ts) to the stage's SNS topic.
 *
 * One Publish per run, `MessageStructure: "json"`: e-mail subscribers get the readable text, every
 * other protocol the JSON document, and the attributes go along for subscription filter policies.
 * The request is bounded: connect and socket timeouts on the client, and an abort that leaves the
 * run's own remaining time ({@link DEADLINE_RESERVE_MS}) untouched, so a topic that cannot be
 * reached (no SNS endpoint in the VPC, say) costs the run at most {@link MAX_PUBLISH_MS}.
 */
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { type Log, silentLog } from '../log.js';
import type { RunNotification, RunNotifier } from '../run-colors/notification.js';

/** Kept back from the Lambda's remaining time, so the run still ends and reports inside it. */
export const DEADLINE_RESERVE_MS = 3_000;
/** The longest a notification may take, retries included. */
export const MAX_PUBLISH_MS = 10_000;

const CONNECT_TIMEOUT_MS = 3_000;
const SOCKET_TIMEOUT_MS = 5_000;

/** An SNS client with connect and socket timeouts (the SDK retries throttling and 5xx, 3 attempts in all). */
export function createSnsClient(): SNSClient {
  return new SNSClient({ requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, socketTimeout: SOCKET_TIMEOUT_MS } });
}

export interface SnsNotifierOptions {
  readonly client: SNSClient;
  readonly topicArn: string;
  /** The Lambda's remaining time in ms; without it only {@link MAX_PUBLISH_MS} bounds a publish. */
  readonly remainingTimeMs?: () => number;
  readonly log?: Log;
}

export class SnsNotifier implements RunNotifier {
  private readonly log: Log;

  constructor(private readonly options: SnsNotifierOptions) {
    this.log = options.log ?? silentLog;
  }

  async publish(notification: RunNotification): Promise<void> {
    const budget = Math.min(MAX_PUBLISH_MS, (this.options.remainingTimeMs?.() ?? Infinity) - DEADLINE_RESERVE_MS);
    if (budget <= 0) throw new Error(`no time left to publish the ${notification.message.kind} notification before the function times out`);
    const output = await this.options.client.send(new PublishCommand(publishInput(this.options.topicArn, notification)), {
      abortSignal: AbortSignal.timeout(budget),
    });
    this.log.info('run notification published', {
      kind: notification.message.kind,
      topicArn: this.options.topicArn,
      messageId: output.MessageId,
    });
  }
}

/** The Publish request for a notification: e-mail gets the text, every other protocol the JSON document. */
export function publishInput(topicArn: string, notification: RunNotification): PublishCommandInput {
  return {
    TopicArn: topicArn,
    Subject: notification.subject,
    MessageStructure: 'json',
    Message: JSON.stringify({ default: JSON.stringify(notification.message), email: notification.text }),
    MessageAttributes: Object.fromEntries(
      Object.entries(notification.attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
    ),
  };
}
