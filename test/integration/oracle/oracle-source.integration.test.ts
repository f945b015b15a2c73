/**
 * OracleSource against a real Oracle Database. Skipped unless ORACLE_TEST_CONNECT_STRING
 * (host:port/service), ORACLE_TEST_USER and ORACLE_TEST_PASSWORD are set; CI runs it against the
 * gvenzl/oracle-free service container (.github/workflows/oracle-integration.yml). See README.md here.
 *
 * It loads samples/colors.csv into a fresh table whose DATE column is COLOR_DATE (DATE is reserved),
 * with NUMBER columns and a NUMBER(19) MESSAGE_ID, runs the real pipeline over it through
 * OracleSource into a temporary folder, checks the counts, the text of ids, numbers and dates,
 * and drops the table.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import oracledb from 'oracledb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSource } from '../../../lambdas/adapters/file-source.js';
import { FsSink } from '../../../lambdas/adapters/fs-sink.js';
import { CircuitBreaker } from '../../../lambdas/adapters/oracle/circuit-breaker.js';
import type { OracleSettings, SettingsProvider } from '../../../lambdas/adapters/oracle/settings.js';
import { OracleSource } from '../../../lambdas/adapters/oracle/source.js';
import { COLUMNS } from '../../../lambdas/pipeline/columns.js';
import { parseConfig } from '../../../lambdas/pipeline/config.js';
import { runColors } from '../../../lambdas/pipeline/run.js';
import { newRunId } from '../../../lambdas/pipeline/run-id.js';
import { runWindow } from '../../../lambdas/pipeline/run-window.js';
import { normalizeHeaderName } from '../../../lambdas/pipeline/schema.js';
import { ZoneClock } from '../../../lambdas/pipeline/time-zone.js';

const connectString = process.env.ORACLE_TEST_CONNECT_STRING;
const user = process.env.ORACLE_TEST_USER;
const password = process.env.ORACLE_TEST_PASSWORD;
const enabled = Boolean(connectString && user && password);

const AS_OF = '2026-11-20';
const TEXT_COLUMNS = new Set(['TICKER', 'SECTOR', 'CUSIP', 'SOURCE', 'BIAS', 'DIFF_STATUS']);
const DATE_COLUMNS = new Set(['DATE', 'DATE_1']);

function physical(column: string): string {
  return column === 'DATE' ? 'COLOR_DATE' : column;
}

function tableDdl(table: string): string {
  const type = (column: string) =>
    column === 'MESSAGE_ID' ? 'NUMBER(19)' : DATE_COLUMNS.has(column) ? 'DATE' : TEXT_COLUMNS.has(column) ? 'VARCHAR2(200)' : 'NUMBER';
  return `CREATE TABLE ${table} (${COLUMNS.map((column) => `${physical(column)} ${type(column)}`).join(', ')})`;
}

/** The sample's dates as TO_DATE input; anything else is left for Oracle to reject (the row is skipped). */
function oracleDateText(value: string | null): string | null {
  if (value === null || value.trim() === '') return null;
  const text = value.trim().replace('T', ' ');
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text} 00:00:00` : text;
}

/** `host:port/service` → the parts OracleSettings holds. */
function parseConnectString(text: string): Pick<OracleSettings, 'host' | 'port' | 'serviceName'> {
  const match = /^([^:/]+):(\d+)\/(.+)$/.exec(text);
  if (!match) throw new Error('ORACLE_TEST_CONNECT_STRING must look like host:port/service');
  return { host: match[1]!, port: Number(match[2]), serviceName: match[3]! };
}

describe.skipIf(!enabled)('OracleSource against a real Oracle Database', () => {
  const table = `MP_IT_COLORS_${Date.now().toString(36).toUpperCase()}`;
  let admin: oracledb.Connection;
  let out: string;
  let inserted = 0;
  let settings: OracleSettings;

  beforeAll(async () => {
    admin = await oracledb.getConnection({ user, password, connectString });
    // The sample's numbers use a period; make the implicit text → NUMBER conversion read them so anywhere.
    await admin.execute(`ALTER SESSION SET NLS_NUMERIC_CHARACTERS = '.,'`);
    await admin.execute(tableDdl(table));
    settings = { ...parseConnectString(connectString!), username: user!, password: password!, schema: user!, table };

    const opened = await new FileSource('samples/colors.csv').open();
    const positions = COLUMNS.map((column) => opened.header.findIndex((name) => normalizeHeaderName(name) === column));
    const rows: (string | null)[][] = [];
    for await (const record of opened.records) {
      rows.push(
        COLUMNS.map((column, index) => {
          const value = positions[index]! < 0 ? null : (record.values[positions[index]!] ?? null);
          return DATE_COLUMNS.has(column) ? oracleDateText(value) : value === null || value.trim() === '' ? null : value.trim();
        }),
      );
    }
    const values = COLUMNS.map((column, index) =>
      DATE_COLUMNS.has(column) ? `TO_DATE(:${index + 1}, 'YYYY-MM-DD HH24:MI:SS')` : `:${index + 1}`,
    );
    const result = await admin.executeMany(
      `INSERT INTO ${table} (${COLUMNS.map(physical).join(', ')}) VALUES (${values.join(', ')})`,
      rows,
      {
        batchErrors: true,
        bindDefs: COLUMNS.map(() => ({ type: oracledb.STRING, maxSize: 200 })),
      },
    );
    await admin.commit();
    // Rows the database refuses (a price of "N/A", a date of "") are the sample's deliberate bad rows.
    inserted = rows.length - (result.batchErrors?.length ?? 0);
    expect(inserted).toBeGreaterThan(1_500);
    out = await mkdtemp(join(tmpdir(), 'market-pulse-oracle-it-'));
  });

  afterAll(async () => {
    if (admin) {
      await admin.execute(`DROP TABLE ${table} PURGE`).catch(() => undefined);
      await admin.close();
    }
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('runs the job over the table: every row in the window is accounted for, and ids, numbers and dates keep their text', async () => {
    const document = JSON.parse(await readFile('samples/config.json', 'utf8')) as Record<string, unknown>;
    document.window = { lookbackDays: 2, timeZone: 'America/New_York' };
    document.columns = { DATE: 'COLOR_DATE' };
    const loaded = parseConfig(JSON.stringify(document), 'samples/config.json (+ COLOR_DATE)');
    const window = runWindow(AS_OF, 2, new ZoneClock('America/New_York'));
    const provider: SettingsProvider = { get: async () => settings, invalidate: () => undefined };
    const source = new OracleSource({
      settings: provider,
      config: loaded.config,
      window,
      breaker: new CircuitBreaker(),
      fetchArraySize: 500,
    });

    const { manifest, published } = await runColors({
      source,
      sink: new FsSink(out),
      config: loaded,
      asOf: AS_OF,
      runId: newRunId(),
      window,
    });

    const counted = await admin.execute<[number]>(
      `SELECT COUNT(*) FROM ${table} WHERE COLOR_DATE >= DATE '2026-11-19' AND COLOR_DATE < DATE '2026-11-21'`,
    );
    const inWindow = counted.rows![0]![0];
    expect(inWindow).toBeGreaterThan(0);
    expect(manifest.source).toBe(`oracle:${user!.toUpperCase()}.${table}`);
    expect(manifest.counts.read).toBe(inWindow);
    expect(manifest.counts.ranked + manifest.counts.excluded + manifest.counts.rejected).toBe(manifest.counts.read);

    const path = join(published!.location, 'colors.csv');
    const csv = await readFile(path, 'utf8');
    const output = await new FileSource(path).open(); // a real CSV reader: tickers hold quoted commas
    const rows: (string | null)[][] = [];
    for await (const record of output.records) rows.push([...record.values]);
    const cells = (name: string) => rows.map((row) => row[output.header.indexOf(name)] ?? '');
    const bigIds = cells('MESSAGE_ID').filter((id) => BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER));
    expect(bigIds.length).toBeGreaterThan(0);
    const stored = await admin.execute<[string]>(`SELECT TO_CHAR(MESSAGE_ID) FROM ${table} WHERE MESSAGE_ID > 9007199254740991`);
    const storedIds = new Set(stored.rows!.map((row) => row[0]));
    for (const id of bigIds) expect(storedIds.has(id)).toBe(true);
    expect(csv).not.toMatch(/(^|,)-?\.\d/m); // NUMBER text has its leading zero
    for (const date of cells('DATE')) expect(date).toMatch(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?$/);
  });

  it('recovers from a stale cached password by re-reading the settings once', async () => {
    let stale = true;
    let invalidations = 0;
    const provider: SettingsProvider = {
      get: async () => (stale ? { ...settings, password: `${password}-stale` } : settings),
      invalidate: () => {
        invalidations++;
        stale = false;
      },
    };
    const loaded = parseConfig(JSON.stringify({ rules: [], columns: { DATE: 'COLOR_DATE' } }), 'inline');
    const window = runWindow(AS_OF, 1, new ZoneClock('America/New_York'));
    const source = new OracleSource({ settings: provider, config: loaded.config, window, breaker: new CircuitBreaker() });
    const opened = await source.open();
    let read = 0;
    for await (const _ of opened.records) read++;
    expect(read).toBeGreaterThan(0);
    expect(invalidations).toBe(1);
  });
});
