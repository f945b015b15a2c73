/**
 * Querying the runs with Athena (docs/queries.md): a Glue database with a table per run output and
 * one over the latest.json copies, all partitioned by `as_of` with partition projection (no crawler,
 * nothing to register); views that keep each date's latest run; an Athena workgroup whose results
 * go, encrypted with the stage key, to `<prefix>/athena-results/` of the results bucket, with a
 * bytes-scanned limit per query. Readers named by context get what querying needs and nothing more.
 */
import { Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { EncryptionKey } from './encryption-key.js';
import { acknowledge } from './nag.js';
import type { ResultsBucket } from './results-bucket.js';
import {
  type GlueType,
  LATEST_COLUMNS,
  latestViewSql,
  RUN_TABLE_NAMES,
  RUN_TABLES,
  type RunTableName,
  type TableColumn,
  tableFolder,
} from './run-tables.js';

/** The first as-of date the projection covers; earlier dates are never queried. */
export const FIRST_AS_OF = '2020-01-01';
export const ATHENA_RESULTS_FOLDER = 'athena-results';

export interface AnalyticsProps {
  readonly stage: string;
  readonly key: EncryptionKey;
  readonly results: ResultsBucket;
  readonly bytesScannedCutoffMb: number;
  readonly readerRoleArns: readonly string[];
}

const PARQUET = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
};

// Ion is a superset of JSON and, unlike the JSON SerDes, reads a value spread over several lines.
const ION = {
  inputFormat: 'com.amazon.ionhiveserde.formats.IonInputFormat',
  outputFormat: 'com.amazon.ionhiveserde.formats.IonOutputFormat',
  serdeInfo: { serializationLibrary: 'com.amazon.ionhiveserde.IonHiveSerDe' },
};

/** How Athena (Trino) names the Hive types in a view definition. */
const VIEW_TYPES: Readonly<Record<GlueType | 'date', string>> = {
  string: 'varchar',
  double: 'double',
  int: 'integer',
  bigint: 'bigint',
  boolean: 'boolean',
  timestamp: 'timestamp',
  date: 'date',
};

export class Analytics extends Construct {
  readonly databaseName: string;
  readonly workGroup: athena.CfnWorkGroup;
  /** What readers attach to query (absent without readers). */
  readonly analystPolicy: iam.ManagedPolicy | undefined;

  constructor(scope: Construct, id: string, props: AnalyticsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { results } = props;
    this.databaseName = `market_pulse_${props.stage.replace(/-/g, '_')}`;
    const database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: {
        name: this.databaseName,
        description: `market-pulse ${props.stage}: every run's colors, exclusions and rejections (docs/queries.md)`,
      },
    });
    const location = (folder: string) => `s3://${results.bucket.bucketName}/${results.folder(folder)}/`;
    const table = (name: string, description: string, columns: readonly TableColumn[], folder: string, format: typeof PARQUET): void => {
      const created = new glue.CfnTable(this, `Table${name.replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase())}`, {
        catalogId: stack.account,
        databaseName: this.databaseName,
        tableInput: {
          name,
          description,
          tableType: 'EXTERNAL_TABLE',
          partitionKeys: [{ name: 'as_of', type: 'date', comment: 'the as-of date (the as-of=YYYY-MM-DD folder)' }],
          storageDescriptor: {
            columns: columns.map((column) => ({ name: column.name.toLowerCase(), type: column.type, comment: column.comment })),
            location: location(folder),
            ...format,
          },
          parameters: {
            classification: format === PARQUET ? 'parquet' : 'ion',
            'projection.enabled': 'true',
            'projection.as_of.type': 'date',
            'projection.as_of.format': 'yyyy-MM-dd',
            'projection.as_of.range': `${FIRST_AS_OF},NOW`,
            'projection.as_of.interval': '1',
            'projection.as_of.interval.unit': 'DAYS',
            'storage.location.template': `${location(folder)}as-of=\${as_of}/`,
          },
        },
      });
      created.addResourceDependency(database);
    };
    table('colors', 'Ranked colors of every run: parents and children', RUN_TABLES.colors, tableFolder('colors'), PARQUET);
    table('excluded', 'Rows the rules (or dedupe) took out, every run', RUN_TABLES.excluded, tableFolder('excluded'), PARQUET);
    table('rejected', 'Rows that broke a data rule, as read, every run', RUN_TABLES.rejected, tableFolder('rejected'), PARQUET);
    table('latest_runs', "Each as-of date's latest.json: the run readers are pointed at", LATEST_COLUMNS, tableFolder('latest'), ION);
    for (const name of RUN_TABLE_NAMES) this.latestView(name, database);

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: `market-pulse-${props.stage}`,
      description: `market-pulse ${props.stage}: queries over the runs (docs/queries.md)`,
      state: 'ENABLED',
      // The history goes with the workgroup when the stack is deleted; the results stay in the bucket.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffMb * 1_000_000,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: location(ATHENA_RESULTS_FOLDER),
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.key.key.keyArn },
        },
      },
    });

    if (props.readerRoleArns.length > 0) this.analystPolicy = this.grantReaders(props, stack);
  }

  /**
   * `latest_<table>`: the table's rows of the run each date's latest.json names. Stored as Athena
   * stores a view it creates itself (a Presto view in Glue); docs/queries.md has the same statement
   * to re-create it by hand.
   */
  private latestView(name: RunTableName, database: glue.CfnDatabase): void {
    const columns = [
      ...RUN_TABLES[name].map((column) => ({ name: column.name.toLowerCase(), type: column.type as GlueType | 'date' })),
      { name: 'as_of', type: 'date' as const },
    ];
    const sql = latestViewSql(name);
    const definition = {
      originalSql: sql,
      catalog: 'awsdatacatalog',
      schema: this.databaseName,
      columns: columns.map((column) => ({ name: column.name, type: VIEW_TYPES[column.type] })),
    };
    const view = new glue.CfnTable(this, `View${name[0]!.toUpperCase()}${name.slice(1)}`, {
      catalogId: Stack.of(this).account,
      databaseName: this.databaseName,
      tableInput: {
        name: `latest_${name}`,
        description: `${name} of the run each as-of date's latest.json names`,
        tableType: 'VIRTUAL_VIEW',
        parameters: { presto_view: 'true', comment: 'Presto View' },
        viewOriginalText: `/* Presto View: ${Buffer.from(JSON.stringify(definition)).toString('base64')} */`,
        viewExpandedText: '/* Presto View */',
        storageDescriptor: { columns: columns.map((column) => ({ name: column.name, type: column.type })), serdeInfo: {} },
      },
    });
    view.addResourceDependency(database);
  }

  /**
   * Readers (any account) query through this workgroup: the bucket policy lets them read the
   * tables' files and read and write `athena-results/`, the key policy lets them encrypt and
   * decrypt through S3; the Athena and Glue half is a managed policy for the account's
   * administrators to attach (as with the operators' policy, roles are not changed from here).
   */
  private grantReaders(props: AnalyticsProps, stack: Stack): iam.ManagedPolicy {
    const { results, readerRoleArns: readers } = props;
    const principals = readers.map((arn) => new iam.ArnPrincipal(arn));
    results.grantReadToPrincipals(readers, 'tables', 'TablesForReaders');
    const resultsPath = results.folder(ATHENA_RESULTS_FOLDER);
    results.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ReadersWriteQueryResults',
        principals,
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [results.bucket.arnForObjects(`${resultsPath}/*`)],
      }),
    );
    results.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ReadersListQueryResults',
        principals,
        actions: ['s3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [results.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${resultsPath}/*`] } },
      }),
    );
    results.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ReadersLocateResultsBucket',
        principals,
        actions: ['s3:GetBucketLocation'],
        resources: [results.bucket.bucketArn],
      }),
    );
    // Reading (Decrypt) is granted for the runs already; query results are also written.
    props.key.allowPrincipals(readers, { sid: 'ReadersWriteQueryResultsViaS3', actions: ['kms:GenerateDataKey'], viaService: 's3' });

    const tablesArn = stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/*` });
    const policy = new iam.ManagedPolicy(this, 'AnalystPolicy', {
      managedPolicyName: `market-pulse-${props.stage}-analyst`,
      description: `market-pulse ${props.stage}: query the runs with Athena in workgroup ${this.workGroup.name} (attach to the reader roles)`,
      statements: [
        new iam.PolicyStatement({
          sid: 'QueryInTheStageWorkGroup',
          actions: [
            'athena:StartQueryExecution',
            'athena:StopQueryExecution',
            'athena:GetQueryExecution',
            'athena:GetQueryResults',
            'athena:GetQueryResultsStream',
            'athena:BatchGetQueryExecution',
            'athena:ListQueryExecutions',
            'athena:GetWorkGroup',
          ],
          resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroup.name })],
        }),
        new iam.PolicyStatement({
          sid: 'BrowseTheStageTables',
          actions: [
            'athena:GetDataCatalog',
            'athena:ListDatabases',
            'athena:GetDatabase',
            'athena:ListTableMetadata',
            'athena:GetTableMetadata',
          ],
          resources: [stack.formatArn({ service: 'athena', resource: 'datacatalog', resourceName: 'AwsDataCatalog' })],
        }),
        new iam.PolicyStatement({
          sid: 'ReadTheStageTables',
          actions: [
            'glue:GetDatabase',
            'glue:GetDatabases',
            'glue:GetTable',
            'glue:GetTables',
            'glue:GetPartition',
            'glue:GetPartitions',
            'glue:BatchGetPartition',
          ],
          resources: [
            stack.formatArn({ service: 'glue', resource: 'catalog' }),
            stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
            tablesArn,
          ],
        }),
      ],
    });
    acknowledge(
      policy,
      `AwsSolutions-IAM5[Resource::${String(stack.resolve(tablesArn))}]`,
      'Every table and view of the stage database, and only those: readers query all of them, and a view is read through the tables it names.',
    );
    return policy;
  }
}
