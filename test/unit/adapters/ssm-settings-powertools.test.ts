/**
 * Canaries for the Powertools Parameters behaviour SsmSettings is built around (pinned 2.35.0).
 * If one fails after an upgrade, revisit the comments in lambdas/adapters/ssm-settings.ts.
 */
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import {
  AccessDeniedException,
  GetParameterCommand,
  GetParametersCommand,
  type GetParametersCommandInput,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';

const ssm = mockClient(SSMClient);
const store: Record<string, string> = { '/a': 'A', '/b': 'B' };

beforeEach(() => {
  ssm.reset();
  clearCaches();
  ssm.on(GetParametersCommand).callsFake((input: GetParametersCommandInput) => ({
    Parameters: (input.Names ?? []).filter((n) => n in store).map((n) => ({ Name: n, Value: store[n] })),
    InvalidParameters: (input.Names ?? []).filter((n) => !(n in store)),
  }));
});

describe('Powertools SSMProvider.getParametersByName (assumptions of SsmSettings)', () => {
  it('a global decrypt:true sends one GetParameters WithDecryption, no GetParameter', async () => {
    const provider = new SSMProvider();
    await provider.getParametersByName({ '/a': {}, '/b': {}, '/absent': {} }, { decrypt: true, throwOnError: false });
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(1);
    expect(ssm.commandCalls(GetParametersCommand)[0]!.args[0].input.WithDecryption).toBe(true);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it('reports absent names in _errors but never caches them, so each call asks SSM for them again', async () => {
    const provider = new SSMProvider();
    const first = await provider.getParametersByName({ '/a': {}, '/absent': {} }, { decrypt: true, throwOnError: false, maxAge: 300 });
    expect(first._errors).toEqual(['/absent']);
    await provider.getParametersByName({ '/a': {}, '/absent': {} }, { decrypt: true, throwOnError: false, maxAge: 300 });
    const calls = ssm.commandCalls(GetParametersCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.Names).toEqual(['/absent']);
  });

  it('maxAge 0 still caches (falls back to 5 s), so only clearCache() guarantees a fresh read', async () => {
    const provider = new SSMProvider();
    await provider.getParametersByName({ '/a': {} }, { decrypt: true, maxAge: 0 });
    await provider.getParametersByName({ '/a': {} }, { decrypt: true, maxAge: 0 });
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(1);
    provider.clearCache();
    await provider.getParametersByName({ '/a': {} }, { decrypt: true, maxAge: 0 });
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(2);
  });

  it('lets the SDK error through (throwOnError:false only covers absent names)', async () => {
    ssm.on(GetParametersCommand).rejects(new AccessDeniedException({ message: 'denied', Message: 'denied', $metadata: {} }));
    const provider = new SSMProvider();
    await expect(provider.getParametersByName({ '/a': {} }, { decrypt: true, throwOnError: false })).rejects.toBeInstanceOf(
      AccessDeniedException,
    );
  });
});
