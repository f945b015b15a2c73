/** In-memory implementations of the pipeline's ports, for tests that exercise the real pipeline. */
import { COLUMNS } from '../../lambdas/pipeline/columns.js';
import { type LatestPointer, latestPointer, pointerDecision, type StoredRun } from '../../lambdas/pipeline/latest-pointer.js';
import { renderFiles } from '../../lambdas/pipeline/outputs/renderer.js';
import type {
  ColorSource,
  OpenedSource,
  OutputFile,
  PublishedRun,
  PublishRequest,
  RawRecord,
  ResultSink,
} from '../../lambdas/pipeline/ports.js';

export class MemorySource implements ColorSource {
  readonly description: string = 'memory:test';
  constructor(
    private readonly header: readonly string[],
    private readonly rows: readonly (readonly (string | null)[])[],
  ) {}

  async open(): Promise<OpenedSource> {
    const rows = this.rows;
    async function* records(): AsyncIterable<RawRecord> {
      let sourceRow = 0;
      for (const values of rows) yield { sourceRow: ++sourceRow, values };
    }
    return { header: this.header, records: records() };
  }
}

/** A run as MemorySink stored it: its files rendered whole. */
export interface StoredRequest extends Omit<PublishRequest, 'files' | 'manifest'> {
  readonly files: readonly OutputFile[];
  readonly manifest: OutputFile;
}

/** Keeps published runs and each as-of date's latest.json in memory, with the pointer rules of the real sinks. */
export class MemorySink implements ResultSink {
  readonly description = 'memory:sink';
  readonly published: StoredRequest[] = [];
  /** latest.json per as-of date. */
  readonly latest = new Map<string, LatestPointer>();

  async publish(request: PublishRequest): Promise<PublishedRun> {
    const files = renderFiles(request.files);
    const tables = renderFiles((request.tableFiles ?? []).map(({ file }) => file));
    const manifest = request.manifest([...files, ...tables]);
    this.published.push({ ...request, files, manifest });
    if (request.holdBack !== null) return { ...this.where(request), pointer: { status: 'held-back', reason: request.holdBack } };
    return this.movePointer({ asOf: request.asOf, runId: request.runId, manifestSha256: manifest.sha256 });
  }

  async movePointer(run: StoredRun): Promise<PublishedRun> {
    const decision = pointerDecision(this.latest.get(run.asOf) ?? null, run.runId);
    if (decision === 'write') this.latest.set(run.asOf, latestPointer(run, new Date()));
    return { ...this.where(run), pointer: decision === 'write' ? { status: 'current' } : decision };
  }

  private where(run: { asOf: string; runId: string }): Omit<PublishedRun, 'pointer'> {
    return { location: `memory:${run.runId}`, latest: `memory:${run.asOf}/latest.json` };
  }

  async readManifest(asOf: string, runId: string): Promise<string | null> {
    const request = this.published.find((candidate) => candidate.asOf === asOf && candidate.runId === runId);
    return request ? Buffer.concat(request.manifest.chunks.map((chunk) => Buffer.from(chunk))).toString('utf8') : null;
  }

  /** The text of a published file of the last run. */
  text(name: string): string {
    const request = this.published.at(-1);
    if (!request) throw new Error('nothing was published');
    const file = [...request.files, request.manifest].find((candidate) => candidate.name === name);
    if (!file) throw new Error(`no file ${name} in the published run`);
    return Buffer.concat(file.chunks.map((chunk) => Buffer.from(chunk))).toString('utf8');
  }
}

/** A full-width record in COLUMNS order from a partial set of fields. */
export function recordOf(fields: Partial<Record<(typeof COLUMNS)[number], string | null>>): (string | null)[] {
  return COLUMNS.map((column) => fields[column] ?? null);
}
