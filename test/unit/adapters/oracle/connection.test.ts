import oracledb from 'oracledb';
import { describe, expect, it } from 'vitest';
import {
  clientModeFromEnv,
  connectionKey,
  easyConnectString,
  NodeOracleConnectionFactory,
  normalizeNumberText,
  textFetchTypeHandler,
  timeoutSeconds,
  valueAsText,
} from '../../../../lambdas/adapters/oracle/connection.js';
import { classifyOracleError, toSourceError } from '../../../../lambdas/adapters/oracle/errors.js';
import { SettingsError, TransientSourceError } from '../../../../lambdas/errors.js';
import { errorText, settingsOf } from '../../../helpers/fake-oracle.js';

describe('clientModeFromEnv', () => {
  it('is thin unless ORACLE_CLIENT_MODE says thick', () => {
    expect(clientModeFromEnv({})).toBe('thin');
    expect(clientModeFromEnv({ ORACLE_CLIENT_MODE: '' })).toBe('thin');
    expect(clientModeFromEnv({ ORACLE_CLIENT_MODE: 'thin' })).toBe('thin');
    expect(clientModeFromEnv({ ORACLE_CLIENT_MODE: ' Thick ' })).toBe('thick');
    expect(() => clientModeFromEnv({ ORACLE_CLIENT_MODE: 'fat' })).toThrow(SettingsError);
  });
});

describe('easyConnectString', () => {
  const settings = settingsOf();

  it('builds host:port/service, tcps:// with a wallet, and thick-mode timeouts in the string', () => {
    expect(easyConnectString(settings, { tls: false })).toBe('db.internal:1521/COLORSPDB');
    expect(easyConnectString(settings, { tls: true })).toBe('tcps://db.internal:1521/COLORSPDB');
    expect(easyConnectString(settings, { tls: false, timeoutSeconds: 12 })).toBe(
      'db.internal:1521/COLORSPDB?connect_timeout=12&transport_connect_timeout=12',
    );
    expect(easyConnectString({ ...settings, host: 'fd00::1' }, { tls: false })).toBe('[fd00::1]:1521/COLORSPDB');
    expect(easyConnectString({ ...settings, host: '10.0.3.7', serviceName: 'pdb1.example.com' }, { tls: false })).toBe(
      '10.0.3.7:1521/pdb1.example.com',
    );
  });

  it.each([
    [{ host: 'db.internal/EVIL?wallet_location=/tmp' }, /host parameter/],
    [{ host: '(DESCRIPTION=(ADDRESS=(HOST=x)))' }, /host parameter/],
    [{ host: '' }, /host parameter/],
    [{ port: 0 }, /port parameter/],
    [{ port: 70_000 }, /port parameter/],
    [{ port: 1521.5 }, /port parameter/],
    [{ serviceName: 'PDB?connect_timeout=0' }, /service-name parameter/],
  ])('refuses %o', (override, message) => {
    expect(() => easyConnectString({ ...settings, ...override }, { tls: false })).toThrow(message);
  });
});

describe('timeoutSeconds', () => {
  it('gives the driver whole seconds, at least one, never more than the time given', () => {
    expect(timeoutSeconds(20_000)).toBe(20);
    expect(timeoutSeconds(1_999)).toBe(1);
    expect(timeoutSeconds(10)).toBe(1);
  });
});

describe('connectionKey', () => {
  it('names endpoint, user, mode and transport, never the password', () => {
    const key = connectionKey(settingsOf({ password: 'Sup3r-Secret' }), 'thin');
    expect(key).toBe('thin|tcp|db.internal:1521/COLORSPDB|MARKET_RO');
    expect(connectionKey(settingsOf({ wallet: '-----BEGIN' }), 'thin')).toContain('|tcps|');
  });
});

describe('number and value text', () => {
  it('adds the leading zero thin mode leaves off, and changes no digit', () => {
    expect(normalizeNumberText('.5')).toBe('0.5');
    expect(normalizeNumberText('-.125')).toBe('-0.125');
    expect(normalizeNumberText('9223372036854775807')).toBe('9223372036854775807');
    expect(normalizeNumberText('-1.3140604467805519E-1')).toBe('-1.3140604467805519E-1');
    expect(normalizeNumberText('0')).toBe('0');
    expect(normalizeNumberText(null)).toBeNull();
  });

  it('fetches NUMBER and binary floats as normalized strings, CLOBs as strings, and leaves other types alone', () => {
    const handler = textFetchTypeHandler(oracledb);
    expect(handler({ dbType: oracledb.DB_TYPE_NUMBER })).toEqual({ type: oracledb.DB_TYPE_VARCHAR, converter: normalizeNumberText });
    expect(handler({ dbType: oracledb.DB_TYPE_BINARY_DOUBLE })?.type).toBe(oracledb.STRING);
    expect(handler({ dbType: oracledb.DB_TYPE_CLOB })).toEqual({ type: oracledb.DB_TYPE_VARCHAR });
    expect(handler({ dbType: oracledb.DB_TYPE_VARCHAR })).toBeUndefined();
    expect(handler({ dbType: oracledb.DB_TYPE_DATE })).toBeUndefined();
  });

  it("turns whatever else arrives into text, keeping a Date's wall-clock fields", () => {
    expect(valueAsText(null)).toBeNull();
    expect(valueAsText(undefined)).toBeNull();
    expect(valueAsText('x')).toBe('x');
    expect(valueAsText(1.5)).toBe('1.5');
    expect(valueAsText(new Date(2026, 10, 20, 12, 17, 28))).toBe('2026-11-20T12:17:28');
    expect(valueAsText(Buffer.from([0xab, 0x01]))).toBe('AB01');
  });
});

describe('NodeOracleConnectionFactory', () => {
  it('refuses a wallet from SSM in thick mode before loading anything', async () => {
    const factory = new NodeOracleConnectionFactory({ mode: 'thick' });
    await expect(
      factory.connect(settingsOf({ wallet: '-----BEGIN CERTIFICATE-----' }), { connectTimeoutMs: 5_000, callTimeoutMs: 5_000 }),
    ).rejects.toThrow(/wallet parameter is used by thin mode only/);
  });

  it('reaches the real driver in thin mode: a refused connect is NJS-503 with no errorNum, classified transient', async () => {
    // 127.0.0.1:1 refuses at once on loopback; no database and no network are involved.
    const factory = new NodeOracleConnectionFactory({ mode: 'thin' });
    const settings = settingsOf({ host: '127.0.0.1', port: 1, serviceName: 'FREEPDB1', password: 'never-Shown-9' });
    const error = await factory.connect(settings, { connectTimeoutMs: 3_000, callTimeoutMs: 3_000 }).catch((caught: unknown) => caught);
    expect((error as { code?: string }).code).toBe('NJS-503');
    expect((error as { errorNum?: number }).errorNum).toBeUndefined();
    expect(classifyOracleError(error).kind).toBe('transient');
    const wrapped = toSourceError(error, { action: 'connecting', secrets: [settings.password] });
    expect(wrapped).toBeInstanceOf(TransientSourceError);
    expect(errorText(wrapped)).not.toContain('never-Shown-9');
    expect(oracledb.thin).toBe(true);
  });
});
