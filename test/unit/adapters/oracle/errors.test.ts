import { describe, expect, it } from 'vitest';
import {
  classifyOracleError,
  describe as describeError,
  isCredentialsOracleError,
  isTransientOracleError,
  oracleErrorCodes,
  redact,
  toSourceError,
} from '../../../../lambdas/adapters/oracle/errors.js';
import { CredentialsError, DatabaseError, SettingsError, TransientSourceError } from '../../../../lambdas/errors.js';
import { driverError, errorText } from '../../../helpers/fake-oracle.js';

describe('oracleErrorCodes', () => {
  it('reads code, errorNum and every code in the message, ORA padded to five digits', () => {
    const error = Object.assign(new Error('NJS-500: connection to Oracle Database was closed or broken\nORA-3113: end-of-file'), {
      code: 'NJS-500',
    });
    expect(oracleErrorCodes(error)).toEqual(['NJS-500', 'ORA-03113']);
    expect(oracleErrorCodes(Object.assign(new Error('logon denied'), { errorNum: 1017 }))).toEqual(['ORA-01017']);
    expect(oracleErrorCodes(driverError('DPI-1047', 'Cannot locate a 64-bit Oracle Client library'))).toEqual(['DPI-1047']);
  });

  it('finds nothing in things that are not errors', () => {
    expect(oracleErrorCodes(undefined)).toEqual([]);
    expect(oracleErrorCodes('ORA-00942')).toEqual([]);
    expect(oracleErrorCodes(new TypeError('x is undefined'))).toEqual([]);
  });
});

describe('classifyOracleError', () => {
  it.each([
    'ORA-12506',
    'ORA-12170',
    'ORA-12541',
    'ORA-03113',
    'ORA-03114',
    'ORA-03135',
    'ORA-12537',
    'ORA-01033',
    'DPI-1080',
    'DPI-1067',
    'NJS-500',
    'NJS-501',
    'NJS-503',
    'NJS-510',
    'NJS-521',
    'NJS-123',
  ])('%s is transient, with the cannot-connect hint', (code) => {
    const result = classifyOracleError(driverError(code));
    expect(result).toMatchObject({ kind: 'transient', code });
    expect(result.hint).toMatch(/VPN.*host and port.*security groups/);
    expect(isTransientOracleError(driverError(code))).toBe(true);
  });

  it('treats the connect refusal node-oracledb 26 thin mode really gives (NJS-503, no errorNum) as transient', () => {
    const error = driverError(
      'NJS-503',
      'connection to host 127.0.0.1 port 1 could not be established. (CONNECTION_ID=x)\nconnect ECONNREFUSED 127.0.0.1:1',
    );
    expect(error.errorNum).toBeUndefined();
    expect(classifyOracleError(error).kind).toBe('transient');
  });

  it.each([
    ['ORA-01017', /username and password parameters in SSM/],
    ['ORA-28001', /expired.*SSM password parameter/],
    ['ORA-28000', /locked.*unlock/],
  ])('%s is a credentials problem', (code, hint) => {
    const result = classifyOracleError(driverError(code));
    expect(result.kind).toBe('credentials');
    expect(result.hint).toMatch(hint);
    expect(isCredentialsOracleError(driverError(code))).toBe(true);
  });

  it.each([
    ['ORA-00942', /schema and table parameters.*SELECT.*market-pulse extract/],
    ['ORA-00904', /"columns" map.*extract/],
    ['DPI-1047', /Instant Client layer.*\/opt\/lib/],
    ['NJS-138', /12\.1.*ORACLE_CLIENT_MODE=thick/],
    ['NJS-533', /Native Network Encryption.*ORACLE_CLIENT_MODE=thick/],
    ['ORA-12660', /Native Network Encryption/],
    ['NJS-518', /service-name parameter/],
    ['NJS-530', /host parameter/],
    ['NJS-506', /wallet/],
    ['ORA-01031', /CREATE SESSION and SELECT/],
    ['ORA-01882', /window\.timeZone/],
    ['ORA-00001', /docs\.oracle\.com\/error-help/],
  ])('%s is fatal with its hint', (code, hint) => {
    const result = classifyOracleError(driverError(code));
    expect(result).toMatchObject({ kind: 'fatal', code });
    expect(result.hint).toMatch(hint);
  });

  it('reads the cause inside a wrapped error before the wrapper', () => {
    // Thin mode's NNE failure names the ORA code in its message; the listener's refusal names the real reason.
    const nne = driverError(
      'NJS-533',
      'Advanced Networking Option service negotiation failed. Native Network Encryption and DataIntegrity only supported in node-oracledb thick mode.\nCause: ORA-12660',
    );
    expect(classifyOracleError(nne)).toMatchObject({ kind: 'fatal', code: 'NJS-533' });
    const wrongService = driverError(
      'NJS-511',
      'connection to listener at host db port 1521 was refused. (CONNECTION_ID=x)\nCause: ORA-12514',
    );
    expect(classifyOracleError(wrongService)).toMatchObject({ kind: 'fatal', code: 'ORA-12514' });
  });

  it('calls an error without a code fatal and says so', () => {
    expect(classifyOracleError(new TypeError('boom'))).toMatchObject({ kind: 'fatal', code: undefined });
    expect(isTransientOracleError(new TypeError('boom'))).toBe(false);
  });

  it('never calls a product error an Oracle error, whatever its text says', () => {
    const error = new TransientSourceError('ORA-12541 somewhere in a message');
    expect(isTransientOracleError(error)).toBe(false);
    expect(isCredentialsOracleError(new CredentialsError('ORA-01017'))).toBe(false);
  });
});

describe('toSourceError', () => {
  const context = { action: 'connecting to db.internal:1521/COLORSPDB', secrets: ['s3cret-Pa55', undefined] };

  it('maps each kind to its product error, with the code, the driver words and the hint', () => {
    const transient = toSourceError(driverError('NJS-503', 'could not be established'), context);
    expect(transient).toBeInstanceOf(TransientSourceError);
    expect(transient.message).toMatch(
      /^connecting to db\.internal:1521\/COLORSPDB failed: NJS-503: could not be established \(check the VPN/,
    );

    const credentials = toSourceError(driverError('ORA-01017', 'invalid credential'), context);
    expect(credentials).toBeInstanceOf(CredentialsError);

    const fatal = toSourceError(driverError('ORA-00942', 'table or view does not exist'), context);
    expect(fatal).toBeInstanceOf(DatabaseError);
    expect(fatal.message).toContain('ORA-00942: table or view does not exist');
    expect(fatal.message).toContain('market-pulse extract');
  });

  it('passes product errors through untouched', () => {
    const error = new SettingsError('the Oracle table parameter is missing');
    expect(toSourceError(error, context)).toBe(error);
  });

  it('redacts secrets from the message, the cause and its stack, and never attaches the driver error', () => {
    const original = Object.assign(driverError('ORA-01017', 'denied for s3cret-Pa55'), { connectAttributes: { password: 's3cret-Pa55' } });
    const error = toSourceError(original, context);
    expect(error.cause).not.toBe(original);
    expect(errorText(error)).not.toContain('s3cret-Pa55');
    expect(error.message).toContain('[redacted]');
    expect((error.cause as { code?: string }).code).toBe('ORA-01017');
  });

  it("drops the driver's Help: lines and keeps the message on one line", () => {
    expect(describeError(driverError('ORA-01017', 'invalid\nHelp: https://docs.oracle.com/error-help/db/ora-01017/'))).toBe(
      'ORA-01017: invalid',
    );
    expect(describeError('plain')).toBe('plain');
  });

  it('leaves text alone for secrets too short to tell from ordinary text', () => {
    expect(redact('a password of abc', ['abc', 'password'])).toBe('a [redacted] of abc');
  });
});
