import { clearCaches } from '@aws-lambda-powertools/parameters';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import {
  AccessDeniedException,
  GetParameterCommand,
  GetParametersCommand,
  type GetParametersCommandInput,
  InvalidKeyId,
  SSMClient,
  SSMServiceException,
  ThrottlingException,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SsmSettings } from '../../../lambdas/adapters/ssm-settings.js';
import { SettingsError } from '../../../lambdas/errors.js';
import type { Log } from '../../../lambdas/log.js';

const P = '/market-pulse/dev/oracle/';
const SECRET_PASSWORD = 'pw-S3cr3t-7f1d-do-not-log';
const SECRET_WALLET = '-----BEGIN PRIVATE KEY-----\nWALLET-SECRET-9c2e\n-----END PRIVATE KEY-----';
const SECRET_WALLET_PASSWORD = 'wallet-pw-S3cr3t-44ab';
const SECRETS = [SECRET_PASSWORD, 'WALLET-SECRET-9c2e', SECRET_WALLET_PASSWORD];

const ssm = mockClient(SSMClient);
let store: Record<string, string>;

function baseStore(): Record<string, string> {
  return {
    [`${P}host`]: 'db.example.internal',
    [`${P}port`]: '1521',
    [`${P}service-name`]: 'ORCLPDB1',
    [`${P}username`]: 'MP_READER',
    [`${P}password`]: SECRET_PASSWORD,
    [`${P}schema`]: 'MARKET',
    [`${P}table`]: 'DEALER_COLORS',
  };
}

/** Behaves like SSM: returns only requested names that exist, the rest as InvalidParameters. */
function serveStore(): void {
  ssm.on(GetParametersCommand).callsFake((input: GetParametersCommandInput) => {
    const names = input.Names ?? [];
    return {
      Parameters: names
        .filter((n) => n in store)
        .map((n) => ({ Name: n, Value: store[n], Type: input.WithDecryption ? 'SecureString' : 'String' })),
      InvalidParameters: names.filter((n) => !(n in store)),
    };
  });
}

function sdkCalls(): number {
  return ssm.commandCalls(GetParametersCommand).length + ssm.commandCalls(GetParameterCommand).length;
}

function recordingLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (message: string, extra?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(extra ?? {})}`);
  };
  return { lines, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

function denied(message: string): AccessDeniedException {
  return new AccessDeniedException({ message, Message: message, $metadata: {} });
}

async function failure(settings: SsmSettings): Promise<SettingsError> {
  const error = await settings.get().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SettingsError);
  expect((error as SettingsError).code).toBe('SETTINGS_UNAVAILABLE');
  return error as SettingsError;
}

beforeEach(() => {
  ssm.reset();
  clearCaches();
  store = baseStore();
  serveStore();
  vi.stubEnv('AWS_REGION', 'eu-central-1');
  vi.stubEnv('SETTINGS_TTL_SECONDS', '');
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

describe('SsmSettings: reading', () => {
  it('reads every parameter in one decrypted GetParameters call and parses them', async () => {
    const settings = await new SsmSettings({ stage: 'dev' }).get();
    expect(settings).toEqual({
      host: 'db.example.internal',
      port: 1521,
      serviceName: 'ORCLPDB1',
      username: 'MP_READER',
      password: SECRET_PASSWORD,
      schema: 'MARKET',
      table: 'DEALER_COLORS',
    });
    expect(settings.wallet).toBeUndefined();
    const calls = ssm.commandCalls(GetParametersCommand);
    expect(calls).toHaveLength(1);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
    const input = calls[0]!.args[0].input;
    expect(input.WithDecryption).toBe(true);
    expect([...(input.Names ?? [])].sort()).toEqual(
      ['host', 'port', 'service-name', 'username', 'password', 'schema', 'table', 'wallet', 'wallet-password'].map((n) => P + n).sort(),
    );
  });

  it('returns the optional wallet pair when the stage has one', async () => {
    store[`${P}wallet`] = SECRET_WALLET;
    store[`${P}wallet-password`] = SECRET_WALLET_PASSWORD;
    const settings = await new SsmSettings({ stage: 'dev' }).get();
    expect(settings.wallet).toBe(SECRET_WALLET);
    expect(settings.walletPassword).toBe(SECRET_WALLET_PASSWORD);
  });

  it('treats a wallet pair still holding the stack placeholder as no wallet', async () => {
    store[`${P}wallet`] = 'CHANGE_ME';
    store[`${P}wallet-password`] = 'CHANGE_ME';
    const settings = await new SsmSettings({ stage: 'dev' }).get();
    expect(settings.wallet).toBeUndefined();
    expect(settings.walletPassword).toBeUndefined();
  });

  it('trims non-secret values but keeps the password verbatim', async () => {
    store[`${P}schema`] = 'MARKET\n';
    store[`${P}port`] = ' 1522 ';
    store[`${P}password`] = ` ${SECRET_PASSWORD} `;
    const settings = await new SsmSettings({ stage: 'dev' }).get();
    expect(settings.schema).toBe('MARKET');
    expect(settings.port).toBe(1522);
    expect(settings.password).toBe(` ${SECRET_PASSWORD} `);
  });

  it('works with an injected provider (e.g. a VPC endpoint client)', async () => {
    const provider = new SSMProvider({ awsSdkV3Client: new SSMClient({ region: 'eu-central-1' }) });
    const settings = await new SsmSettings({ stage: 'dev', provider }).get();
    expect(settings.port).toBe(1521);
    expect(sdkCalls()).toBe(1);
  });
});

describe('SsmSettings: configuration errors', () => {
  it('lists every missing parameter in one error and says how to create them', async () => {
    delete store[`${P}host`];
    delete store[`${P}password`];
    delete store[`${P}table`];
    const error = await failure(new SsmSettings({ stage: 'dev' }));
    for (const name of ['host', 'password', 'table']) expect(error.message).toContain(P + name);
    expect(error.message).not.toContain(`${P}port`);
    expect(error.message).toContain('cdk deploy');
    expect(error.message).toContain(`aws ssm put-parameter --name ${P}password --type SecureString --key-id alias/market-pulse-dev`);
    expect(error.message).toContain(`aws ssm put-parameter --name ${P}host --type String`);
  });

  it('reports every invalid value at once: port, schema with a quote, table with a space', async () => {
    store[`${P}port`] = 'abc';
    store[`${P}schema`] = 'MARKET"; DROP';
    store[`${P}table`] = 'DEALER COLORS';
    const error = await failure(new SsmSettings({ stage: 'dev' }));
    expect(error.message).toMatch(new RegExp(`${P}port is not an integer between 1 and 65535`));
    expect(error.message).toContain(`${P}schema is not a valid Oracle identifier`);
    expect(error.message).toContain(`${P}table is not a valid Oracle identifier`);
    expect(error.message).toContain('3 problem(s)');
  });

  it.each(['0', '65536', '15.21', '-1', ''])('rejects port %j', async (port) => {
    store[`${P}port`] = port;
    const error = await failure(new SsmSettings({ stage: 'dev' }));
    expect(error.message).toContain(`${P}port`);
  });

  it('says which parameters still hold the placeholder and how to set them', async () => {
    store[`${P}host`] = 'CHANGE_ME';
    store[`${P}password`] = 'CHANGE_ME';
    const error = await failure(new SsmSettings({ stage: 'dev' }));
    expect(error.message).toContain(`${P}host still holds the placeholder CHANGE_ME`);
    expect(error.message).toContain(`aws ssm put-parameter --name ${P}host --type String --overwrite`);
    expect(error.message).toContain(`${P}password still holds the placeholder CHANGE_ME`);
    expect(error.message).toContain(
      `aws ssm put-parameter --name ${P}password --type SecureString --key-id alias/market-pulse-dev --overwrite`,
    );
    expect(error.message).toContain('2 problem(s)'); // one line per parameter, no duplicate "required" noise
  });

  it('requires wallet-password when a wallet is set, and the other way round', async () => {
    store[`${P}wallet`] = SECRET_WALLET;
    let error = await failure(new SsmSettings({ stage: 'dev' }));
    expect(error.message).toContain(`${P}wallet is set but ${P}wallet-password is not`);

    delete store[`${P}wallet`];
    store[`${P}wallet-password`] = SECRET_WALLET_PASSWORD;
    clearCaches();
    error = await failure(new SsmSettings({ stage: 'dev' }));
    expect(error.message).toContain(`${P}wallet-password is set but ${P}wallet is not`);
  });

  it('rejects an invalid stage and an invalid TTL with a clear error', () => {
    expect(() => new SsmSettings({ stage: 'Prod' })).toThrow(/invalid stage "Prod"/);
    expect(() => new SsmSettings({ stage: '../x' })).toThrow(SettingsError);
    expect(() => new SsmSettings({ stage: 'dev', ttlSeconds: -1 })).toThrow(/ttlSeconds/);
    vi.stubEnv('SETTINGS_TTL_SECONDS', 'soon');
    expect(() => new SsmSettings({ stage: 'dev' })).toThrow(/SETTINGS_TTL_SECONDS/);
  });

  it('does not keep bad values: the next get() sees the operator fix', async () => {
    store[`${P}port`] = 'abc';
    const provider = new SsmSettings({ stage: 'dev' });
    await failure(provider);
    store[`${P}port`] = '1521';
    expect((await provider.get()).port).toBe(1521);
    expect(sdkCalls()).toBe(2);
  });
});

describe('SsmSettings: AWS errors', () => {
  const role = 'arn:aws:sts::123456789012:assumed-role/market-pulse-dev-RunColors/market-pulse-dev-run-colors';

  it('access denied names the parameters, ssm:GetParameters and the role', async () => {
    ssm
      .on(GetParametersCommand)
      .rejects(
        denied(
          `User: ${role} is not authorized to perform: ssm:GetParameters on resource: arn:aws:ssm:eu-central-1:123456789012:parameter${P}host`,
        ),
      );
    const error = await failure(new SsmSettings({ stage: 'dev' }));
    expect(error.message).toMatch(/access denied/i);
    expect(error.message).toContain('ssm:GetParameters');
    expect(error.message).toContain('the role market-pulse-dev-RunColors');
    expect(error.message).toContain(`${P}{host,port,service-name,username,password,schema,table,wallet,wallet-password}`);
  });

  it.each([
    [
      'SSM relaying a KMS AccessDenied',
      denied(
        'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access. (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException)',
      ),
    ],
    [
      'kms:Decrypt not allowed',
      denied(`User: ${role} is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:eu-central-1:123456789012:key/abc`),
    ],
    ['InvalidKeyId', new InvalidKeyId({ message: 'key is disabled', $metadata: {} })],
    [
      'KMSDisabledException',
      new SSMServiceException({ name: 'KMSDisabledException', $fault: 'client', message: 'key disabled', $metadata: {} }),
    ],
  ])('KMS failure (%s) says decryption failed and what the role needs', async (_label, rejection) => {
    ssm.on(GetParametersCommand).rejects(rejection);
    const error = await failure(new SsmSettings({ stage: 'dev' }));
    expect(error.message).toMatch(/decrypting SSM SecureString parameters failed/);
    expect(error.message).toContain('kms:Decrypt');
    expect(error.message).toContain('alias/market-pulse-dev');
    expect(error.message).not.toMatch(/ssm:GetParameters on/);
  });

  it('throttling says so', async () => {
    ssm.on(GetParametersCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: {} }));
    const error = await failure(new SsmSettings({ stage: 'dev' }));
    expect(error.message).toMatch(/throttled/);
  });

  it('any other failure still names what was being read', async () => {
    ssm.on(GetParametersCommand).rejects(new Error('getaddrinfo ENOTFOUND ssm.eu-central-1.amazonaws.com'));
    const error = await failure(new SsmSettings({ stage: 'dev' }));
    expect(error.message).toContain(`reading ${P}`);
    expect(error.message).toContain('ENOTFOUND');
  });
});

describe('SsmSettings: caching and rotation', () => {
  it('serves a second get() within the TTL from the cache (one SDK call), even without a wallet', async () => {
    const provider = new SsmSettings({ stage: 'dev', ttlSeconds: 300 });
    const first = await provider.get();
    const second = await provider.get();
    expect(second).toEqual(first);
    expect(sdkCalls()).toBe(1);
  });

  it('shares one read between concurrent callers', async () => {
    const provider = new SsmSettings({ stage: 'dev' });
    await Promise.all([provider.get(), provider.get(), provider.get()]);
    expect(sdkCalls()).toBe(1);
  });

  it('reads SSM again once the TTL has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-20T10:00:00Z'));
    const provider = new SsmSettings({ stage: 'dev', ttlSeconds: 60 });
    await provider.get();
    vi.setSystemTime(new Date('2026-11-20T10:00:59Z'));
    store[`${P}host`] = 'db2.example.internal';
    expect((await provider.get()).host).toBe('db.example.internal');
    expect(sdkCalls()).toBe(1);
    vi.setSystemTime(new Date('2026-11-20T10:01:01Z'));
    expect((await provider.get()).host).toBe('db2.example.internal');
    expect(sdkCalls()).toBe(2);
  });

  it('takes its default TTL from SETTINGS_TTL_SECONDS', async () => {
    vi.stubEnv('SETTINGS_TTL_SECONDS', '10');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-20T10:00:00Z'));
    const provider = new SsmSettings({ stage: 'dev' });
    expect(provider.ttlSeconds).toBe(10);
    await provider.get();
    vi.setSystemTime(new Date('2026-11-20T10:00:11Z'));
    await provider.get();
    expect(sdkCalls()).toBe(2);
  });

  it('defaults to a 300 s TTL', () => {
    expect(new SsmSettings({ stage: 'dev' }).ttlSeconds).toBe(300);
  });

  it('invalidate() forces a fresh read that sees a rotated password', async () => {
    const provider = new SsmSettings({ stage: 'dev', ttlSeconds: 300 });
    expect((await provider.get()).password).toBe(SECRET_PASSWORD);
    store[`${P}password`] = `${SECRET_PASSWORD}-rotated`;
    expect((await provider.get()).password).toBe(SECRET_PASSWORD); // still cached
    provider.invalidate();
    expect((await provider.get()).password).toBe(`${SECRET_PASSWORD}-rotated`);
    expect(sdkCalls()).toBe(2);
  });

  it('a read started before invalidate() does not refill the cache with old values', async () => {
    const provider = new SsmSettings({ stage: 'dev', ttlSeconds: 300 });
    const before = provider.get();
    provider.invalidate();
    store[`${P}password`] = `${SECRET_PASSWORD}-rotated`;
    await before;
    expect((await provider.get()).password).toBe(`${SECRET_PASSWORD}-rotated`);
  });
});

describe('SsmSettings: secrets never leak', () => {
  function chain(error: unknown): string {
    const parts: string[] = [];
    for (let e: unknown = error; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) {
      parts.push(String(e), (e as Error).stack ?? '', JSON.stringify(e, Object.getOwnPropertyNames(e)));
      if (!(e instanceof Error)) break;
    }
    return parts.join('\n');
  }

  it('no error message, cause chain or log line contains a password or wallet value', async () => {
    const log = recordingLog();
    const seen: string[] = [];
    const scenarios: Array<() => void> = [
      () => undefined, // success, with a wallet
      () => (store[`${P}port`] = 'abc'),
      () => (store[`${P}host`] = 'CHANGE_ME'),
      () => delete store[`${P}wallet-password`],
      () => delete store[`${P}wallet`],
      () => delete store[`${P}username`],
      () => (store[`${P}username`] = SECRET_PASSWORD.slice(0, 0)), // empty username
      () => ssm.on(GetParametersCommand).rejects(denied('not authorized to perform: ssm:GetParameters')),
      () => ssm.on(GetParametersCommand).rejects(denied('not authorized to perform: kms:Decrypt')),
    ];
    for (const scenario of scenarios) {
      ssm.reset();
      clearCaches();
      store = { ...baseStore(), [`${P}wallet`]: SECRET_WALLET, [`${P}wallet-password`]: SECRET_WALLET_PASSWORD };
      serveStore();
      scenario();
      const provider = new SsmSettings({ stage: 'dev', log });
      await provider.get().then(
        () => seen.push('ok'),
        (error: unknown) => seen.push(chain(error)),
      );
      provider.invalidate();
    }
    expect(seen.filter((s) => s === 'ok')).toHaveLength(1);
    expect(seen.length).toBe(scenarios.length);
    expect(log.lines.length).toBeGreaterThan(0);
    const everything = [...seen, ...log.lines].join('\n');
    for (const secret of SECRETS) expect(everything).not.toContain(secret);
  });
});
