/**
 * The extract against a scripted data dictionary: every file and its content, names bound (never
 * interpolated) in dictionary SQL, the sample query built from validated and quoted identifiers,
 * S3 keys written create-only, a local folder, and what is still written when the table is not there.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sessionSetupSql } from '../../../lambdas/adapters/oracle/query.js';
import { DatabaseError, PublishError, TransientSourceError } from '../../../lambdas/errors.js';
import { type ExtractDeps, runExtract } from '../../../lambdas/oracle-extract/extract.js';
import { DirectoryExtractWriter, S3ExtractWriter } from '../../../lambdas/oracle-extract/writers.js';
import { driverError, FakeSettingsProvider, refused, settingsOf } from '../../helpers/fake-oracle.js';
import { ScriptedOracle, scriptedDictionary } from '../../helpers/scripted-oracle.js';

const PASSWORD = 'Ex9-extract-Pa55word!';
const FOLDER = '2026-11-20T230000Z';
const FILES = ['database_info.json', 'accessible_tables.json', 'COLORS_schema.json', 'COLORS_sample.csv', 'COLORS_sample.json'];
const s3 = mockClient(S3Client);
let db: ScriptedOracle;
let settings: FakeSettingsProvider;
let dir: string;

beforeEach(async () => {
  s3.reset();
  db = scriptedDictionary(new ScriptedOracle('thin', PASSWORD));
  settings = new FakeSettingsProvider(settingsOf({ password: PASSWORD }));
  dir = await mkdtemp(join(tmpdir(), 'mp-extract-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function deps(overrides: Partial<ExtractDeps> = {}): ExtractDeps {
  return {
    stage: 'dev',
    settings,
    factory: db,
    writer: new DirectoryExtractWriter(dir),
    timeZone: 'America/New_York',
    now: () => new Date('2026-11-20T23:00:00.456Z'),
    retry: { maxAttempts: 2, baseDelayMs: 0 },
    sleep: async () => {},
    ...overrides,
  };
}

const readJson = async (name: string) => JSON.parse(await readFile(join(dir, FOLDER, name), 'utf8'));

describe('extract to a local folder', () => {
  it('writes the five files under <dir>/<timestamp>/ and says where', async () => {
    const result = await runExtract({ rows: 100 }, deps());
    expect(result.location).toBe(join(dir, FOLDER));
    expect(result.table).toBe('MARKET.COLORS');
    expect(result.rows).toBe(2);
    expect(result.files.map((file) => file.name)).toEqual(FILES);
    expect((await readdir(join(dir, FOLDER))).sort()).toEqual([...FILES].sort());
    for (const file of result.files) {
      const bytes = await readFile(file.location);
      expect(file.bytes).toBe(bytes.length);
      expect(file.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    expect(result.warnings).toEqual([
      'could not read V$VERSION: ORA-00942 (missing privileges are normal for v$ views)',
      'column PAYLOAD (BLOB) is not in the sample: the type has no faithful text form',
    ]);
    expect(db.executed).toEqual([sessionSetupSql('America/New_York')]);
    expect(db.connections[0]!.closed).toBe(true);
  });

  it('database_info.json: version, instance and service, schema and user, database time', async () => {
    await runExtract({ rows: 100 }, deps());
    expect(await readJson('database_info.json')).toEqual({
      extracted_at: '2026-11-20T23:00:00.456Z',
      stage: 'dev',
      endpoint: 'db.internal:1521/COLORSPDB',
      client_mode: 'thin',
      version: 'Oracle Database 19c Enterprise Edition 19.0.0.0.0',
      version_banner: [],
      db_name: 'COLORSDB',
      instance_name: 'colorsdb1',
      service_name: 'COLORSPDB',
      current_schema: 'MARKET',
      session_user: 'MARKET_RO',
      database_time: '2026-11-20T23:00:00.123+00:00',
      database_sysdate: '2026-11-20T23:00:00',
      db_timezone: '+00:00',
      session_timezone: 'America/New_York',
      nls_characterset: 'AL32UTF8',
      nls_nchar_characterset: 'AL16UTF16',
      unavailable: ['V$VERSION: ORA-00942'],
    });
  });

  it('accessible_tables.json: owner, table and row estimate, Oracle schemas left out', async () => {
    expect(await runExtract({ rows: 100 }, deps()).then(() => readJson('accessible_tables.json'))).toEqual({
      extracted_at: '2026-11-20T23:00:00.456Z',
      session_user: 'MARKET_RO',
      count: 2,
      tables: [
        { owner: 'MARKET', table_name: 'COLORS', num_rows: 1250000, last_analyzed: '2026-11-19T02:00:00' },
        { owner: 'MARKET', table_name: 'DEALERS', num_rows: null, last_analyzed: null },
      ],
      truncated: false,
      excluded_by: 'oracle_maintained',
    });
    expect(db.queries.find((q) => /FROM all_tables/.test(q.sql))!.sql).toContain("u.oracle_maintained = 'Y'");
  });

  it('falls back to a fixed list of Oracle schemas, as binds, where ORACLE_MAINTAINED does not exist (11g)', async () => {
    db.on(/oracle_maintained/, () => driverError('ORA-00904', '"U"."ORACLE_MAINTAINED": invalid identifier'));
    await runExtract({ rows: 100 }, deps());
    expect((await readJson('accessible_tables.json')).excluded_by).toBe('fixed list');
    const fallback = db.queries.filter((q) => /FROM all_tables/.test(q.sql)).at(-1)!;
    expect(fallback.sql).toMatch(/NOT IN \(:s0, :s1, /);
    expect(fallback.sql).not.toContain("'SYS'");
    expect(Object.values(fallback.binds)).toEqual(expect.arrayContaining(['SYS', 'SYSTEM', 'XDB']));
  });

  it('<TABLE>_schema.json: types, precision and scale, nullability, primary key', async () => {
    await runExtract({ rows: 100 }, deps());
    const schema = await readJson('COLORS_schema.json');
    expect(schema).toMatchObject({
      owner: 'MARKET',
      table_name: 'COLORS',
      num_rows_estimate: 1250000,
      primary_key: { constraint_name: 'COLORS_PK', columns: ['MESSAGE_ID'] },
    });
    expect(schema.columns[0]).toEqual({
      column_id: 1,
      column_name: 'MESSAGE_ID',
      data_type: 'NUMBER',
      data_length: 22,
      char_length: 0,
      data_precision: 19,
      data_scale: 0,
      nullable: false,
      primary_key: true,
      sampled: true,
    });
    expect(schema.columns[2]).toMatchObject({
      column_name: 'DATE',
      data_type: 'DATE',
      data_precision: null,
      data_scale: null,
      nullable: true,
      primary_key: false,
    });
    expect(schema.columns.map((c: { column_name: string; sampled: boolean }) => [c.column_name, c.sampled]).at(-1)).toEqual([
      'PAYLOAD',
      false,
    ]);
  });

  it('<TABLE>_sample.csv and .json: ids and numbers as exact strings, ISO dates, CSV quoting', async () => {
    await runExtract({ rows: 100 }, deps());
    expect(await readFile(join(dir, FOLDER, 'COLORS_sample.csv'), 'utf8')).toBe(
      'MESSAGE_ID,CUSIP,DATE,PX,DEALER,CREATED_AT\n' +
        '1234567890123456789,912828XY1,2026-11-20T10:15:00,99.125,"Dealer, ""Quoted"" & Co",2026-11-20T10:15:00.000000000-05:00\n' +
        '9007199254740993,38141GXZ2,2026-11-20T00:00:00,0.5,,\n',
    );
    const sample = await readJson('COLORS_sample.json');
    expect(sample).toMatchObject({
      owner: 'MARKET',
      table_name: 'COLORS',
      row_limit: 100,
      row_count: 2,
      omitted_columns: [{ column_name: 'PAYLOAD', data_type: 'BLOB' }],
    });
    expect(sample.columns).toEqual(['MESSAGE_ID', 'CUSIP', 'DATE', 'PX', 'DEALER', 'CREATED_AT']);
    expect(sample.rows[1]).toEqual({
      MESSAGE_ID: '9007199254740993',
      CUSIP: '38141GXZ2',
      DATE: '2026-11-20T00:00:00',
      PX: '0.5',
      DEALER: null,
      CREATED_AT: null,
    });
    expect(typeof sample.rows[0].MESSAGE_ID).toBe('string');
  });

  it("samples with quoted identifiers, dates TO_CHAR'd, and the row limit as a bind", async () => {
    await runExtract({ rows: 1 }, deps());
    const query = db.queries.find((q) => /WHERE ROWNUM <= :max_rows/.test(q.sql))!;
    expect(query.sql).toBe(
      'SELECT "MESSAGE_ID", "CUSIP", TO_CHAR("DATE") AS "DATE", "PX", "DEALER", TO_CHAR("CREATED_AT") AS "CREATED_AT"\nFROM "MARKET"."COLORS"\nWHERE ROWNUM <= :max_rows',
    );
    expect(query.binds).toEqual({ max_rows: '1' });
    expect(query.fetchArraySize).toBe(1);
    expect((await readJson('COLORS_sample.json')).rows).toHaveLength(1);
  });

  it('binds owner and table in every dictionary query; no name is ever in the dictionary SQL text', async () => {
    db.on(/FROM all_tab_columns/, (binds) =>
      binds.owner === 'TRADING' && binds.table_name === 'QUOTES' ? [['ID', 'NUMBER', '22', '0', null, null, 'N', '1']] : [],
    )
      .on(/FROM all_constraints/, [])
      .on(/FROM "TRADING"\."QUOTES"/, [['42']]);
    const result = await runExtract({ rows: 5, table: { owner: 'TRADING', table: 'QUOTES' } }, deps());
    expect(result.files.map((f) => f.name)).toContain('QUOTES_sample.csv');
    const dictionary = db.queries.filter((q) => /all_tab_columns|all_constraints/.test(q.sql));
    expect(dictionary).toHaveLength(2);
    for (const query of dictionary) expect(query.binds).toEqual({ owner: 'TRADING', table_name: 'QUOTES' });
    for (const query of db.queries.filter((q) => !/:max_rows/.test(q.sql))) {
      expect(query.sql).not.toMatch(/TRADING|QUOTES|MARKET|COLORS/);
    }
    expect((await readJson('QUOTES_schema.json')).primary_key).toBeNull();
  });

  it('a table the user cannot see: still writes database_info and accessible_tables, then fails saying where', async () => {
    const error = await runExtract({ rows: 100, table: { owner: 'MARKET', table: 'NOPE' } }, deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as Error).message).toMatch(
      /^MARKET\.NOPE is not visible to MARKET_RO: ALL_TAB_COLUMNS has no columns for it \(check the schema and table parameters/,
    );
    expect((error as Error).message).toContain(`were written to ${join(dir, FOLDER)}`);
    expect((await readdir(join(dir, FOLDER))).sort()).toEqual(['accessible_tables.json', 'database_info.json']);
  });

  it('a sample query the database refuses is reported with its code and hint', async () => {
    db.on(/WHERE ROWNUM <= :max_rows/, () => driverError('ORA-01031', 'insufficient privileges'));
    const error = (await runExtract({ rows: 100 }, deps()).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(
      /^reading 100 sample rows of MARKET\.COLORS on db\.internal:1521\/COLORSPDB failed: ORA-01031: insufficient privileges \(the user lacks a privilege/,
    );
  });

  it('re-reads SSM when the credentials were rotated, and never writes the password', async () => {
    await settings.get(); // a copy cached before the rotation: the first connect uses the old password
    settings.rotate('rotated-Pa55word-2');
    db.password = 'rotated-Pa55word-2';
    await runExtract({ rows: 100 }, deps());
    expect(settings.invalidations).toBe(1);
    expect(db.connects).toHaveLength(2);
    for (const name of FILES) expect(await readFile(join(dir, FOLDER, name), 'utf8')).not.toContain('Pa55word');
  });

  it('fails without writing anything when the database cannot be reached', async () => {
    db.down = refused;
    const error = await runExtract({ rows: 100 }, deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientSourceError);
    expect((error as Error).message).toMatch(
      /^connecting to db\.internal:1521\/COLORSPDB as MARKET_RO \(2 attempt\(s\) in .* failed: NJS-503/,
    );
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('extract to S3', () => {
  it('writes <prefix>/extracts/<timestamp>/<file>, create-only, KMS-encrypted, with checksums', async () => {
    s3.on(PutObjectCommand).resolves({});
    const writer = new S3ExtractWriter({
      client: new S3Client({ region: 'eu-central-1' }),
      bucket: 'mp-results',
      prefix: '/colors/',
      kmsKeyId: 'alias/mp-dev',
    });
    const result = await runExtract({ rows: 100 }, deps({ writer }));
    expect(result.location).toBe(`s3://mp-results/colors/extracts/${FOLDER}/`);
    const puts = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(puts.map((input) => input.Key)).toEqual(FILES.map((name) => `colors/extracts/${FOLDER}/${name}`));
    for (const input of puts) {
      expect(input).toMatchObject({ Bucket: 'mp-results', IfNoneMatch: '*', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/mp-dev' });
      expect(input.ChecksumSHA256).toBe(
        createHash('sha256')
          .update(input.Body as Buffer)
          .digest('base64'),
      );
      expect(String(input.Body)).not.toContain(PASSWORD);
    }
    expect(puts[3]!.ContentType).toBe('text/csv; charset=utf-8');
    expect(result.files[3]!.location).toBe(`s3://mp-results/colors/extracts/${FOLDER}/COLORS_sample.csv`);
  });

  it('never overwrites: an existing object (412) is a PublishError', async () => {
    s3.on(PutObjectCommand).rejects(
      Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
        name: 'PreconditionFailed',
        $metadata: { httpStatusCode: 412 },
      }),
    );
    const writer = new S3ExtractWriter({ client: new S3Client({ region: 'eu-central-1' }), bucket: 'mp-results', prefix: 'colors' });
    const error = await runExtract({ rows: 100 }, deps({ writer })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as Error).message).toMatch(/database_info\.json already exists .*extracts are never overwritten/);
  });
});

describe('a local folder that exists', () => {
  it('is not written into twice', async () => {
    await runExtract({ rows: 100 }, deps());
    await expect(runExtract({ rows: 100 }, deps())).rejects.toThrow(/cannot create the extract folder .*2026-11-20T230000Z/);
  });
});
