/**
 * What a failed health check most likely means, in the words of docs/troubleshooting.md
 * (cannot connect → VPN/host/port; invalid credentials; table not found; Oracle client not found;
 * SSM parameter not found; permission denied). Oracle failures reuse {@link classifyOracleError},
 * so `health` and a failed run give the same advice for the same code.
 */

import { classifyOracleError, redact } from '../adapters/oracle/errors.js';
import { describeS3Error, s3ErrorStatus } from '../adapters/s3/errors.js';
import { MarketPulseError, SettingsError } from '../errors.js';
import type { CheckName, Explained } from './report.js';

const NETWORK = /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|ECONNRESET|getaddrinfo|socket hang up|connect E|TimeoutError|RequestTimeout/i;
const AWS_CREDENTIALS =
  /Could not load credentials|CredentialsProviderError|ExpiredToken|InvalidClientTokenId|UnrecognizedClientException|security token/i;

export const TIME_HINT =
  'the check ran out of time: look at the latency of the checks before it, and raise the function timeout if they are normal';

/** The hint for an SSM/KMS failure, read from the SettingsError's own words (which already name the fix). */
export function explainSettingsFailure(error: unknown, prefix: string): Explained {
  const detail = error instanceof Error ? error.message : String(error);
  let hint: string;
  if (/parameter\(s\) missing/.test(detail)) {
    hint =
      `SSM parameter not found: deploy the stage's stack (it creates every parameter under ${prefix} with a placeholder) ` +
      `or create the parameters as shown, then set the real values`;
  } else if (/placeholder/.test(detail)) {
    hint = `the stage is not configured yet: put the real values into the parameters under ${prefix} named above`;
  } else if (/^decrypting/.test(detail)) {
    hint =
      'permission denied decrypting the SecureString parameters: ' +
      'the role needs kms:Decrypt on the stage key via SSM, and the key must be enabled';
  } else if (/^access denied/.test(detail)) {
    hint = `permission denied: the function's role (or your CLI credentials) needs ssm:GetParameters on ${prefix}*`;
  } else if (AWS_CREDENTIALS.test(detail)) {
    hint = "no valid AWS credentials: configure them (AWS_PROFILE, SSO login, or the function role) for the stage's account";
  } else if (NETWORK.test(detail)) {
    hint =
      'SSM could not be reached: check the network path to SSM (in Lambda the VPC interface endpoint for SSM; ' +
      'for the CLI the region, proxy and AWS_ENDPOINT_URL_SSM)';
  } else if (/throttled/.test(detail)) {
    hint = 'SSM is throttling: try again shortly';
  } else if (error instanceof SettingsError) {
    hint = `fix the parameters under ${prefix} named above`;
  } else {
    hint = `check the parameters under ${prefix} and the role's access to them`;
  }
  return { detail, hint };
}

/**
 * An Oracle failure (a product error from the session, or a driver error) as detail, hint and code.
 * The detail drops the hint the product error appended, so the report says it once.
 */
export function explainOracleFailure(error: unknown, secrets: readonly (string | undefined)[]): Explained {
  const carrier = error instanceof MarketPulseError ? error.cause : error;
  const { code, hint } = classifyOracleError(carrier ?? error);
  const message = redact(error instanceof Error ? error.message : String(error), secrets);
  if (code === undefined) {
    if (error instanceof SettingsError) return { detail: message, hint: 'fix the Oracle parameters in SSM named above' };
    if (/not enough time/.test(message)) return { detail: message, hint: TIME_HINT };
    const hint = 'an unexpected answer: see docs/troubleshooting.md, and run the check again with MARKET_PULSE_DEBUG=1 from the CLI';
    return { detail: message, hint };
  }
  const suffix = ` (${hint})`;
  return { detail: message.endsWith(suffix) ? message.slice(0, -suffix.length) : message, hint, code };
}

/** The connect hint (VPN / host / port / security groups), for a probe that got no answer at all. */
function unreachableHint(): string {
  return classifyOracleError({ code: 'ORA-12170' }).hint;
}

/** An S3 heartbeat failure: which permission, bucket or path to check. */
export function explainS3Failure(error: unknown, where: { readonly url: string; readonly folder: string }): Explained {
  const name = error instanceof Error ? error.name : '';
  const status = s3ErrorStatus(error);
  const text = describeS3Error(error);
  const detail = `writing ${where.url} failed: ${text}`;
  let hint: string;
  if (/^KMS|kms/i.test(name) || /KMS|kms:/.test(text)) {
    hint = 'permission denied on the results key: the role needs kms:GenerateDataKey on the stage key via S3';
  } else if (name === 'AccessDenied' || name === 'AccessDeniedException' || status === 403) {
    hint =
      `permission denied: the function's role (or your CLI credentials) ` +
      `needs s3:PutObject on ${where.folder}/* (and kms:GenerateDataKey on the results key)`;
  } else if (name === 'NoSuchBucket' || status === 404) {
    hint = 'the results bucket does not exist: check RESULTS_BUCKET (Lambda) or --out (CLI)';
  } else if (AWS_CREDENTIALS.test(`${name} ${text}`)) {
    hint = "no valid AWS credentials: configure them (AWS_PROFILE, SSO login, or the function role) for the stage's account";
  } else if (NETWORK.test(`${name} ${text}`) || name === 'AbortError') {
    hint =
      'S3 could not be reached: check the network path to S3 (in Lambda the VPC gateway endpoint for S3; ' +
      'for the CLI the region, proxy and AWS_ENDPOINT_URL_S3)';
  } else {
    hint = "check the results bucket, its policy and the role's S3 permissions";
  }
  return { detail, hint };
}

/** A check that got no answer within its budget: what the silence most likely means. */
export function timeoutHint(name: CheckName): string {
  switch (name) {
    case 'ssm-parameters':
      return 'SSM did not answer in time: check the network path to SSM (in Lambda the VPC interface endpoints for SSM and KMS)';
    case 's3-heartbeat':
      return 'S3 did not answer in time: check the network path to S3 (in Lambda the VPC gateway endpoint for S3)';
    case 'oracle-table':
      return 'the database connected but did not return one row in time: the table may be locked or the database overloaded; ask the DBA';
    default:
      return unreachableHint();
  }
}
