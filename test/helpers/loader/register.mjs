// Preloaded with `node --import`: records every module URL the process resolves into BYOK_MODULE_LOG.
import { register } from 'node:module';
register('./hooks.mjs', import.meta.url, { data: { log: process.env.BYOK_MODULE_LOG } });
