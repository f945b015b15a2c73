/**
 * AWS on the wire for subprocess tests (the CLI, a deployed bundle), whose SDK cannot be mocked from
 * the test. HTTP servers on 127.0.0.1, pointed at with AWS_ENDPOINT_URL_<SERVICE> or AWS_ENDPOINT_URL:
 * - startSsmEndpoint answers the AWS JSON 1.1 `AmazonSSM.GetParameters` call with the stage's Oracle
 *   parameters as the real service does (requested names it has, the rest as InvalidParameters);
 *   anything else gets a 400 naming the target, so a new call shows up at once;
 * - startRecordingEndpoint answers every request with a 500 and records it, to show none was made.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SsmEndpoint {
  readonly url: string;
  /** The `X-Amz-Target` of every request, in order. */
  readonly targets: string[];
  close(): Promise<void>;
}

export interface RecordingEndpoint {
  readonly url: string;
  /** `METHOD path` of every request, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startRecordingEndpoint(): Promise<RecordingEndpoint> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    request.resume();
    response.writeHead(500, { 'content-type': 'application/json' });
    response.end('{"message":"this test endpoint answers nothing"}');
  });
  return { ...(await listen(server)), requests };
}

/** Serves `values` by each parameter name's last path segment (host, port, password…). */
export async function startSsmEndpoint(values: Readonly<Record<string, string>>): Promise<SsmEndpoint> {
  const targets: string[] = [];
  const server = createServer((request, response) => {
    void answer(request, response, values, targets);
  });
  return { ...(await listen(server)), targets };
}

async function listen(server: Server): Promise<{ url: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  values: Readonly<Record<string, string>>,
  targets: string[],
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const target = String(request.headers['x-amz-target'] ?? '');
  targets.push(target);
  const send = (status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify(body));
  };
  if (target !== 'AmazonSSM.GetParameters') {
    send(400, { __type: 'InvalidAction', message: `this test endpoint only answers GetParameters, not ${target}` });
    return;
  }
  const { Names = [] } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { Names?: string[] };
  const known = Names.filter((name) => (name.split('/').at(-1) ?? '') in values);
  send(200, {
    Parameters: known.map((name) => ({
      Name: name,
      Value: values[name.split('/').at(-1)!],
      Type: /password|wallet/.test(name) ? 'SecureString' : 'String',
      Version: 1,
    })),
    InvalidParameters: Names.filter((name) => !known.includes(name)),
  });
}
