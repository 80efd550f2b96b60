// A stand-in for @napi-rs/keyring's AsyncEntry, kept in the JSON file FAKE_KEYRING_FILE (outside
// the config directory, as a real keyring is).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
const file = () => {
  const f = process.env.FAKE_KEYRING_FILE;
  if (!f) throw new Error('FAKE_KEYRING_FILE is not set');
  return f;
};
const load = () => (existsSync(file()) ? JSON.parse(readFileSync(file(), 'utf8')) : {});
export class AsyncEntry {
  constructor(service, account) {
    this.id = `${service}\u0000${account}`;
  }
  async getPassword() {
    return load()[this.id] ?? null;
  }
  async setPassword(v) {
    const m = load();
    m[this.id] = v;
    writeFileSync(file(), JSON.stringify(m), { mode: 0o600 });
  }
}
