/** `market-pulse extract` (docs/oracle.md): the sample-data extraction, to a folder or S3, with the Lambda's code. */
import { parseArgs } from 'node:util';
import { NodeOracleConnectionFactory } from '../../lambdas/adapters/oracle/connection.js';
import { createS3Client } from '../../lambdas/adapters/s3/client.js';
import { parseS3Location } from '../../lambdas/adapters/s3-location.js';
import { UsageError } from '../../lambdas/errors.js';
import { DEFAULT_SAMPLE_ROWS, MAX_SAMPLE_ROWS, parseSampleRows, parseTableRef } from '../../lambdas/oracle-extract/event.js';
import { runExtract } from '../../lambdas/oracle-extract/extract.js';
import { DirectoryExtractWriter, type ExtractWriter, S3ExtractWriter } from '../../lambdas/oracle-extract/writers.js';
import { DEFAULT_TIME_ZONE } from '../../lambdas/pipeline/config.js';
import { isValidTimeZone } from '../../lambdas/pipeline/time-zone.js';
import { cliLog } from './cli-log.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { checkStage, rejectEmptyOptions } from './options.js';
import { checkOutputFolder } from './output-folder.js';
import { stageSettings } from './stage-settings.js';

export const EXTRACT_HELP = `Usage: market-pulse extract --stage <stage> [--table T] [--rows N]
                            [--out <dir|s3://bucket/prefix>] [--time-zone <IANA zone>]

Connects with the stage's SSM parameters and writes, under <out>/<timestamp>/ (a folder) or
<prefix>/extracts/<timestamp>/ (S3), never overwriting anything:
  database_info.json       version, instance and service, current schema and user, database time
  accessible_tables.json   every table the user can read (owner, name, row estimate)
  <TABLE>_schema.json      columns (type, length, precision, scale, nullable) and primary key
  <TABLE>_sample.csv       the first N rows; numbers keep every digit, dates are ISO-8601
  <TABLE>_sample.json      the same rows as JSON objects, every value a string or null
Only reads: dictionary queries take names as bind variables, and names are validated first.

Options:
  --stage <stage>      the stage whose SSM parameters to use (standard AWS credentials and region)
  --table <T>          TABLE or OWNER.TABLE (default: the stage's schema and table parameters)
  --rows <N>           sample rows, 1-${MAX_SAMPLE_ROWS} (default ${DEFAULT_SAMPLE_ROWS})
  --out <where>        a folder (default ./extracts) or s3://bucket/prefix
  --time-zone <zone>   the session time zone for TIMESTAMP WITH LOCAL TIME ZONE (default ${DEFAULT_TIME_ZONE})
  -h, --help           show this help

If the table cannot be read, database_info.json and accessible_tables.json are still written and
the command exits ${EXIT.failed} saying where.

Exit codes: ${EXIT.ok} extracted, ${EXIT.failed} SSM or Oracle failed (or unexpected), ${EXIT.usage} usage or no AWS region set,
${EXIT.publish} writing the files failed.`;

export async function extractCommand(args: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      stage: { type: 'string' },
      table: { type: 'string' },
      rows: { type: 'string' },
      out: { type: 'string', default: './extracts' },
      'time-zone': { type: 'string', default: DEFAULT_TIME_ZONE },
    },
    strict: true,
    allowPositionals: false,
  });
  // Everything is checked before SSM or Oracle is touched.
  rejectEmptyOptions(values);
  if (values.stage === undefined) throw new UsageError('extract needs --stage <stage> (see market-pulse extract --help)');
  checkStage(values.stage);
  const table = values.table === undefined ? undefined : parseTableRef(values.table, '--table');
  const rows = values.rows === undefined ? DEFAULT_SAMPLE_ROWS : parseSampleRows(values.rows, '--rows');
  const timeZone = values['time-zone'];
  if (!isValidTimeZone(timeZone)) {
    throw new UsageError(`--time-zone: unknown time zone ${JSON.stringify(timeZone)} (use an IANA name such as America/New_York)`);
  }
  const writer = writerFor(values.out);
  if (!values.out.startsWith('s3://')) await checkOutputFolder(values.out);

  const log = cliLog(io);
  const settings = await stageSettings(values.stage, log);
  const result = await runExtract(
    { rows, ...(table ? { table } : {}) },
    { stage: values.stage, settings, factory: new NodeOracleConnectionFactory(), writer, timeZone, log },
  );
  for (const warning of result.warnings) io.err(`warning: ${warning}`);
  io.out(`Extracted ${result.table} (${result.rows.toLocaleString('en-US')} sample rows) to ${result.location}`);
  const width = Math.max(...result.files.map((file) => file.name.length));
  for (const file of result.files) io.out(`  ${file.name.padEnd(width)}  ${file.bytes.toLocaleString('en-US').padStart(12)} bytes`);
}

function writerFor(out: string): ExtractWriter {
  if (!out.startsWith('s3://')) return new DirectoryExtractWriter(out);
  const { bucket, prefix } = parseS3Location(out, '--out');
  return new S3ExtractWriter({ client: createS3Client(), bucket, prefix });
}
