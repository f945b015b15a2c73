/**
 * The S3 endpoint of the publish fault matrix: an HTTP proxy on 127.0.0.1 in front of s3rver that
 *
 * 1. gives s3rver the conditional writes it lacks: a PUT or a CompleteMultipartUpload with
 *    `If-None-Match: *` or `If-Match` is checked against the object's current ETag (asked of
 *    s3rver) and forwarded only when the condition holds, under a per-key lock, so that the check
 *    and the write are one step as in S3. Otherwise it answers like S3: 412 PreconditionFailed, or
 *    404 NoSuchKey for `If-Match` on a missing key (S3 User Guide, "Conditional write behavior");
 * 2. gives s3rver the end of a multipart upload it lacks: s3rver takes CreateMultipartUpload,
 *    UploadPart and CompleteMultipartUpload, but answers AbortMultipartUpload with 405 and a
 *    request on a completed upload with a 500. The proxy answers the abort (204) and, like S3,
 *    404 NoSuchUpload to any later request on an upload that was completed or aborted (the parts
 *    s3rver keeps of an aborted upload are never assembled, so nothing of it is visible);
 * 3. injects faults into chosen requests: 500 InternalError or 503 SlowDown without touching the
 *    store, a connection reset before the request reaches the store or after the store applied it
 *    (a lost response), a 500 after the store applied it, a stalled response, or a delay.
 *
 * A proxy rather than an S3 of our own, so that what is stored, and how it reads back, stays the
 * independent emulator's business; the proxy only adds the two things the tests need on top.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type Answer, collect, KeyedLock, listenOnLoopback, s3ErrorAnswer, sendAnswer, Upstream } from './s3-proxy-server.js';

export type Fault =
  | '500'
  | '503'
  /** Connection closed before the request reached the store. */
  | 'reset-before'
  /** The store applied the request, then the connection was closed without a response. */
  | 'reset-after'
  /** The store applied the request, then 500 InternalError. */
  | '500-after'
  /** The store applied the request; the response never comes (until the client gives up). */
  | 'stall'
  | { readonly delayMs: number };

export interface ProxiedRequest {
  /** 1-based, counted since the last {@link S3FaultProxy.reset}. */
  readonly index: number;
  readonly method: string;
  /** The S3 operation, e.g. `PutObject`, `UploadPart`, `CompleteMultipartUpload`. */
  readonly operation: string;
  /** The multipart upload it belongs to, if any. */
  readonly uploadId?: string;
  readonly bucket: string;
  readonly key: string;
  readonly body: Buffer;
}

export interface FaultRule {
  readonly when: (request: ProxiedRequest) => boolean;
  readonly fault: Fault;
}

const ERRORS = {
  InternalError: [500, 'We encountered an internal error. Please try again.'],
  SlowDown: [503, 'Please reduce your request rate.'],
  PreconditionFailed: [412, 'At least one of the pre-conditions you specified did not hold'],
  NoSuchKey: [404, 'The specified key does not exist.'],
  NoSuchUpload: [
    404,
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
  ],
} as const;

export class S3FaultProxy {
  /** Every request since the last reset, in arrival order. */
  readonly requests: ProxiedRequest[] = [];
  private rules: FaultRule[] = [];
  private readonly lock = new KeyedLock();
  /** Multipart uploads completed or aborted: S3 knows them no more. */
  private readonly endedUploads = new Set<string>();
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly upstream: Upstream,
    readonly endpoint: string,
  ) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(upstreamEndpoint: string): Promise<S3FaultProxy> {
    let proxy: S3FaultProxy | undefined;
    const { server, endpoint } = await listenOnLoopback(() => (req, res) => void proxy!.handle(req, res));
    proxy = new S3FaultProxy(server, new Upstream(upstreamEndpoint), endpoint);
    return proxy;
  }

  /** Faults for the requests to come; the first rule that matches a request applies. */
  inject(...rules: FaultRule[]): void {
    this.rules = rules;
  }

  /** No faults, and request numbering starts again at 1. */
  reset(): void {
    this.rules = [];
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.upstream.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await collect(req);
    const url = new URL(req.url ?? '/', 'http://proxy');
    const [bucket = '', ...key] = decodeURIComponent(url.pathname).slice(1).split('/');
    const method = req.method ?? 'GET';
    const uploadId = url.searchParams.get('uploadId') ?? undefined;
    const operation = operationOf(method, url.searchParams);
    const request: ProxiedRequest = { index: this.requests.length + 1, method, operation, uploadId, bucket, key: key.join('/'), body };
    this.requests.push(request);
    const fault = this.rules.find((rule) => rule.when(request))?.fault;
    try {
      if (typeof fault === 'object') await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault === '500') return sendError(res, req, 'InternalError');
      if (fault === '503') return sendError(res, req, 'SlowDown');
      if (fault === 'reset-before') return void req.socket.destroy();
      const answer = await this.apply(req, request);
      if (fault === 'reset-after') return void req.socket.destroy();
      if (fault === '500-after') return sendError(res, req, 'InternalError');
      if (fault === 'stall') return; // the socket stays open until the client gives up, or close()
      sendAnswer(req, res, answer);
    } catch {
      req.socket.destroy();
    }
  }

  /** Forwards the request to s3rver, with S3's conditional-write semantics on PUT and CompleteMultipartUpload. */
  private async apply(req: IncomingMessage, request: ProxiedRequest): Promise<Answer> {
    if (request.uploadId !== undefined) {
      if (this.endedUploads.has(request.uploadId)) return errorAnswer('NoSuchUpload');
      if (request.operation === 'AbortMultipartUpload') {
        this.endedUploads.add(request.uploadId);
        return { status: 204, headers: {}, body: Buffer.alloc(0) };
      }
    }
    const ifNoneMatch = req.headers['if-none-match'];
    const ifMatch = req.headers['if-match'];
    const conditional = request.operation === 'PutObject' || request.operation === 'CompleteMultipartUpload';
    if (!conditional || (ifNoneMatch === undefined && ifMatch === undefined)) return this.forward(req, request);
    return this.lock.run(`${request.bucket}/${request.key}`, async () => {
      const head = await this.upstream.send('HEAD', `/${request.bucket}/${encodeKey(request.key)}`, {}, Buffer.alloc(0));
      const exists = head.status === 200;
      if (ifNoneMatch !== undefined && exists) return errorAnswer('PreconditionFailed', 'If-None-Match');
      if (ifMatch !== undefined && !exists) return errorAnswer('NoSuchKey');
      if (ifMatch !== undefined && etag(ifMatch) !== etag(String(head.headers.etag ?? ''))) {
        return errorAnswer('PreconditionFailed', 'If-Match');
      }
      return this.forward(req, request);
    });
  }

  private async forward(req: IncomingMessage, request: ProxiedRequest): Promise<Answer> {
    // Headers go unchanged, Host included: s3rver checks the client's SigV4 signature over them.
    const answer = await this.upstream.send(req.method ?? 'GET', req.url ?? '/', req.headers, request.body);
    if (request.operation === 'CompleteMultipartUpload' && answer.status === 200) this.endedUploads.add(request.uploadId!);
    return answer;
  }
}

/** The S3 operation a request is, by its method and query (only those the tests meet). */
function operationOf(method: string, query: URLSearchParams): string {
  if (query.has('uploads')) return 'CreateMultipartUpload';
  if (query.has('uploadId')) {
    if (method === 'PUT') return 'UploadPart';
    if (method === 'POST') return 'CompleteMultipartUpload';
    if (method === 'DELETE') return 'AbortMultipartUpload';
  }
  return { GET: 'GetObject', HEAD: 'HeadObject', PUT: 'PutObject', DELETE: 'DeleteObject' }[method] ?? method;
}

function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** An ETag without quotes or a weak marker, for comparison. */
function etag(value: string): string {
  return value.replace(/^W\//, '').replace(/"/g, '');
}

function errorAnswer(code: keyof typeof ERRORS, condition?: string): Answer {
  const [status, message] = ERRORS[code];
  return s3ErrorAnswer(status, code, message, 'fault-proxy', condition);
}

function sendError(res: ServerResponse, req: IncomingMessage, code: keyof typeof ERRORS): void {
  sendAnswer(req, res, errorAnswer(code));
}
