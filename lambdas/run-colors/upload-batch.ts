/**
 * run-colors as the consumer of the stage's upload queue (docs/architecture.md, "Uploads join the
 * day"). S3 reports each file put under `<prefix>/uploads/as-of=YYYY-MM-DD/` to EventBridge, whose
 * rule sends the event to the queue; Lambda hands the queue's messages over in batches gathered for
 * up to a minute. A batch runs each as-of date it names once, as `{ asOf, trigger: "upload", key }`
 * — every run reads all the uploads of its date, so ten uploads in one batch make one run.
 *
 * A date whose run fails has its messages reported back (SQS partial batch response) to come again
 * after the queue's visibility timeout, and into the dead-letter queue after the last attempt; the
 * other dates' messages are done. A run held back is not a failure here: it is published, announced
 * and counted (RunsHeldBack), and running it again would only make another run of the same files.
 * A message that names no date (a key outside the dated folders, or not an S3 event at all) can
 * never run: it is logged and dropped.
 */

import { normalizePrefix } from '../adapters/s3-location.js';
import { RunHeldBackError } from '../errors.js';
import type { Log } from '../log.js';
import { UPLOADS_FOLDER } from '../names.js';
import { parseAsOf } from '../pipeline/as-of.js';

interface SqsRecord {
  readonly messageId: string;
  readonly body: string;
}

export interface SqsBatch {
  readonly Records: readonly SqsRecord[];
}

/** What Lambda takes back from an SQS batch: the messages to deliver again (docs: "Handling errors for an SQS event source"). */
export interface BatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

/** The run one batch asks for on one date. */
export interface UploadRun {
  readonly event: { readonly asOf: string; readonly trigger: 'upload'; readonly key: string };
  /** Every key of the batch under that date, in the order they came. */
  readonly keys: readonly string[];
  readonly messageIds: readonly string[];
}

/** Whether the event is a batch of SQS messages (the upload queue's event source mapping), not a run event. */
export function isSqsBatch(event: unknown): event is SqsBatch {
  const records = (event as { Records?: unknown } | null)?.Records;
  return Array.isArray(records) && records.length > 0 && (records[0] as { eventSource?: unknown }).eventSource === 'aws:sqs';
}

/** The runs the batch asks for, one per as-of date, in the order the dates first came; messages naming none are logged. */
export function uploadRunsOf(batch: SqsBatch, resultsPrefix: string, log: Log): UploadRun[] {
  const dated = datedKeyPattern(resultsPrefix);
  const runs = new Map<string, { keys: string[]; messageIds: string[] }>();
  for (const record of batch.Records) {
    const key = objectKeyOf(record.body);
    const asOf = key === undefined ? undefined : dated.exec(key)?.[1];
    const valid = asOf !== undefined && isDate(asOf);
    if (key === undefined || !valid) {
      log.warn('upload event names no as-of date; dropped', {
        messageId: record.messageId,
        key: key ?? null,
        expected: `${joinPrefix(resultsPrefix)}${UPLOADS_FOLDER}/as-of=YYYY-MM-DD/<file>`,
      });
      continue;
    }
    const run = runs.get(asOf) ?? { keys: [], messageIds: [] };
    run.keys.push(key);
    run.messageIds.push(record.messageId);
    runs.set(asOf, run);
  }
  return [...runs].map(([asOf, { keys, messageIds }]) => ({ event: { asOf, trigger: 'upload', key: keys[0]! }, keys, messageIds }));
}

/** Runs each date of the batch once, one after another; returns the messages of the dates whose run failed. */
export async function runUploadBatch(
  batch: SqsBatch,
  resultsPrefix: string,
  run: (event: UploadRun['event']) => Promise<unknown>,
  log: Log,
): Promise<BatchResponse> {
  const runs = uploadRunsOf(batch, resultsPrefix, log);
  log.info('upload batch', { messages: batch.Records.length, dates: runs.map(({ event, keys }) => ({ asOf: event.asOf, keys })) });
  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const { event, messageIds } of runs) {
    try {
      await run(event);
    } catch (error) {
      // The handler has logged, counted and announced it; held back is an outcome, not a failure to retry.
      if (error instanceof RunHeldBackError) continue;
      batchItemFailures.push(...messageIds.map((itemIdentifier) => ({ itemIdentifier })));
    }
  }
  return { batchItemFailures };
}

/** The object key of an EventBridge S3 `Object Created` event, or undefined for anything else. */
function objectKeyOf(body: string): string | undefined {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    return undefined;
  }
  const { source, 'detail-type': detailType, detail } = (event ?? {}) as { source?: unknown; 'detail-type'?: unknown; detail?: unknown };
  if (source !== 'aws.s3' || detailType !== 'Object Created') return undefined;
  const key = (detail as { object?: { key?: unknown } } | undefined)?.object?.key;
  return typeof key === 'string' && key !== '' ? key : undefined;
}

/**
 * `<prefix>/uploads/as-of=<date>/<name>`, the date captured. EventBridge hands the key as stored;
 * `%3D` for the `=` is taken too, as S3's own notifications URL-encode keys.
 */
function datedKeyPattern(resultsPrefix: string): RegExp {
  const folder = `${joinPrefix(resultsPrefix)}${UPLOADS_FOLDER}/`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${folder}as-of(?:=|%3[Dd])(\\d{4}-\\d{2}-\\d{2})/.+`);
}

function joinPrefix(resultsPrefix: string): string {
  const prefix = normalizePrefix(resultsPrefix);
  return prefix === '' ? '' : `${prefix}/`;
}

function isDate(text: string): boolean {
  try {
    parseAsOf(text);
    return true;
  } catch {
    return false;
  }
}
