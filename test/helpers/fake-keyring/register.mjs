// Preloaded with `node --import`: the built byok sees this file-backed keyring as @napi-rs/keyring,
// so the keyring code path runs end to end on machines with no secret service (CI, containers).
import { register } from 'node:module';
register('./hooks.mjs', import.meta.url);
