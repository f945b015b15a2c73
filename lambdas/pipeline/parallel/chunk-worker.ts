/**
 * The worker thread of parallel-read.ts: takes its setup as the first message (it may have been
 * started before the run knew it: reader-threads.ts), then reads the pieces of the file it is sent,
 * in the order sent, and posts back each piece's rows (chunk-rows.ts), moving their buffers rather
 * than copying.
 */
import { parentPort } from 'node:worker_threads';
import { SourceError } from '../../errors.js';
import { ChunkReader, type ChunkSetup } from './chunk-rows.js';

export interface PieceMessage {
  readonly index: number;
  readonly bytes: Uint8Array;
  readonly startsWithHeader: boolean;
  /** Buffers of lines this worker prepared, now in the spill file: to be filled again (chunk-rows.ts). */
  readonly spareLines: readonly ArrayBuffer[];
}

export interface SetupMessage {
  readonly setup: ChunkSetup;
}

if (parentPort === null) throw new Error('chunk-worker runs as a worker thread of parallel-read.ts');
const port = parentPort;
let reader: ChunkReader | undefined;

port.on('message', (message: SetupMessage | PieceMessage) => {
  if (reader === undefined) {
    reader = new ChunkReader((message as SetupMessage).setup);
    return;
  }
  const { index, bytes, startsWithHeader, spareLines } = message as PieceMessage;
  reader.recycleLines(spareLines);
  try {
    const { rows, transfer } = reader.read(bytes, startsWithHeader);
    // The piece goes back too: its rows' lines have been copied out, and the main thread reads the
    // next pieces into it rather than into fresh memory.
    port.postMessage({ index, rows, piece: bytes }, [...transfer, bytes.buffer as ArrayBuffer]);
  } catch (error) {
    // A SourceError (bad framing) is the input's fault: the run reads the file again on one thread
    // and reports it there, with the line numbers of the whole file.
    const message = error instanceof Error ? error.message : String(error);
    port.postMessage({ index, failed: { inputError: error instanceof SourceError, message } });
  }
});
