/**
 * A folder publish that hashes its files on another thread once they are written
 * (lambdas/adapters/file-hash-thread.ts, fs-sink.ts): the manifest must list exactly the SHA-256s of
 * the stored bytes, the report must see every earlier file's, and a failed hash must leave nothing
 * published.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FileHasher, FileHashThread } from '../../../lambdas/adapters/file-hash-thread.js';
import { FsSink } from '../../../lambdas/adapters/fs-sink.js';
import type { DataFile, OutputFile, OutputWriter, PublishRequest, WrittenFile } from '../../../lambdas/pipeline/ports.js';
import { fixedRequest } from '../../helpers/publish-requests.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let dir: string;
let hasher: FileHashThread;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'file-hash-'));
  hasher = new FileHashThread();
});
afterAll(async () => {
  await hasher.close();
  await rm(dir, { recursive: true, force: true });
});

describe('FileHashThread', () => {
  it('gives the SHA-256 of each file, file after file, empty and multi-megabyte ones included', async () => {
    const bodies = [Buffer.alloc(0), Buffer.from('one line\n'), Buffer.alloc(3 * 1024 * 1024 + 17, 'é')];
    const paths = await Promise.all(
      bodies.map(async (body, index) => {
        const path = join(dir, `file-${index}.bin`);
        await writeFile(path, body);
        return path;
      }),
    );
    // Asked for all at once: answered in order, each its own.
    expect(await Promise.all(paths.map((path) => hasher.sha256(path)))).toEqual(bodies.map(sha256));
  });

  it('names the file it could not read', async () => {
    const missing = join(dir, 'missing.csv');
    await expect(hasher.sha256(missing)).rejects.toThrow(`hashing ${missing} failed: ENOENT`);
    // The thread goes on with the next file.
    const path = join(dir, 'after.csv');
    await writeFile(path, 'after\n');
    expect(await hasher.sha256(path)).toBe(sha256(Buffer.from('after\n')));
  });

  it('fails every file, naming the thread, when the hashing thread fails', async () => {
    const broken = new FileHashThread(new URL('../../helpers/workers/throwing-worker.mjs', import.meta.url));
    try {
      const path = join(dir, 'x.csv');
      await writeFile(path, 'x\n');
      await expect(broken.sha256(path)).rejects.toThrow(/hashing .*x\.csv failed: the hashing thread failed: .*the worker broke/);
      // Later files fail at once rather than wait for a thread that is gone.
      await expect(broken.sha256(path)).rejects.toThrow(/the worker broke/);
    } finally {
      await broken.close();
    }
  });
});

/** A data file of these texts that records the files it was given as written before it. */
function textFile(name: string, texts: readonly string[], seen?: WrittenFile[][]): DataFile {
  return {
    name,
    contentType: 'text/plain',
    readsEarlierFiles: seen !== undefined,
    *render(out: OutputWriter, before: readonly WrittenFile[]) {
      seen?.push([...before]);
      for (const text of texts) {
        out.write(text);
        yield;
      }
    },
  };
}

function request(runId: string, files: readonly DataFile[]): { request: PublishRequest; listed: () => readonly WrittenFile[] } {
  let listed: readonly WrittenFile[] = [];
  const manifest: OutputFile = {
    name: 'manifest.json',
    contentType: 'application/json',
    chunks: [Buffer.from('{}\n')],
    bytes: 3,
    sha256: '',
  };
  const fixed = fixedRequest({ asOf: '2026-11-20', runId, files: [], manifest });
  return {
    request: {
      ...fixed,
      files,
      manifest: (written) => {
        listed = written;
        return manifest;
      },
    },
    listed: () => listed,
  };
}

describe('FsSink with a FileHashThread', () => {
  it("lists each file's SHA-256 as stored, and gives a file that reads the earlier ones all of theirs", async () => {
    const seen: WrittenFile[][] = [];
    const big = Array.from({ length: 30 }, (_, at) => `${at},${'x'.repeat(100_000)}\n`);
    const files = [textFile('colors.csv', big), textFile('excluded.csv', ['a,b\n', 'c,d\n']), textFile('report.html', ['<p>'], seen)];
    const { request: publish, listed } = request('RUN1', files);
    const root = join(dir, 'out');
    await new FsSink(root, { hasher }).publish(publish);
    const runDir = join(root, 'runs', 'as-of=2026-11-20', 'run-id=RUN1');
    expect((await readdir(runDir)).sort()).toEqual(['colors.csv', 'excluded.csv', 'manifest.json', 'report.html']);
    const stored = async (name: string) => {
      const bytes = await readFile(join(runDir, name));
      return { name, bytes: bytes.length, sha256: sha256(bytes) };
    };
    expect(listed().map(({ name, bytes, sha256 }) => ({ name, bytes, sha256 }))).toEqual(
      await Promise.all(['colors.csv', 'excluded.csv', 'report.html'].map(stored)),
    );
    // The report was rendered knowing both earlier files' hashes.
    expect(seen).toHaveLength(1);
    expect(seen[0]!.map(({ name, sha256 }) => ({ name, sha256 }))).toEqual(
      (await Promise.all(['colors.csv', 'excluded.csv'].map(stored))).map(({ name, sha256 }) => ({ name, sha256 })),
    );
  });

  it('publishes nothing when a file cannot be hashed, and says the run is not published', async () => {
    const failing: FileHasher = { warm: () => undefined, sha256: async (path) => Promise.reject(new Error(`hashing ${path} failed: EIO`)) };
    const root = join(dir, 'failed');
    const { request: publish } = request('RUN2', [textFile('colors.csv', ['a\n'])]);
    await expect(new FsSink(root, { hasher: failing }).publish(publish)).rejects.toThrow(/hashing .*colors\.csv failed: EIO/);
    expect(await readdir(join(root, 'runs', 'as-of=2026-11-20'))).toEqual([]);
  });
});
