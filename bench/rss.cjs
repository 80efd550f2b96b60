// Preloaded (node --require) by bench/startup.mjs: appends the process's peak resident set size
// (KiB) to BENCH_RSS_FILE as it exits, for `node -e 0` and byok alike.
'use strict';
const file = process.env.BENCH_RSS_FILE;
if (file) process.on('exit', () => require('node:fs').appendFileSync(file, `${process.resourceUsage().maxRSS}\n`));
