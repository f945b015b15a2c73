// Preloaded into the CLI process by pipeline-bench.ts (`node --import <this file's URL> ...`).
// When the process exits, writes its peak resident set size and CPU time to $BENCH_RSS_FILE.
// It changes nothing else about the process.
import { writeFileSync } from 'node:fs';

const target = process.env.BENCH_RSS_FILE;
if (target) {
  process.on('exit', (code) => {
    const usage = process.resourceUsage();
    writeFileSync(
      target,
      JSON.stringify({ maxRssKiB: usage.maxRSS, userCpuMicros: usage.userCPUTime, systemCpuMicros: usage.systemCPUTime, exitCode: code }),
    );
  });
}
