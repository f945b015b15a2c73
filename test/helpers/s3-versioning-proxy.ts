/**
 * Bucket versioning for tests, as an HTTP proxy on 127.0.0.1 in front of another S3 endpoint
 * (normally the S3FaultProxy in front of s3rver, which adds conditional writes). s3rver has no
 * versioning at all, so this adds the part of it that the config commands use:
 *
 * - every successful object PUT is recorded as a new version (id, ETag, time, size, content type,
 *   `x-amz-meta-*`), under a per-key lock so versions are numbered in the order the store applied
 *   them, and the response carries `x-amz-version-id`;
 * - GET/HEAD of the current object carry the current version's id;
 * - GET/HEAD with `?versionId=` answer from the recorded versions (404 NoSuchVersion otherwise);
 * - `GET /bucket?versions` answers ListObjectVersions (prefix, max-keys, key and version-id
 *   markers, newest version first within a key), as S3's ListVersionsResult XML.
 *
 * Everything else is forwarded unchanged (headers included, so the upstream still checks each
 * request's signature). The store, the ETags and the conditional checks stay the upstream's
 * business; this only remembers what it stored and when.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { type Answer, collect, KeyedLock, listenOnLoopback, s3ErrorAnswer, sendAnswer, Upstream } from './s3-proxy-server.js';

export interface StoredVersion {
  readonly key: string;
  readonly versionId: string;
  readonly etag: string;
  readonly lastModified: Date;
  readonly body: Buffer;
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export class S3VersioningProxy {
  /** Versions per `bucket/key`, oldest first. */
  private readonly versions = new Map<string, StoredVersion[]>();
  private readonly lock = new KeyedLock();
  private clock = 0;

  private constructor(
    private readonly server: Server,
    private readonly upstream: Upstream,
    readonly endpoint: string,
  ) {}

  static async start(upstreamEndpoint: string): Promise<S3VersioningProxy> {
    let proxy: S3VersioningProxy | undefined;
    const { server, endpoint } = await listenOnLoopback(() => (req, res) => void proxy!.handle(req, res));
    proxy = new S3VersioningProxy(server, new Upstream(upstreamEndpoint), endpoint);
    return proxy;
  }

  /** The versions of `bucket/key`, oldest first. */
  versionsOf(bucket: string, key: string): readonly StoredVersion[] {
    return this.versions.get(`${bucket}/${key}`) ?? [];
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.upstream.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const body = await collect(req);
      const url = new URL(req.url ?? '/', 'http://proxy');
      const [bucket = '', ...rest] = decodeURIComponent(url.pathname).slice(1).split('/');
      const key = rest.join('/');
      sendAnswer(req, res, await this.answer(req, url, bucket, key, body));
    } catch {
      req.socket.destroy();
    }
  }

  private answer(req: IncomingMessage, url: URL, bucket: string, key: string, body: Buffer): Promise<Answer> {
    const method = req.method ?? 'GET';
    if (key === '' && method === 'GET' && url.searchParams.has('versions')) return Promise.resolve(this.list(bucket, url.searchParams));
    if (key === '') return this.forward(req, body);
    const versionId = url.searchParams.get('versionId');
    if ((method === 'GET' || method === 'HEAD') && versionId !== null) return Promise.resolve(this.version(bucket, key, versionId));
    if (method === 'PUT' && req.headers['x-amz-copy-source'] === undefined && !url.searchParams.has('uploadId'))
      return this.put(req, bucket, key, body);
    if (method === 'GET' || method === 'HEAD') return this.current(req, bucket, key, body);
    return this.forward(req, body);
  }

  private put(req: IncomingMessage, bucket: string, key: string, body: Buffer): Promise<Answer> {
    return this.lock.run(`${bucket}/${key}`, async () => {
      const answer = await this.forward(req, body);
      if (answer.status !== 200) return answer;
      const metadata = Object.fromEntries(
        Object.entries(req.headers)
          .filter(([name]) => name.startsWith('x-amz-meta-'))
          .map(([name, value]) => [name.slice('x-amz-meta-'.length), String(value)]),
      );
      const version: StoredVersion = {
        key,
        // Real version ids use '+' and '/' too, which clients must encode.
        versionId: randomBytes(24).toString('base64'),
        etag: String(answer.headers.etag ?? ''),
        lastModified: this.now(),
        body,
        contentType: String(req.headers['content-type'] ?? 'binary/octet-stream'),
        metadata,
      };
      const list = this.versions.get(`${bucket}/${key}`) ?? [];
      list.push(version);
      this.versions.set(`${bucket}/${key}`, list);
      return { ...answer, headers: { ...answer.headers, 'x-amz-version-id': version.versionId } };
    });
  }

  private async current(req: IncomingMessage, bucket: string, key: string, body: Buffer): Promise<Answer> {
    const answer = await this.forward(req, body);
    const latest = this.versionsOf(bucket, key).at(-1);
    if (answer.status !== 200 || latest === undefined || latest.etag !== answer.headers.etag) return answer;
    return { ...answer, headers: { ...answer.headers, 'x-amz-version-id': latest.versionId } };
  }

  private version(bucket: string, key: string, versionId: string): Answer {
    const version = this.versionsOf(bucket, key).find((candidate) => candidate.versionId === versionId);
    if (version === undefined) return errorAnswer(404, 'NoSuchVersion', 'The specified version does not exist.');
    return {
      status: 200,
      headers: {
        etag: version.etag,
        'content-type': version.contentType,
        'content-length': String(version.body.length),
        'last-modified': version.lastModified.toUTCString(),
        'x-amz-version-id': version.versionId,
        ...Object.fromEntries(Object.entries(version.metadata).map(([name, value]) => [`x-amz-meta-${name}`, value])),
      },
      body: version.body,
    };
  }

  private list(bucket: string, query: URLSearchParams): Answer {
    const prefix = query.get('prefix') ?? '';
    const maxKeys = Math.min(Number(query.get('max-keys') ?? 1000), 1000);
    const keyMarker = query.get('key-marker') ?? '';
    const versionIdMarker = query.get('version-id-marker') ?? '';
    const entries = [...this.versions.entries()]
      .filter(([path]) => path.startsWith(`${bucket}/${prefix}`))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .flatMap(([, versions]) => [...versions].reverse().map((version, index) => ({ version, isLatest: index === 0 })));
    let start = 0;
    if (keyMarker !== '') {
      const marker = entries.findIndex((entry) => entry.version.key === keyMarker && entry.version.versionId === versionIdMarker);
      start = marker >= 0 ? marker + 1 : entries.findIndex((entry) => entry.version.key > keyMarker);
      if (start < 0) start = entries.length;
    }
    const page = entries.slice(start, start + maxKeys);
    const truncated = start + maxKeys < entries.length;
    const last = page.at(-1)?.version;
    const xml = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
      `<Name>${escapeXml(bucket)}</Name><Prefix>${escapeXml(prefix)}</Prefix>`,
      `<KeyMarker>${escapeXml(keyMarker)}</KeyMarker><VersionIdMarker>${escapeXml(versionIdMarker)}</VersionIdMarker>`,
      `<MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>`,
      truncated && last
        ? `<NextKeyMarker>${escapeXml(last.key)}</NextKeyMarker><NextVersionIdMarker>${escapeXml(last.versionId)}</NextVersionIdMarker>`
        : '',
      ...page.map(
        ({ version, isLatest }) =>
          `<Version><Key>${escapeXml(version.key)}</Key><VersionId>${escapeXml(version.versionId)}</VersionId><IsLatest>${isLatest}</IsLatest>` +
          `<LastModified>${version.lastModified.toISOString()}</LastModified><ETag>${escapeXml(version.etag)}</ETag>` +
          `<Size>${version.body.length}</Size><StorageClass>STANDARD</StorageClass></Version>`,
      ),
      '</ListVersionsResult>',
    ].join('');
    return { status: 200, headers: { 'content-type': 'application/xml' }, body: Buffer.from(xml) };
  }

  /** Strictly increasing times, a second apart, so versions written in one test sort as written. */
  private now(): Date {
    this.clock = Math.max(this.clock + 1000, Math.floor(Date.now() / 1000) * 1000);
    return new Date(this.clock);
  }

  private forward(req: IncomingMessage, body: Buffer): Promise<Answer> {
    return this.upstream.send(req.method ?? 'GET', req.url ?? '/', req.headers, body);
  }
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function errorAnswer(status: number, code: string, message: string): Answer {
  return s3ErrorAnswer(status, code, message, 'versioning-proxy');
}
