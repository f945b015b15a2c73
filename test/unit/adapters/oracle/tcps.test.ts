/**
 * TCPS through the real thin driver against local listeners (127.0.0.1, closed after each test):
 * what goes on the wire first (a TLS ClientHello, or the TNS connect packet in clear), and whether a
 * server certificate that does not name the host is refused (sslServerDNMatch). No database is
 * involved: each listener hangs up once it has seen enough.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeOracleConnectionFactory, tcpsRequiredFromEnv } from '../../../../lambdas/adapters/oracle/connection.js';
import { SettingsError } from '../../../../lambdas/errors.js';
import { errorText, settingsOf } from '../../../helpers/fake-oracle.js';

const TIMEOUTS = { connectTimeoutMs: 5_000, callTimeoutMs: 5_000 };
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

function listen(server: Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** A listener that records the client's first bytes and hangs up. */
async function firstBytesListener(): Promise<{ port: number; first: Promise<Buffer> }> {
  let seen: (bytes: Buffer) => void = () => undefined;
  const first = new Promise<Buffer>((resolve) => (seen = resolve));
  const port = await listen(
    createServer((socket) => {
      socket.once('data', (bytes: Buffer) => {
        seen(bytes);
        socket.destroy();
      });
    }),
  );
  return { port, first };
}

describe('ORACLE_TCPS', () => {
  it('is required only when set to "required"; anything else is a configuration error', () => {
    expect(tcpsRequiredFromEnv({})).toBe(false);
    expect(tcpsRequiredFromEnv({ ORACLE_TCPS: '' })).toBe(false);
    expect(tcpsRequiredFromEnv({ ORACLE_TCPS: ' Required ' })).toBe(true);
    expect(() => tcpsRequiredFromEnv({ ORACLE_TCPS: 'yes' })).toThrow(SettingsError);
  });

  it('without a wallet and not required: the connect packet goes in clear (the control case)', async () => {
    const { port, first } = await firstBytesListener();
    const factory = new NodeOracleConnectionFactory({ mode: 'thin', tcpsRequired: false });
    await factory.connect(settingsOf({ host: '127.0.0.1', port }), TIMEOUTS).catch(() => undefined);
    const bytes = await first;
    expect(bytes[0]).not.toBe(0x16);
    expect(bytes.toString('latin1')).toContain('(DESCRIPTION=');
  });

  it('required, without a wallet: the first bytes are a TLS handshake and nothing of the connect descriptor shows', async () => {
    const { port, first } = await firstBytesListener();
    const factory = new NodeOracleConnectionFactory({ mode: 'thin', tcpsRequired: true });
    await factory.connect(settingsOf({ host: '127.0.0.1', port }), TIMEOUTS).catch(() => undefined);
    const bytes = await first;
    expect([bytes[0], bytes[1]]).toEqual([0x16, 0x03]); // TLS record: handshake, version 3.x
    expect(bytes.toString('latin1')).not.toContain('DESCRIPTION');
  });

  it('required in thick mode: refused before anything is loaded (thick mode configures TLS in sqlnet.ora)', async () => {
    const factory = new NodeOracleConnectionFactory({ mode: 'thick', tcpsRequired: true });
    await expect(factory.connect(settingsOf(), TIMEOUTS)).rejects.toThrow(/ORACLE_TCPS=required is honoured by thin mode only/);
  });
});

const openssl = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!openssl)('the server certificate must name the host (sslServerDNMatch; needs the openssl command)', () => {
  /** A self-signed certificate (and its key) with the given subjectAltName, as one PEM. */
  function selfSigned(subjectAltName: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'market-pulse-tcps-'));
    try {
      const result = spawnSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=db.example.internal',
          '-addext',
          `subjectAltName=${subjectAltName}`,
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { encoding: 'utf8' },
      );
      expect(result.status, result.stderr).toBe(0);
      return readFileSync(join(dir, 'cert.pem'), 'utf8') + readFileSync(join(dir, 'key.pem'), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** A TLS listener with that certificate; the wallet (the same PEM) makes the client trust it. */
  async function connectThroughTls(pem: string): Promise<string> {
    const port = await listen(createTlsServer({ cert: pem, key: pem }, (socket) => socket.destroy()));
    const factory = new NodeOracleConnectionFactory({ mode: 'thin', tcpsRequired: true });
    const error = await factory.connect(settingsOf({ host: '127.0.0.1', port, wallet: pem }), TIMEOUTS).catch((caught: unknown) => caught);
    return errorText(error);
  }

  it('a trusted certificate for another name is refused at the handshake (NJS-508)', async () => {
    expect(await connectThroughTls(selfSigned('DNS:db.example.internal'))).toMatch(/NJS-508/);
  });

  it('the same certificate naming 127.0.0.1 gets past the handshake (the listener then hangs up)', async () => {
    const text = await connectThroughTls(selfSigned('IP:127.0.0.1'));
    expect(text).not.toMatch(/NJS-50[5-8]/);
    expect(text).toMatch(/NJS-\d+/);
  });
});
