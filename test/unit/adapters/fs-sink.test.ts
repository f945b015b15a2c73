import { mkdtemp, readdir, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsSink } from '../../../lambdas/adapters/fs-sink.js';
import { PublishError, RunAlreadyPublishedError } from '../../../lambdas/errors.js';
import type { OutputFile, PublishRequest } from '../../../lambdas/pipeline/ports.js';

function file(name: string, text: string): OutputFile {
  const body = Buffer.from(text);
  return { name, contentType: 'text/plain', chunks: [body.subarray(0, 3), body.subarray(3)], bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') };
}

function request(runId: string, asOf = '2026-11-20'): PublishRequest {
  return { asOf, runId, files: [file('colors.csv', 'a,b\n1,2\n'), file('excluded.csv', 'a\n')], manifest: file('manifest.json', `{"runId":"${runId}"}\n`) };
}

describe('FsSink', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'mp-sink-'));
  });
  afterEach(async () => {
    await chmod(join(root, 'runs'), 0o755).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  it('publishes every file under the run folder and points latest.json at it', async () => {
    const sink = new FsSink(root, () => new Date('2026-11-20T23:00:00Z'));
    const published = await sink.publish(request('RUN1'));
    const runDir = join(root, 'runs', 'as-of=2026-11-20', 'run-id=RUN1');
    expect(published).toEqual({ location: runDir, latest: join(root, 'runs', 'as-of=2026-11-20', 'latest.json') });
    expect((await readdir(runDir)).sort()).toEqual(['colors.csv', 'excluded.csv', 'manifest.json']);
    expect(await readFile(join(runDir, 'colors.csv'), 'utf8')).toBe('a,b\n1,2\n');
    const latest = JSON.parse(await readFile(published.latest, 'utf8'));
    expect(latest).toEqual({
      asOf: '2026-11-20',
      runId: 'RUN1',
      manifest: 'run-id=RUN1/manifest.json',
      manifestSha256: createHash('sha256').update('{"runId":"RUN1"}\n').digest('hex'),
      publishedAt: '2026-11-20T23:00:00.000Z',
    });
    // Nothing is left behind but the run folder and the pointer.
    expect((await readdir(join(root, 'runs', 'as-of=2026-11-20'))).sort()).toEqual(['latest.json', 'run-id=RUN1']);
  });

  it('moves latest.json to a newer run and keeps the older run intact', async () => {
    const sink = new FsSink(root);
    await sink.publish(request('RUN1'));
    await sink.publish(request('RUN2'));
    const dateDir = join(root, 'runs', 'as-of=2026-11-20');
    expect(JSON.parse(await readFile(join(dateDir, 'latest.json'), 'utf8')).runId).toBe('RUN2');
    expect(await readFile(join(dateDir, 'run-id=RUN1', 'manifest.json'), 'utf8')).toBe('{"runId":"RUN1"}\n');
  });

  it('reads back the manifest of a published run, and null for an unknown one', async () => {
    const sink = new FsSink(root);
    await sink.publish(request('RUN1'));
    expect(await sink.readManifest('2026-11-20', 'RUN1')).toBe('{"runId":"RUN1"}\n');
    expect(await sink.readManifest('2026-11-20', 'RUN9')).toBeNull();
    expect(await sink.readManifest('2026-11-21', 'RUN1')).toBeNull();
  });

  it('never overwrites a published run', async () => {
    const sink = new FsSink(root);
    await sink.publish(request('RUN1'));
    const again = { ...request('RUN1'), files: [file('colors.csv', 'other\n')] };
    await expect(sink.publish(again)).rejects.toThrow(RunAlreadyPublishedError);
    expect(await readFile(join(root, 'runs', 'as-of=2026-11-20', 'run-id=RUN1', 'colors.csv'), 'utf8')).toBe('a,b\n1,2\n');
  });

  it('leaves no run folder, no staging folder and an unmoved latest.json when a write fails', async () => {
    const sink = new FsSink(root);
    await sink.publish(request('RUN1'));
    // Two data files with the same name make the second exclusive create fail mid-run.
    const broken: PublishRequest = { ...request('RUN2'), files: [file('colors.csv', 'x\n'), file('colors.csv', 'y\n')] };
    await expect(sink.publish(broken)).rejects.toThrow(PublishError);
    await expect(sink.publish(broken)).rejects.toThrow(/latest.json was not changed/);
    const dateDir = join(root, 'runs', 'as-of=2026-11-20');
    expect((await readdir(dateDir)).sort()).toEqual(['latest.json', 'run-id=RUN1']);
    expect(JSON.parse(await readFile(join(dateDir, 'latest.json'), 'utf8')).runId).toBe('RUN1');
  });

  it('reports an output folder it cannot create', async () => {
    const blocker = join(root, 'not-a-dir');
    await writeFile(blocker, 'x');
    await expect(new FsSink(blocker).publish(request('RUN1'))).rejects.toThrow(/cannot create output folder/);
  });
});
