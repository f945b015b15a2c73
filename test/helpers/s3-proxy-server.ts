/**
 * What the two S3 test proxies share (s3-fault-proxy.ts, s3-versioning-proxy.ts): a server on
 * 127.0.0.1 that forwards requests to an upstream S3 endpoint with their headers unchanged (Host
 * included, so the upstream still checks each request's SigV4 signature), a per-key lock for a
 * check and a write that must be one step, and S3's error document.
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** A whole response, as read from the upstream or made up by a proxy. */
export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface ProxyServer {
  readonly server: Server;
  readonly endpoint: string;
}

/** Listens on 127.0.0.1 at a free port; `handle` is called once the proxy is built. */
export async function listenOnLoopback(handle: () => (req: IncomingMessage, res: ServerResponse) => void): Promise<ProxyServer> {
  const server = createServer((req, res) => handle()(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Sends requests to the upstream endpoint over kept-alive connections. */
export class Upstream {
  private readonly agent = new Agent({ keepAlive: true });
  private readonly url: URL;

  constructor(endpoint: string) {
    this.url = new URL(endpoint);
  }

  send(method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const target = { host: this.url.hostname, port: this.url.port, method, path, headers, agent: this.agent };
      const upstream = httpRequest(target, (response) => {
        collect(response).then((data) => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: data }), reject);
      });
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  destroy(): void {
    this.agent.destroy();
  }
}

/** Runs each step after every earlier step on the same key has finished. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, step: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const run = before.then(step, step);
    const settled = run.catch(() => undefined);
    this.tails.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.tails.get(key) === settled) this.tails.delete(key);
    }
  }
}

export function collect(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Writes an answer, without the hop-by-hop headers of the upstream's connection. */
export function sendAnswer(req: IncomingMessage, res: ServerResponse, answer: Answer): void {
  const { connection, 'keep-alive': keepAlive, 'transfer-encoding': encoding, ...headers } = answer.headers;
  res.writeHead(answer.status, headers);
  // A HEAD response has no body.
  res.end(req.method === 'HEAD' ? undefined : answer.body);
}

/** S3's error document (`condition` for a 412: which header failed). */
export function s3ErrorAnswer(status: number, code: string, message: string, requestId: string, condition?: string): Answer {
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
    `${condition ? `<Condition>${condition}</Condition>` : ''}<RequestId>${requestId}</RequestId></Error>`;
  return { status, headers: { 'content-type': 'application/xml' }, body: Buffer.from(xml) };
}
