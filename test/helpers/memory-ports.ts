/** In-memory implementations of the pipeline's ports, for tests that exercise the real pipeline. */
import { COLUMNS } from '../../lambdas/pipeline/columns.js';
import type { ColorSource, OpenedSource, PublishedRun, PublishRequest, RawRecord, ResultSink } from '../../lambdas/pipeline/ports.js';

export class MemorySource implements ColorSource {
  readonly description = 'memory:test';
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

export class MemorySink implements ResultSink {
  readonly description = 'memory:sink';
  readonly published: PublishRequest[] = [];

  async publish(request: PublishRequest): Promise<PublishedRun> {
    this.published.push(request);
    return { location: `memory:${request.runId}`, latest: `memory:${request.asOf}/latest.json` };
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
