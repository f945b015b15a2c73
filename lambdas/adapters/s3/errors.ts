/**
 * Reading S3 SDK errors: their HTTP status, what kind of failure they are, and a description a
 * person can act on. S3 error messages carry no secrets.
 */

export function s3ErrorStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function nameOf(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** 412: a conditional write's condition did not hold. */
export function isPreconditionFailed(error: unknown): boolean {
  return s3ErrorStatus(error) === 412 || nameOf(error) === 'PreconditionFailed';
}

/** 409: a concurrent conditional write to the same key was in flight; AWS says to retry. */
export function isConditionalConflict(error: unknown): boolean {
  return s3ErrorStatus(error) === 409 || nameOf(error) === 'ConditionalRequestConflict';
}

export function isNotFound(error: unknown): boolean {
  const name = nameOf(error);
  return name === 'NoSuchKey' || name === 'NotFound' || (s3ErrorStatus(error) === 404 && name !== 'NoSuchBucket');
}

export function isAccessDenied(error: unknown): boolean {
  return s3ErrorStatus(error) === 403 || nameOf(error) === 'AccessDenied';
}

/** The request was cancelled by our own AbortSignal (the time left for the run ran out). */
export function isAborted(error: unknown): boolean {
  return nameOf(error) === 'AbortError';
}

// Node's network error codes, which the SDK reports under the misleading name "TimeoutError".
const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNRESET: 'the connection was reset before a response arrived',
  ECONNREFUSED: 'the connection was refused',
  EPIPE: 'the connection was closed while sending',
  ETIMEDOUT: 'the connection timed out',
  ENOTFOUND: 'the endpoint host does not resolve',
  EAI_AGAIN: 'the endpoint host could not be resolved (DNS)',
  EHOSTUNREACH: 'the endpoint host is unreachable',
  ENETUNREACH: 'the network is unreachable',
};

/** What went wrong, for a message: the S3 error code and status, or the network failure, and the attempts made. */
export function describeS3Error(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts;
  const tried = attempts !== undefined && attempts > 1 ? `, after ${attempts} attempts` : '';
  if (code !== undefined && NETWORK_CODES[code]) return `${NETWORK_CODES[code]} (${code}${tried})`;
  if (isAborted(error)) return 'stopped: the time left for this run ran out';
  const idle = /timed out after (\d+) ms of inactivity/.exec(error.message);
  if (idle) return `the endpoint sent nothing for ${idle[1]} ms (the request timeout, S3_REQUEST_TIMEOUT_MS${tried})`;
  const connect = /did not establish a connection with the server within the configured timeout of (\d+) ms/.exec(error.message);
  if (connect) return `no connection within ${connect[1]} ms (the connect timeout, S3_CONNECT_TIMEOUT_MS${tried})`;
  const message = error.message;
  const status = s3ErrorStatus(error);
  const name = error.name && error.name !== 'Error' ? error.name : undefined;
  const label = [name, status ? `HTTP ${status}` : undefined].filter(Boolean).join(', ');
  if (label === '' || message.startsWith(label)) return tried ? `${message} (${tried.slice(2)})` : message;
  return `${message} (${label}${tried})`;
}
