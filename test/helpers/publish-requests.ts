/** Publish requests of files already rendered, for the sink tests: the request, and the files as the sink should write them. */
import { finishedFile } from '../../lambdas/pipeline/outputs/renderer.js';
import type { DataFile, OutputFile, PublishRequest } from '../../lambdas/pipeline/ports.js';

export interface FixedRequest extends PublishRequest {
  readonly files: readonly (DataFile & OutputFile)[];
  /** The manifest the request hands the sink (whatever the files were written as). */
  readonly manifestFile: OutputFile;
}

export function fixedRequest(run: {
  readonly asOf: string;
  readonly runId: string;
  readonly files: readonly OutputFile[];
  readonly manifest: OutputFile;
  readonly holdBack?: string | null;
}): FixedRequest {
  return {
    asOf: run.asOf,
    runId: run.runId,
    files: run.files.map((file) => finishedFile(file)),
    manifest: () => run.manifest,
    manifestFile: run.manifest,
    holdBack: run.holdBack ?? null,
  };
}
