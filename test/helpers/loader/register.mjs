// Preloaded with `node --import`: records every module the process loads into BYOK_MODULE_LOG:
// what the ESM loader resolves (every import(), through hooks.mjs), and at exit every CommonJS
// file require() loaded (Node 20's hooks do not see require()).
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const log = process.env.BYOK_MODULE_LOG;
register('./hooks.mjs', import.meta.url, { data: { log } });
if (log) {
  const require = createRequire(import.meta.url);
  process.on('exit', () => appendFileSync(log, Object.keys(require.cache).map((f) => `${pathToFileURL(f).href}\n`).join('')));
}
