// Preloaded (node --require) by bench/startup.mjs: appends the process's peak resident set size
// (KiB) and the CPU time it has used (user + system, µs, all threads) to BENCH_RSS_FILE as it
// exits, for `node -e 0` and byok alike.
'use strict';
const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    require('node:fs').appendFileSync(file, `${u.maxRSS} ${u.userCPUTime + u.systemCPUTime}\n`);
  });
}
