#!/usr/bin/env node
// `byok --version` alone answers before anything loads (the version is all it needs); every other
// invocation runs the CLI.
const a = process.argv.slice(2);
if (a.length === 1 && (a[0] === '--version' || a[0] === '-V')) {
  const { readFileSync } = await import('node:fs');
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  await import('../dist/cli/main.js');
}
