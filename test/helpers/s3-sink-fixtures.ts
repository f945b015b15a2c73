/** Small runs, S3 errors and GetObject bodies for the S3Sink tests that mock the SDK. */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { S3ServiceException } from '@aws-sdk/client-s3';
import type { OutputFile } from '../../lambdas/pipeline/ports.js';
import { type FixedRequest, fixedRequest } from './publish-requests.js';

export function outputFile(name: string, text: string, contentType = 'text/csv'): OutputFile {
  const body = Buffer.from(text);
  const sha256 = createHash('sha256').update(body).digest('hex');
  return { name, contentType, chunks: [body.subarray(0, 3), body.subarray(3)], bytes: body.length, sha256 };
}

/** Three data files and a manifest of run `runId` for 2026-11-20, promoted unless `holdBack` is given. */
export function runRequest(runId = 'RUN1', holdBack: string | null = null): FixedRequest {
  return fixedRequest({
    asOf: '2026-11-20',
    runId,
    files: [outputFile('colors.csv', 'a,b\n1,2\n'), outputFile('excluded.csv', 'a\n'), outputFile('rejected.csv', 'r\n')],
    manifest: outputFile('manifest.json', `{"runId":"${runId}"}\n`, 'application/json'),
    holdBack,
  });
}

export function s3Error(name: string, status: number, message = name): S3ServiceException {
  return new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message });
}

/** A GetObject body the adapters can read as text or iterate as bytes. */
export function objectBody(text: string): never {
  return Object.assign(Readable.from([Buffer.from(text)]), { transformToString: async () => text }) as never;
}

export const base64Sha256 = (text: string) => createHash('sha256').update(text).digest('base64');
