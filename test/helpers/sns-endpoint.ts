/**
 * SNS on the wire for subprocess tests (a deployed bundle), pointed at with AWS_ENDPOINT_URL_SNS: an
 * HTTP server on 127.0.0.1 that answers the AWS Query `Publish` action as SNS does and records each
 * request's form fields; any other action gets a 400 naming it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SnsPublish {
  /** The request's form fields as sent (`TopicArn`, `Message`, `MessageAttributes.entry.1.Name`…). */
  readonly fields: Readonly<Record<string, string>>;
  /** The raw request body. */
  readonly body: string;
}

export interface SnsEndpoint {
  readonly url: string;
  readonly publishes: SnsPublish[];
  close(): Promise<void>;
}

export async function startSnsEndpoint(): Promise<SnsEndpoint> {
  const publishes: SnsPublish[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const fields = Object.fromEntries(new URLSearchParams(body));
      response.setHeader('content-type', 'text/xml');
      if (fields.Action !== 'Publish') {
        response.writeHead(400);
        response.end(
          `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>this test endpoint only answers Publish, not ${fields.Action}</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
        );
        return;
      }
      publishes.push({ fields, body });
      response.writeHead(200);
      response.end(
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>message-${publishes.length}</MessageId></PublishResult><ResponseMetadata><RequestId>r-${publishes.length}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    publishes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The message attributes of a Publish, name → string value. */
export function messageAttributes(fields: Readonly<Record<string, string>>): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [key, name] of Object.entries(fields)) {
    const entry = /^MessageAttributes\.entry\.(\d+)\.Name$/.exec(key)?.[1];
    if (entry !== undefined) attributes[name] = fields[`MessageAttributes.entry.${entry}.Value.StringValue`] ?? '';
  }
  return attributes;
}
