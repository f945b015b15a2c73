/**
 * What the Lambda handler tests share: a Lambda context with a real countdown, a capture of
 * everything written to stdout/stderr (Powertools logs and EMF metrics), and SSM answering the
 * stage's Oracle parameters the way GetParameters does.
 */
import { GetParametersCommand, type ServiceInputTypes, type ServiceOutputTypes, type SSMClientResolvedConfig } from '@aws-sdk/client-ssm';
import type { AwsStub } from 'aws-sdk-client-mock';
import { vi } from 'vitest';

export function lambdaContext(functionName: string, budgetMs: number) {
  const deadline = Date.now() + budgetMs;
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-central-1:111111111111:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/20/[$LATEST]abc',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** Spies on stdout and stderr (restore with vi.restoreAllMocks) and returns what they are given. */
export function captureOutput(): string[] {
  const written: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  }
  return written;
}

/** The EMF metric documents among captured lines. */
export function emfDocuments(written: readonly string[]): Record<string, unknown>[] {
  return written
    .map((line) => line.trim())
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export type OracleParameterValues = Readonly<Record<string, string>>;

/** Stage parameters for a database that is not there (a closed port on 127.0.0.1). */
export function unreachableDatabase(password: string): OracleParameterValues {
  return { host: '127.0.0.1', port: '1', 'service-name': 'FREEPDB1', username: 'MARKET_PULSE', password, schema: 'DESK', table: 'COLORS' };
}

/** SSM returns the requested names it has (by their last path segment) and lists the rest as invalid. */
export function serveOracleParameters(
  ssm: AwsStub<ServiceInputTypes, ServiceOutputTypes, SSMClientResolvedConfig>,
  values: OracleParameterValues,
): void {
  ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => {
    const known = input.Names.filter((name) => name.split('/').at(-1)! in values);
    return {
      Parameters: known.map((name) => ({
        Name: name,
        Value: values[name.split('/').at(-1)!],
        Type: name.endsWith('password') ? 'SecureString' : 'String',
      })),
      InvalidParameters: input.Names.filter((name) => !known.includes(name)),
    };
  });
}
