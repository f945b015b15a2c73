/**
 * A stage's config document as a versioned S3 object (docs/configuration.md, "Managing the rules"):
 * read the current version or any earlier one, list the versions with who changed them and why, and
 * replace the document only if it is still the version that was read (`If-Match` on its ETag, or
 * `If-None-Match: *` when there was none), so two people cannot overwrite each other's change.
 *
 * Who and why travel as object metadata on the version itself: `x-amz-meta-changed-by` (the
 * caller's ARN) and `x-amz-meta-change-message`. S3 keeps a version's metadata with it, so the
 * history needs nothing besides the bucket.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MarketPulseError } from '../errors.js';
import { MAX_CONFIG_BYTES, readConfigBytes } from '../pipeline/config-document.js';
import { describeS3Error, isConditionalConflict, isNotFound, isPreconditionFailed } from './s3/errors.js';
import { listVersionPages } from './s3/version-pages.js';
import { s3Url } from './s3-location.js';

const CHANGED_BY = 'changed-by';
const CHANGE_MESSAGE = 'change-message';

/** Who and why, as stored with a version. */
export interface ConfigChangeNote {
  readonly changedBy: string;
  readonly message: string;
}

export interface StoredConfig {
  readonly bytes: Buffer;
  readonly etag: string;
  /** null when the bucket is not versioned. */
  readonly versionId: string | null;
  readonly lastModified: Date | null;
  readonly note: Partial<ConfigChangeNote>;
}

export interface ConfigVersionEntry {
  readonly versionId: string;
  readonly lastModified: Date | null;
  readonly isLatest: boolean;
  /** A delete marker: the document was deleted at this point. */
  readonly deleted: boolean;
  readonly note: Partial<ConfigChangeNote>;
}

/** The document changed since it was read; nothing was written. */
export class ConfigConflictError extends MarketPulseError {
  override readonly name: string = 'ConfigConflictError';
  readonly code = 'CONFIG_CONFLICT';
  constructor(
    message: string,
    /** The version there now, when it could be read. */
    readonly current: StoredConfig | null,
  ) {
    super(message);
  }
}

/** S3 refused or failed a request about the config object; the message says which and why. */
export class ConfigStoreError extends MarketPulseError {
  override readonly name: string = 'ConfigStoreError';
  readonly code = 'CONFIG_STORE_FAILED';
}

export class ConfigStore {
  readonly url: string;

  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    readonly key: string,
  ) {
    this.url = s3Url(bucket, key);
  }

  /** The current document (or the version asked for); null when there is none. */
  async read(versionId?: string): Promise<StoredConfig | null> {
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.key, ...(versionId ? { VersionId: versionId } : {}) }),
      );
      if (response.ContentLength !== undefined && response.ContentLength > MAX_CONFIG_BYTES) {
        (response.Body as { destroy?: () => void } | undefined)?.destroy?.();
        throw new ConfigStoreError(`${this.describe(versionId)} is larger than a config document may be (${MAX_CONFIG_BYTES} bytes)`);
      }
      return {
        bytes: response.Body
          ? await readConfigBytes(response.Body as AsyncIterable<Uint8Array>, this.describe(versionId))
          : Buffer.alloc(0),
        etag: response.ETag ?? '',
        versionId: versionOf(response.VersionId),
        lastModified: response.LastModified ?? null,
        note: noteOf(response.Metadata),
      };
    } catch (error) {
      if (error instanceof MarketPulseError) throw error;
      if (isNotFound(error) && versionId === undefined) return null;
      throw new ConfigStoreError(`cannot read ${this.describe(versionId)}: ${describeS3Error(error)}`, { cause: error });
    }
  }

  /**
   * Stores `bytes` as the new current version if the current one still has `expectedEtag` (null:
   * if there is none). Returns the new version's id. ConfigConflictError when someone else's
   * version got there first: theirs stays, and nothing of this one is stored.
   */
  async replace(bytes: Buffer, expectedEtag: string | null, note: ConfigChangeNote): Promise<string | null> {
    try {
      const response = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key,
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: /\.ya?ml$/i.test(this.key) ? 'application/yaml' : 'application/json',
          // S3 checks the bytes it received against this and refuses the put on a mismatch.
          ChecksumSHA256: createHash('sha256').update(bytes).digest('base64'),
          Metadata: { [CHANGED_BY]: headerSafe(note.changedBy), [CHANGE_MESSAGE]: headerSafe(note.message) },
          ...(expectedEtag === null ? { IfNoneMatch: '*' } : { IfMatch: expectedEtag }),
        }),
      );
      return versionOf(response.VersionId);
    } catch (error) {
      // 412: another version is current; 409: another write to the key was in flight; 404 on If-Match: deleted since.
      if (isPreconditionFailed(error) || isConditionalConflict(error) || (expectedEtag !== null && isNotFound(error))) {
        const current = await this.read().catch(() => null);
        throw new ConfigConflictError(
          `${this.url} changed after it was read${current ? `: ${describeVersion(current)} is current now` : ''}; nothing was written`,
          current,
        );
      }
      throw new ConfigStoreError(`cannot write ${this.url}: ${describeS3Error(error)}`, { cause: error });
    }
  }

  /** The newest `limit` versions (delete markers included), newest first, each with who and why. */
  async history(limit: number): Promise<ConfigVersionEntry[]> {
    const entries: Omit<ConfigVersionEntry, 'note'>[] = [];
    try {
      for await (const page of listVersionPages(this.client, this.bucket, this.key)) {
        const versions = (page.Versions ?? []).map((v) => ({
          key: v.Key,
          versionId: v.VersionId,
          lastModified: v.LastModified,
          isLatest: v.IsLatest === true,
          deleted: false,
        }));
        const markers = (page.DeleteMarkers ?? []).map((m) => ({
          key: m.Key,
          versionId: m.VersionId,
          lastModified: m.LastModified,
          isLatest: m.IsLatest === true,
          deleted: true,
        }));
        // Prefix also matches longer keys (config.json.bak); only this key's versions count.
        for (const entry of [...versions, ...markers].filter((item) => item.key === this.key && item.versionId !== undefined)) {
          entries.push({
            versionId: entry.versionId!,
            lastModified: entry.lastModified ?? null,
            isLatest: entry.isLatest,
            deleted: entry.deleted,
          });
        }
        // Keys sort after this one once the listing has moved past it.
        const next = page.IsTruncated ? page.NextKeyMarker : undefined;
        if (next === undefined || next > this.key || entries.length >= limit) break;
      }
    } catch (error) {
      throw new ConfigStoreError(`cannot list the versions of ${this.url}: ${describeS3Error(error)}`, { cause: error });
    }
    const newest = entries.sort((a, b) => (b.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0)).slice(0, limit);
    return Promise.all(newest.map(async (entry) => ({ ...entry, note: entry.deleted ? {} : await this.noteOf(entry.versionId) })));
  }

  private async noteOf(versionId: string): Promise<Partial<ConfigChangeNote>> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key, VersionId: versionId }));
      return noteOf(head.Metadata);
    } catch (error) {
      throw new ConfigStoreError(`cannot read ${this.describe(versionId)}: ${describeS3Error(error)}`, { cause: error });
    }
  }

  private describe(versionId: string | undefined): string {
    return versionId ? `${this.url} version ${versionId}` : this.url;
  }
}

/** `version X (2026-11-24T09:12:03Z, by arn…: "message")` */
export function describeVersion(stored: Pick<StoredConfig, 'versionId' | 'lastModified' | 'note'>): string {
  const when = stored.lastModified ? stored.lastModified.toISOString().replace(/\.000Z$/, 'Z') : 'unknown time';
  const by = stored.note.changedBy ? `by ${stored.note.changedBy}` : 'by someone who did not use market-pulse config push';
  const why = stored.note.message ? `: "${stored.note.message}"` : '';
  return `version ${stored.versionId ?? '(unversioned)'} (${when}, ${by}${why})`;
}

function versionOf(id: string | undefined): string | null {
  return id && id !== 'null' ? id : null;
}

function noteOf(metadata: Record<string, string> | undefined): Partial<ConfigChangeNote> {
  const value = (name: string) => (metadata?.[name] === undefined ? undefined : fromHeader(metadata[name]!));
  const changedBy = value(CHANGED_BY);
  const message = value(CHANGE_MESSAGE);
  return { ...(changedBy !== undefined ? { changedBy } : {}), ...(message !== undefined ? { message } : {}) };
}

/**
 * Metadata travels in HTTP headers, which carry printable ASCII only. Other text is stored as an
 * RFC 2047 encoded word (`=?UTF-8?B?…?=`), the form S3 itself uses for such values.
 */
function headerSafe(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

function fromHeader(text: string): string {
  const encoded = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=$/i.exec(text);
  return encoded ? Buffer.from(encoded[1]!, 'base64').toString('utf8') : text;
}
