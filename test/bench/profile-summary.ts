/**
 * Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function and per source
 * file, plus garbage collection and idle, as shares of the sampled time. Bundled code is mapped
 * back to its TypeScript module through the bundle's source map (`npm run build` writes one), so
 * the CLI's time is shown per pipeline module. How the "where the time goes" figures in
 * docs/benchmarks.md are made:
 *
 *   node --cpu-prof --cpu-prof-dir .bench/prof dist/market-pulse.mjs run --input ... --out ...
 *   npx tsx test/bench/profile-summary.ts .bench/prof/CPU.*.cpuprofile [--top 30]
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  byFunction: { name: string; ms: number }[];
  byFile: { file: string; ms: number }[];
}

/** The original source file of a bundled location, when the bundle has a source map beside it. */
function originalFile(url: string, line: number, column: number, maps: Map<string, SourceMap | null>): string | undefined {
  if (!url.startsWith('file://')) return undefined;
  let map = maps.get(url);
  if (map === undefined) {
    const path = `${fileURLToPath(url)}.map`;
    map = existsSync(path) ? new SourceMap(JSON.parse(readFileSync(path, 'utf8'))) : null;
    maps.set(url, map);
  }
  const entry = map?.findEntry(line, column) as { originalSource?: string } | undefined;
  return entry?.originalSource === undefined ? undefined : basename(entry.originalSource);
}

export function summarize(profile: Profile): ProfileSummary {
  const maps = new Map<string, SourceMap | null>();
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const [id, micros] of selfMicros) {
    const { functionName, url, lineNumber, columnNumber } = nodes.get(id)!.callFrame;
    const file = originalFile(url, lineNumber, columnNumber, maps) ?? (url === '' ? functionName || '(native)' : basename(url));
    const name = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    byFile.set(file, (byFile.get(file) ?? 0) + micros);
    total += micros;
  }
  const sorted = <K extends string>(map: Map<string, number>, key: K) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .map(([name, micros]) => ({ [key]: name, ms: micros / 1000 }) as Record<K, string> & { ms: number });
  return { totalMs: total / 1000, byFunction: sorted(byFunction, 'name'), byFile: sorted(byFile, 'file') };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string' } }, allowPositionals: true });
  const top = Number(values.top ?? 25);
  for (const path of positionals) {
    const summary = summarize(JSON.parse(await readFile(path, 'utf8')) as Profile);
    const share = (ms: number) => `${((100 * ms) / summary.totalMs).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(6)} ms`;
    console.log(`${path}: ${(summary.totalMs / 1000).toFixed(2)} s sampled`);
    console.log('  by function (self time)');
    for (const { name, ms } of summary.byFunction.slice(0, top)) console.log(`    ${share(ms)}  ${name}`);
    console.log('  by file (self time)');
    for (const { file, ms } of summary.byFile.slice(0, top)) console.log(`    ${share(ms)}  ${file}`);
  }
}

main().catch((error: unknown) => {
  console.error(`profile-summary: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
