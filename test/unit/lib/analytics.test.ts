/**
 * The Athena side of the stack: the Glue tables' columns, formats and partition projection, the
 * latest-run views as Athena will read them, the workgroup's enforced settings, and what readers may do.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { COLUMNS } from '../../../lambdas/pipeline/columns.js';
import { latestViewSql, RUN_TABLES } from '../../../lib/run-tables.js';
import { resourcesOf, type Statement, type Synthesized, synth } from './synth.js';

const READER = 'arn:aws:iam::333333333333:role/desk-analytics';

let s: Synthesized;
let tables: Record<string, { TableInput: Record<string, any> }>;
beforeAll(() => {
  s = synth({ readerRoleArns: READER, athenaBytesScannedCutoffMb: '2500', configKey: 'desk/config.json' });
  tables = Object.fromEntries(
    Object.values(resourcesOf(s.template, 'AWS::Glue::Table')).map((props) => [
      (props.TableInput as { Name: string }).Name,
      props as { TableInput: Record<string, any> },
    ]),
  );
});

const columnsOf = (name: string) =>
  (tables[name]!.TableInput.StorageDescriptor.Columns as { Name: string; Type: string }[]).map((c) => `${c.Name} ${c.Type}`);

describe('the Glue tables', () => {
  it('are one database with three run tables, the latest.json table and a latest view per run table', () => {
    s.template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: Match.objectLike({ Name: 'market_pulse_dev' }) });
    expect(Object.keys(tables).sort()).toEqual([
      'colors',
      'excluded',
      'latest_colors',
      'latest_excluded',
      'latest_rejected',
      'latest_runs',
      'rejected',
    ]);
  });

  it('type colors as the contract says: ids as strings, decimals as doubles beside their text, dates as timestamps, the ranking columns', () => {
    const columns = columnsOf('colors');
    expect(columns.slice(0, 6)).toEqual([
      'message_id string',
      'ticker string',
      'sector string',
      'cusip string',
      'date timestamp',
      'price_level double',
    ]);
    expect(columns).toContain('px double');
    expect(columns).toContain('px_text string');
    expect(columns).toContain('rank bigint');
    expect(columns).toContain('date_1 timestamp');
    expect(columns.slice(-5)).toEqual([
      'group_position int',
      'is_parent boolean',
      'parent_message_id string',
      'children_count int',
      'run_id string',
    ]);
    // 18 columns, 7 of them decimals with a text column each, 4 ranking columns and the run id.
    expect(columns).toHaveLength(18 + 7 + 4 + 1);
    expect(columnsOf('excluded').slice(-2)).toEqual(['excluded_by string', 'run_id string']);
    expect(columnsOf('rejected')).toEqual([
      ...COLUMNS.map((name) => `${name.toLowerCase()} string`),
      'source_row bigint',
      'reject_reason string',
      'raw_record string',
      'run_id string',
    ]);
  });

  it('read Parquet from a tree per table, partitioned by as_of with date projection', () => {
    const colors = tables.colors!.TableInput;
    expect(colors.PartitionKeys).toEqual([expect.objectContaining({ Name: 'as_of', Type: 'date' })]);
    expect(colors.StorageDescriptor.SerdeInfo).toEqual({
      SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    });
    expect(colors.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.as_of.type': 'date',
      'projection.as_of.format': 'yyyy-MM-dd',
      'projection.as_of.range': '2020-01-01,NOW',
      'projection.as_of.interval': '1',
      'projection.as_of.interval.unit': 'DAYS',
    });
    expect(JSON.stringify(colors.Parameters['storage.location.template'])).toContain('/market-pulse/tables/colors/as-of=${as_of}/');
    expect(JSON.stringify(tables.rejected!.TableInput.StorageDescriptor.Location)).toContain('/market-pulse/tables/rejected/');
    // No run_id partition: an injected one would refuse every query that does not name run ids literally.
    expect(Object.keys(colors.Parameters).filter((key) => key.includes('run_id'))).toEqual([]);
  });

  it('read the latest.json copies with the Ion SerDe, which takes pretty-printed JSON', () => {
    const latest = tables.latest_runs!.TableInput;
    expect(latest.StorageDescriptor.SerdeInfo).toEqual({ SerializationLibrary: 'com.amazon.ionhiveserde.IonHiveSerDe' });
    expect(latest.StorageDescriptor.InputFormat).toBe('com.amazon.ionhiveserde.formats.IonInputFormat');
    expect(columnsOf('latest_runs')).toEqual([
      'asof string',
      'runid string',
      'manifest string',
      'manifestsha256 string',
      'publishedat string',
    ]);
    expect(JSON.stringify(latest.Parameters['storage.location.template'])).toContain('/market-pulse/tables/latest/as-of=${as_of}/');
  });
});

describe('the latest views', () => {
  it('are Presto views whose SQL joins each table to latest_runs, with the same columns Glue lists', () => {
    const view = tables.latest_colors!.TableInput;
    expect(view.TableType).toBe('VIRTUAL_VIEW');
    expect(view.Parameters).toEqual({ presto_view: 'true', comment: 'Presto View' });
    const encoded = /^\/\* Presto View: ([A-Za-z0-9+/=]+) \*\/$/.exec(view.ViewOriginalText as string)![1]!;
    const definition = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as {
      originalSql: string;
      catalog: string;
      schema: string;
      columns: { name: string; type: string }[];
    };
    expect(definition.originalSql).toBe(latestViewSql('colors'));
    expect(definition.originalSql).toMatch(/ FROM colors t JOIN latest_runs l ON l\.as_of = t\.as_of AND l\.runid = t\.run_id$/);
    expect(definition).toMatchObject({ catalog: 'awsdatacatalog', schema: 'market_pulse_dev' });
    // The view's columns are the table's, in order, plus as_of, in Athena's type names.
    const glueColumns = (view.StorageDescriptor.Columns as { Name: string }[]).map((c) => c.Name);
    expect(definition.columns.map((c) => c.name)).toEqual(glueColumns);
    expect(glueColumns).toEqual([...RUN_TABLES.colors.map((c) => c.name.toLowerCase()), 'as_of']);
    expect(definition.columns.find((c) => c.name === 'px_text')?.type).toBe('varchar');
    expect(definition.columns.find((c) => c.name === 'group_position')?.type).toBe('integer');
    expect(definition.columns.at(-1)).toEqual({ name: 'as_of', type: 'date' });
  });
});

describe('the workgroup', () => {
  it('enforces its results location and encryption with the stage key, engine 3, and the bytes-scanned limit from context', () => {
    s.template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'market-pulse-dev',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: 2_500_000_000,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: {
          OutputLocation: {
            'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('ResultsBucket') }, '/market-pulse/athena-results/']],
          },
          EncryptionConfiguration: {
            EncryptionOption: 'SSE_KMS',
            KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('EncryptionKey'), 'Arn'] },
          },
        },
      },
    });
  });

  it('limits a query to 10 GB by default', () => {
    const defaults = synth({});
    defaults.template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({ BytesScannedCutoffPerQuery: 10_000_000_000 }),
    });
    // Without readers, nobody is granted anything and no analyst policy exists.
    expect(Object.values(resourcesOf(defaults.template, 'AWS::IAM::ManagedPolicy')).map((p) => p.ManagedPolicyName)).not.toContain(
      'market-pulse-dev-analyst',
    );
  });
});

describe('readers', () => {
  const bucketPolicy = () =>
    Object.values(resourcesOf(s.template, 'AWS::S3::BucketPolicy')).flatMap(
      (p) => (p.PolicyDocument as { Statement: Statement[] }).Statement,
    );

  it('read the tables and read and write query results through the bucket policy', () => {
    const forReader = bucketPolicy().filter((statement) => JSON.stringify(statement.Principal).includes(READER));
    const bySid = Object.fromEntries(forReader.map((statement) => [statement.Sid, statement]));
    expect(JSON.stringify(bySid.GetTablesForReaders!.Resource)).toContain('/market-pulse/tables/*');
    expect(bySid.ReadersWriteQueryResults!.Action).toEqual([
      's3:AbortMultipartUpload',
      's3:GetObject',
      's3:ListMultipartUploadParts',
      's3:PutObject',
    ]);
    expect(JSON.stringify(bySid.ReadersWriteQueryResults!.Resource)).toContain('/market-pulse/athena-results/*');
    // Listing only within the results folder, as for the runs: the rest of the bucket stays unlisted.
    expect(bySid.ReadersListQueryResults!.Condition).toEqual({ StringLike: { 's3:prefix': ['market-pulse/athena-results/*'] } });
    expect(bySid.ReadersLocateResultsBucket!.Action).toBe('s3:GetBucketLocation');
  });

  it('get a managed policy scoped to the workgroup, the data catalog and the stage database', () => {
    const policies = Object.values(resourcesOf(s.template, 'AWS::IAM::ManagedPolicy')).filter(
      (p) => p.ManagedPolicyName === 'market-pulse-dev-analyst',
    );
    expect(policies).toHaveLength(1);
    const statements = (policies[0]!.PolicyDocument as { Statement: Statement[] }).Statement;
    const resources = JSON.stringify(statements.map((statement) => statement.Resource));
    expect(resources).toContain(':workgroup/market-pulse-dev');
    expect(resources).toContain(':datacatalog/AwsDataCatalog');
    expect(resources).toContain(':database/market_pulse_dev');
    expect(resources).toContain(':table/market_pulse_dev/*');
    expect(resources).not.toContain('"*"');
    expect(statements.flatMap((statement) => statement.Action)).not.toContain('glue:CreateTable');
  });

  it('may encrypt query results with the stage key, through S3 only', () => {
    const keyPolicy = (Object.values(resourcesOf(s.template, 'AWS::KMS::Key'))[0]!.KeyPolicy as { Statement: Statement[] }).Statement;
    expect(keyPolicy.find((statement) => statement.Sid === 'ReadersWriteQueryResultsViaS3')).toMatchObject({
      Principal: { AWS: READER },
      Action: 'kms:GenerateDataKey',
      Condition: { StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' } },
    });
  });
});

describe('the config location for the CLI', () => {
  it('is a plain SSM parameter naming the object run-colors reads', () => {
    s.template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/market-pulse/dev/config/location',
      Type: 'String',
      Value: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('ResultsBucket') }, '/desk/config.json']] },
    });
  });
});

it('leaves no cdk-nag finding unacknowledged', () => {
  expect(new AwsSolutionsChecks(s.app).validateScope(s.stack).violations).toEqual([]);
});
