/**
 * Reads a synthesized KMS key policy the way KMS does for one request, so a test can ask "may this
 * principal do this, through that service, with that encryption context?" instead of only comparing
 * statements. It covers what the stack's key policy uses (Allow statements; StringEquals, StringLike,
 * ArnLike and Bool; single values or lists) and throws on anything else, so a new kind of condition
 * cannot pass unexamined. The account root in a key policy only lets IAM policies grant: it never
 * matches a role here, and the roles the tests ask about get no KMS permission from IAM.
 */
import type { Statement } from './synth.js';

export interface KmsRequest {
  /** The caller's role ARN, or the template's reference to it (`{ "Fn::GetAtt": [role, "Arn"] }`). */
  readonly principal: string | object;
  readonly action: string;
  /** e.g. ssm.eu-central-1.amazonaws.com when SSM calls KMS for the caller; absent for a direct call. */
  readonly viaService?: string;
  readonly encryptionContext?: Readonly<Record<string, string>>;
}

/** The Sid of the statement that allows the request, or undefined when none does (KMS denies). */
export function allowingStatement(statements: readonly Statement[], request: KmsRequest): string | undefined {
  const match = statements.find(
    (statement) =>
      statement.Effect === 'Allow' &&
      namesPrincipal(statement, request.principal) &&
      namesAction(statement, request.action) &&
      conditionsHold(statement, request),
  );
  return match === undefined ? undefined : (match.Sid ?? '(no sid)');
}

function namesPrincipal(statement: Statement, principal: string | object): boolean {
  const aws = (statement.Principal as { AWS?: unknown } | undefined)?.AWS;
  return (Array.isArray(aws) ? aws : [aws]).some((named) => JSON.stringify(named) === JSON.stringify(principal));
}

function namesAction(statement: Statement, action: string): boolean {
  const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
  return actions.some((pattern) => glob(pattern).test(action));
}

function conditionsHold(statement: Statement, request: KmsRequest): boolean {
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => {
      const actual = contextValue(key, request);
      if (actual === undefined) return false;
      const values = (Array.isArray(expected) ? expected : [expected]).map(String);
      switch (operator) {
        case 'StringEquals':
        case 'Bool':
          return values.includes(actual);
        case 'StringLike':
        case 'ArnLike':
          return values.some((pattern) => glob(pattern).test(actual));
        default:
          throw new Error(`key-policy reader: condition operator ${operator} is not understood`);
      }
    }),
  );
}

function contextValue(key: string, request: KmsRequest): string | undefined {
  if (key === 'kms:ViaService') return request.viaService;
  if (key.startsWith('kms:EncryptionContext:')) return request.encryptionContext?.[key.slice('kms:EncryptionContext:'.length)];
  if (key === 'kms:GrantIsForAWSResource') return 'false';
  throw new Error(`key-policy reader: condition key ${key} is not understood`);
}

/** IAM's wildcards: `*` any run of characters, `?` one. */
function glob(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}
