// An OS keyring stand-in for store unit tests: entries in memory, keyed "service|account", and a
// switch that makes every write fail as a locked keyring would.
import type { KeyringBackend } from '../../src/store/key-providers.js';

export function memoryKeyring(): KeyringBackend & { entries: Map<string, string>; failWrites: boolean } {
  const entries = new Map<string, string>();
  const k = {
    entries,
    failWrites: false,
    async get(service: string, account: string) {
      return entries.get(`${service}|${account}`);
    },
    async set(service: string, account: string, value: string) {
      if (k.failWrites) throw new Error('keyring locked');
      entries.set(`${service}|${account}`, value);
    },
  };
  return k;
}
