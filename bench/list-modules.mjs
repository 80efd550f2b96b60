// node --import ./bench/list-modules.mjs ...: writes every module file the process loads (ESM
// through the loader hook below, CommonJS through Module._load's cache) to BENCH_MODULES_FILE at exit.
// Used by bench/startup.mjs to show what `byok --version` loads.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const file = process.env.BENCH_MODULES_FILE;
if (file) {
  register(new URL(`data:text/javascript,${encodeURIComponent(`
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(${JSON.stringify(file)}, url + '\\n');
  return next(url, context);
}`)}`));
  const require = createRequire(import.meta.url);
  process.on('exit', () => appendFileSync(file, Object.keys(require.cache).map((f) => `file://${f}\n`).join('')));
}
