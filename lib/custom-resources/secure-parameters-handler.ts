/**
 * Provider of `Custom::MarketPulseParameters` (lib/secure-parameters.ts): it creates the stage's SSM
 * parameters with a placeholder when they are absent and never overwrites one that exists.
 *
 * CloudFormation cannot create SecureString parameters, and a parameter CloudFormation owns would be
 * reset to the template's value whenever its resource changes. So:
 * - Create and Update put every listed parameter with `Overwrite: false`; `ParameterAlreadyExists`
 *   means someone set it (or an earlier stack made it) and it is left exactly as it is.
 * - Update never deletes: a parameter dropped from the list (say, the wallet pair) keeps its value.
 * - Delete keeps every parameter unless the resource says DeleteOnStackDelete=true, and even then
 *   deletes only parameters this stack created (tagged with its stack id at creation), so a rollback
 *   cannot remove values that were there before.
 * Responses carry parameter names only; the placeholder is the only value this code ever writes.
 */
import { request } from 'node:https';
import {
  DeleteParameterCommand,
  InvalidResourceId,
  ListTagsForResourceCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';

/** Tag put on each parameter this provider creates; its value is the creating stack's id. */
export const CREATED_BY_TAG = 'market-pulse:created-by-stack';

export interface SeedParameter {
  readonly Name: string;
  readonly Type: 'String' | 'SecureString';
}

export interface SeedProperties {
  readonly Parameters: readonly SeedParameter[];
  /** KMS key for the SecureStrings (ARN, id or alias). */
  readonly KeyId: string;
  readonly Placeholder: string;
  /** CloudFormation passes booleans as strings. */
  readonly DeleteOnStackDelete: 'true' | 'false';
  readonly Description?: string;
}

export interface SeedResult {
  readonly PhysicalResourceId: string;
  readonly Data: { readonly Created: string; readonly Kept: string; readonly Deleted: string };
}

type SsmLike = Pick<SSMClient, 'send'>;
type Log = (message: string, fields: Record<string, unknown>) => void;

/** The create/update/delete logic, without the CloudFormation response plumbing. */
export async function applyEvent(event: CloudFormationCustomResourceEvent, ssm: SsmLike, log: Log = () => {}): Promise<SeedResult> {
  const props = readProperties(event.ResourceProperties);
  const names = props.Parameters.map((p) => p.Name);
  if (event.RequestType === 'Delete') {
    const deleted: string[] = [];
    if (props.DeleteOnStackDelete === 'true') {
      for (const name of names) {
        if (await deleteIfOurs(ssm, name, event.StackId)) deleted.push(name);
      }
    }
    log('delete', { deleted, kept: names.filter((n) => !deleted.includes(n)), deleteOnStackDelete: props.DeleteOnStackDelete });
    return { PhysicalResourceId: event.PhysicalResourceId, Data: { Created: '', Kept: '', Deleted: deleted.join(',') } };
  }

  const created: string[] = [];
  const kept: string[] = [];
  for (const parameter of props.Parameters) {
    if (await createIfAbsent(ssm, parameter, props, event.StackId)) created.push(parameter.Name);
    else kept.push(parameter.Name);
  }
  log(event.RequestType.toLowerCase(), { created, kept });
  // An Update keeps its physical id, so CloudFormation never follows it with a Delete of the "old" resource.
  const physicalResourceId = event.RequestType === 'Update' ? event.PhysicalResourceId : `market-pulse-parameters:${commonPrefix(names)}`;
  return { PhysicalResourceId: physicalResourceId, Data: { Created: created.join(','), Kept: kept.join(','), Deleted: '' } };
}

async function createIfAbsent(ssm: SsmLike, parameter: SeedParameter, props: SeedProperties, stackId: string): Promise<boolean> {
  try {
    await ssm.send(
      new PutParameterCommand({
        Name: parameter.Name,
        Value: props.Placeholder,
        Type: parameter.Type,
        ...(parameter.Type === 'SecureString' ? { KeyId: props.KeyId } : {}),
        Overwrite: false,
        Tier: 'Standard',
        ...(props.Description ? { Description: props.Description } : {}),
        Tags: [{ Key: CREATED_BY_TAG, Value: stackId }],
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ParameterAlreadyExists || (error as { name?: string }).name === 'ParameterAlreadyExists') return false;
    throw new Error(`creating ${parameter.Name} failed: ${describe(error)}`, { cause: error });
  }
}

async function deleteIfOurs(ssm: SsmLike, name: string, stackId: string): Promise<boolean> {
  let createdBy: string | undefined;
  try {
    const tags = await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name }));
    createdBy = tags.TagList?.find((tag) => tag.Key === CREATED_BY_TAG)?.Value;
  } catch (error) {
    if (isMissing(error)) return false;
    throw new Error(`reading the tags of ${name} failed: ${describe(error)}`, { cause: error });
  }
  if (createdBy !== stackId) return false;
  try {
    await ssm.send(new DeleteParameterCommand({ Name: name }));
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw new Error(`deleting ${name} failed: ${describe(error)}`, { cause: error });
  }
}

function isMissing(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return (
    error instanceof ParameterNotFound || error instanceof InvalidResourceId || name === 'ParameterNotFound' || name === 'InvalidResourceId'
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error).slice(0, 300);
}

export function readProperties(raw: Record<string, unknown>): SeedProperties {
  const problems: string[] = [];
  const parameters = raw.Parameters;
  if (!Array.isArray(parameters) || parameters.length === 0) problems.push('Parameters must be a non-empty list');
  else {
    parameters.forEach((p: unknown, i) => {
      const { Name, Type } = (p ?? {}) as Record<string, unknown>;
      if (typeof Name !== 'string' || !/^\/[A-Za-z0-9_.\-/]+$/.test(Name)) {
        problems.push(`Parameters[${i}].Name must be an SSM parameter path`);
      }
      if (Type !== 'String' && Type !== 'SecureString') problems.push(`Parameters[${i}].Type must be String or SecureString`);
    });
  }
  if (typeof raw.KeyId !== 'string' || raw.KeyId === '') problems.push('KeyId must name the KMS key');
  if (typeof raw.Placeholder !== 'string' || raw.Placeholder === '') problems.push('Placeholder must be a non-empty string');
  const deleteOnStackDelete = String(raw.DeleteOnStackDelete ?? 'false');
  if (deleteOnStackDelete !== 'true' && deleteOnStackDelete !== 'false') problems.push('DeleteOnStackDelete must be true or false');
  if (problems.length > 0) throw new Error(`invalid Custom::MarketPulseParameters properties: ${problems.join('; ')}`);
  return {
    Parameters: parameters as SeedParameter[],
    KeyId: raw.KeyId as string,
    Placeholder: raw.Placeholder as string,
    DeleteOnStackDelete: deleteOnStackDelete as 'true' | 'false',
    ...(typeof raw.Description === 'string' ? { Description: raw.Description } : {}),
  };
}

function commonPrefix(names: readonly string[]): string {
  const first = names[0] ?? '';
  let end = first.length;
  for (const name of names) {
    let i = 0;
    while (i < end && i < name.length && name[i] === first[i]) i += 1;
    end = i;
  }
  return first.slice(0, end);
}

/** The response CloudFormation waits for, whatever happened; a failure carries the reason. */
export async function responseFor(
  event: CloudFormationCustomResourceEvent,
  ssm: SsmLike,
  log: Log,
): Promise<CloudFormationCustomResourceResponse> {
  const base = { StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
  try {
    const result = await applyEvent(event, ssm, log);
    return { ...base, Status: 'SUCCESS', PhysicalResourceId: result.PhysicalResourceId, Data: result.Data };
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    log('failed', { reason });
    const physicalResourceId =
      event.RequestType === 'Create' ? `market-pulse-parameters:failed:${event.RequestId}` : event.PhysicalResourceId;
    return { ...base, Status: 'FAILED', PhysicalResourceId: physicalResourceId, Reason: reason };
  }
}

/** PUTs the response to the pre-signed S3 URL CloudFormation gave (content-type must stay empty). */
export function putResponse(url: string, response: CloudFormationCustomResourceResponse): Promise<void> {
  const body = JSON.stringify(response);
  return new Promise((resolvePromise, reject) => {
    const req = request(url, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== undefined && res.statusCode < 300) resolvePromise();
        else reject(new Error(`CloudFormation response upload returned HTTP ${res.statusCode}`));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface HandlerDeps {
  readonly ssm: SsmLike;
  readonly respond: (url: string, response: CloudFormationCustomResourceResponse) => Promise<void>;
  readonly log?: Log;
}

export function createHandler(deps: HandlerDeps): (event: CloudFormationCustomResourceEvent) => Promise<void> {
  const log = deps.log ?? ((message, fields) => console.log(JSON.stringify({ message, ...fields })));
  return async (event) => {
    const response = await responseFor(event, deps.ssm, log);
    await deps.respond(event.ResponseURL, response);
  };
}

export const handler = createHandler({ ssm: new SSMClient({}), respond: putResponse });
