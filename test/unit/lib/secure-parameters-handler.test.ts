/**
 * The create/update/delete logic behind Custom::MarketPulseParameters, against a mocked SSM that
 * behaves like Parameter Store: PutParameter with Overwrite=false fails with ParameterAlreadyExists
 * when the name exists, and values only change through an explicit overwrite.
 */
import {
  DeleteParameterCommand,
  InvalidResourceId,
  ListTagsForResourceCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  type PutParameterCommandInput,
  SSMClient,
} from '@aws-sdk/client-ssm';
import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyEvent, CREATED_BY_TAG, createHandler } from '../../../lib/custom-resources/secure-parameters-handler.js';

const P = '/market-pulse/dev/oracle/';
const STACK_ID = 'arn:aws:cloudformation:eu-central-1:111111111111:stack/MarketPulse-dev/0f6c0a50-0000-4000-8000-000000000001';
const OTHER_STACK_ID = 'arn:aws:cloudformation:eu-central-1:111111111111:stack/MarketPulse-dev/0f6c0a50-0000-4000-8000-000000000000';
const KEY = 'arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ROTATED = 'rotated-in-the-console-S3cr3t';

const PROPERTIES = {
  ServiceToken: 'arn:aws:lambda:eu-central-1:111111111111:function:provider',
  Parameters: [
    { Name: `${P}host`, Type: 'String' },
    { Name: `${P}password`, Type: 'SecureString' },
  ],
  KeyId: KEY,
  Placeholder: 'CHANGE_ME',
  DeleteOnStackDelete: 'false',
  Description: 'market-pulse dev Oracle setting',
};

interface Stored {
  value: string;
  type: string;
  keyId?: string;
  tags: Record<string, string>;
}

const ssm = mockClient(SSMClient);
let store: Map<string, Stored>;

/** Parameter Store, as far as this provider can see it. */
function fakeParameterStore(): void {
  ssm.reset();
  store = new Map();
  ssm.on(PutParameterCommand).callsFake((input: PutParameterCommandInput) => {
    const name = input.Name ?? '';
    if (store.has(name) && input.Overwrite !== true) {
      throw new ParameterAlreadyExists({
        message: 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
        $metadata: {},
      });
    }
    store.set(name, {
      value: input.Value ?? '',
      type: input.Type ?? 'String',
      ...(input.KeyId ? { keyId: input.KeyId } : {}),
      tags: Object.fromEntries((input.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
    });
    return { Version: 1, Tier: 'Standard' };
  });
  ssm.on(ListTagsForResourceCommand).callsFake((input: { ResourceId?: string }) => {
    const found = store.get(input.ResourceId ?? '');
    if (!found) throw new InvalidResourceId({ message: 'not found', $metadata: {} });
    return { TagList: Object.entries(found.tags).map(([Key, Value]) => ({ Key, Value })) };
  });
  ssm.on(DeleteParameterCommand).callsFake((input: { Name?: string }) => {
    if (!store.delete(input.Name ?? '')) throw new ParameterNotFound({ message: 'not found', $metadata: {} });
    return {};
  });
}

function event(
  requestType: 'Create' | 'Update' | 'Delete',
  properties: Record<string, unknown> = PROPERTIES,
  physicalResourceId = `market-pulse-parameters:${P}`,
): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: PROPERTIES.ServiceToken,
    ResponseURL: 'https://cloudformation-custom-resource-response.example/response',
    StackId: STACK_ID,
    RequestId: 'request-1',
    LogicalResourceId: 'OracleParametersSeed',
    ResourceType: 'Custom::MarketPulseParameters',
    ResourceProperties: { ServiceToken: PROPERTIES.ServiceToken, ...properties },
  };
  if (requestType === 'Create') return { ...base, RequestType: 'Create' };
  if (requestType === 'Update')
    return {
      ...base,
      RequestType: 'Update',
      PhysicalResourceId: physicalResourceId,
      OldResourceProperties: { ServiceToken: PROPERTIES.ServiceToken, ...properties },
    };
  return { ...base, RequestType: 'Delete', PhysicalResourceId: physicalResourceId };
}

function putCalls(): PutParameterCommandInput[] {
  return ssm.commandCalls(PutParameterCommand).map((call) => call.args[0].input);
}

beforeEach(fakeParameterStore);

describe('Create', () => {
  it('creates each absent parameter with the placeholder, never overwriting, SecureStrings under the stage key, tagged with the stack', async () => {
    const result = await applyEvent(event('Create'), ssm as unknown as SSMClient);

    expect(putCalls()).toEqual([
      {
        Name: `${P}host`,
        Value: 'CHANGE_ME',
        Type: 'String',
        Overwrite: false,
        Tier: 'Standard',
        Description: 'market-pulse dev Oracle setting',
        Tags: [{ Key: CREATED_BY_TAG, Value: STACK_ID }],
      },
      {
        Name: `${P}password`,
        Value: 'CHANGE_ME',
        Type: 'SecureString',
        KeyId: KEY,
        Overwrite: false,
        Tier: 'Standard',
        Description: 'market-pulse dev Oracle setting',
        Tags: [{ Key: CREATED_BY_TAG, Value: STACK_ID }],
      },
    ]);
    expect(result).toEqual({
      PhysicalResourceId: `market-pulse-parameters:${P}`,
      Data: { Created: `${P}host,${P}password`, Kept: '', Deleted: '' },
    });
    expect(store.get(`${P}password`)).toMatchObject({ value: 'CHANGE_ME', type: 'SecureString', keyId: KEY });
  });

  it('leaves a parameter that already exists exactly as it is (a value set before the stack, or kept from a deleted one)', async () => {
    store.set(`${P}password`, { value: ROTATED, type: 'SecureString', keyId: KEY, tags: {} });

    const result = await applyEvent(event('Create'), ssm as unknown as SSMClient);

    expect(store.get(`${P}password`)?.value).toBe(ROTATED);
    expect(result.Data).toEqual({ Created: `${P}host`, Kept: `${P}password`, Deleted: '' });
    expect(putCalls().every((input) => input.Overwrite === false)).toBe(true);
  });
});

describe('Update (a later cdk deploy that changed the resource)', () => {
  it('never overwrites a value rotated in the console, and keeps its physical id', async () => {
    await applyEvent(event('Create'), ssm as unknown as SSMClient);
    // An operator rotates the password and sets the host outside CloudFormation.
    store.set(`${P}password`, { ...(store.get(`${P}password`) as Stored), value: ROTATED });
    store.set(`${P}host`, { ...(store.get(`${P}host`) as Stored), value: 'db.example.internal' });

    const result = await applyEvent(
      event('Update', { ...PROPERTIES, Description: 'changed' }, 'the-physical-id'),
      ssm as unknown as SSMClient,
    );

    expect(store.get(`${P}password`)?.value).toBe(ROTATED);
    expect(store.get(`${P}host`)?.value).toBe('db.example.internal');
    expect(result).toEqual({ PhysicalResourceId: 'the-physical-id', Data: { Created: '', Kept: `${P}host,${P}password`, Deleted: '' } });
    expect(putCalls().some((input) => input.Overwrite !== false)).toBe(false);
    expect(ssm.commandCalls(DeleteParameterCommand)).toHaveLength(0);
  });

  it('creates a parameter newly added to the list (the wallet pair) and keeps one dropped from it', async () => {
    await applyEvent(event('Create'), ssm as unknown as SSMClient);
    const withWallet = { ...PROPERTIES, Parameters: [...PROPERTIES.Parameters, { Name: `${P}wallet`, Type: 'SecureString' }] };
    await applyEvent(event('Update', withWallet), ssm as unknown as SSMClient);
    expect(store.get(`${P}wallet`)).toMatchObject({ value: 'CHANGE_ME', type: 'SecureString' });

    await applyEvent(event('Update', PROPERTIES), ssm as unknown as SSMClient);
    expect(store.has(`${P}wallet`)).toBe(true);
    expect(ssm.commandCalls(DeleteParameterCommand)).toHaveLength(0);
  });
});

describe('Delete (stack deletion, or a rollback)', () => {
  it('keeps every parameter by default and does not even look at them', async () => {
    await applyEvent(event('Create'), ssm as unknown as SSMClient);
    ssm.resetHistory();

    const result = await applyEvent(event('Delete'), ssm as unknown as SSMClient);

    expect(ssm.calls()).toHaveLength(0);
    expect([...store.keys()]).toEqual([`${P}host`, `${P}password`]);
    expect(result.Data.Deleted).toBe('');
  });

  it('with DeleteOnStackDelete=true deletes only the parameters this stack created', async () => {
    store.set(`${P}password`, { value: ROTATED, type: 'SecureString', keyId: KEY, tags: { [CREATED_BY_TAG]: OTHER_STACK_ID } });
    const deleting = { ...PROPERTIES, DeleteOnStackDelete: 'true' };
    await applyEvent(event('Create', deleting), ssm as unknown as SSMClient);

    const result = await applyEvent(event('Delete', deleting), ssm as unknown as SSMClient);

    expect(result.Data.Deleted).toBe(`${P}host`);
    expect(store.get(`${P}password`)?.value).toBe(ROTATED);
    expect(store.has(`${P}host`)).toBe(false);
  });

  it('with DeleteOnStackDelete=true tolerates parameters someone already deleted', async () => {
    const deleting = { ...PROPERTIES, DeleteOnStackDelete: 'true' };
    const result = await applyEvent(event('Delete', deleting), ssm as unknown as SSMClient);
    expect(result.Data.Deleted).toBe('');
  });
});

describe('the CloudFormation response', () => {
  async function respond(e: CloudFormationCustomResourceEvent): Promise<{ url: string; response: CloudFormationCustomResourceResponse }> {
    const sent: { url: string; response: CloudFormationCustomResourceResponse }[] = [];
    const handler = createHandler({
      ssm: ssm as unknown as SSMClient,
      respond: async (url, response) => void sent.push({ url, response }),
      log: () => {},
    });
    await handler(e);
    expect(sent).toHaveLength(1);
    return sent[0] as { url: string; response: CloudFormationCustomResourceResponse };
  }

  it('reports SUCCESS with the physical id and the names it created, to the URL CloudFormation gave', async () => {
    const { url, response } = await respond(event('Create'));
    expect(url).toBe('https://cloudformation-custom-resource-response.example/response');
    expect(response).toEqual({
      Status: 'SUCCESS',
      StackId: STACK_ID,
      RequestId: 'request-1',
      LogicalResourceId: 'OracleParametersSeed',
      PhysicalResourceId: `market-pulse-parameters:${P}`,
      Data: { Created: `${P}host,${P}password`, Kept: '', Deleted: '' },
    });
  });

  it('reports FAILED with the reason (never a value) when SSM refuses, so the deploy stops instead of hanging', async () => {
    ssm
      .on(PutParameterCommand)
      .rejects(Object.assign(new Error('User is not authorized to perform kms:Encrypt'), { name: 'AccessDeniedException' }));
    const { response } = await respond(event('Create'));
    expect(response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'market-pulse-parameters:failed:request-1' });
    expect(response.Reason).toBe(`creating ${P}host failed: AccessDeniedException: User is not authorized to perform kms:Encrypt`);
    expect(JSON.stringify(response)).not.toContain('CHANGE_ME');
  });

  it('reports FAILED for properties it cannot use', async () => {
    const { response } = await respond(event('Create', { ...PROPERTIES, Parameters: [{ Name: 'no-slash', Type: 'Plain' }], KeyId: '' }));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toBe(
      'invalid Custom::MarketPulseParameters properties: Parameters[0].Name must be an SSM parameter path; Parameters[0].Type must be String or SecureString; KeyId must name the KMS key',
    );
    expect(ssm.calls()).toHaveLength(0);
  });

  it('keeps the physical id when an Update fails, so CloudFormation does not delete anything on rollback', async () => {
    ssm.on(PutParameterCommand).rejects(new Error('boom'));
    const { response } = await respond(event('Update', PROPERTIES, 'kept-id'));
    expect(response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'kept-id' });
  });
});
