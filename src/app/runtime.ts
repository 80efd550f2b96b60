// What a workflow needs from its surroundings, and nothing of the terminal: the environment, the
// clock, the config store, the acting user and the workspace they asked for, and a sink for
// warnings. The CLI's Context extends it with streams, colour, flags and the prompter; a test or an
// embedding program builds one of its own.
import type { Actor } from '../core/access.js';
import type { Env } from '../core/env.js';
import { ConfigStore, defaultConfigDir } from '../store/config-store.js';
import type { KeyringBackend } from '../store/key-providers.js';

export type { Env } from '../core/env.js';

export interface Runtime extends Actor {
  env: Env;
  now: () => Date;
  configDir: string;
  store(): ConfigStore;
  warn(message: string): void;
}

export interface RuntimeInit {
  /** The environment byok reads (BYOK_*, AWS_*, endpoints). Default: none — pass process.env to use the process's. */
  env?: Env;
  /** The config directory (default: BYOK_CONFIG_DIR, else the platform's config directory for byok). */
  configDir?: string;
  /** The acting user, as written in the config and the audit log (default: BYOK_USER). */
  user: string;
  /** The workspace to act on (default: the config's current one). */
  workspace?: string;
  now?: () => Date;
  /** A keyring in place of the OS one (tests; embedding programs). */
  keyring?: KeyringBackend;
  /** Notes from the store (e.g. the key-file warning); default: dropped. */
  warn?: (message: string) => void;
  /** Asked for the passphrase when the config key comes from one; absent: the next key source is used. */
  passphrase?: () => Promise<string>;
}

/** A Runtime without a terminal: what a test or an embedding program uses to run the workflows. */
export function createRuntime(init: RuntimeInit): Runtime {
  const env: Env = init.env ?? {};
  const configDir = init.configDir ?? defaultConfigDir(env);
  const passphrase = init.passphrase;
  let store: ConfigStore | undefined;
  const rt: Runtime = {
    env,
    now: init.now ?? (() => new Date()),
    configDir,
    user: init.user,
    flags: { workspace: init.workspace },
    store() {
      store ??= new ConfigStore({
        configDir,
        env,
        now: () => rt.now(),
        prompter: passphrase ? { password: () => passphrase() } : undefined,
        warn: (m) => rt.warn(m),
        user: () => rt.user,
        keyring: init.keyring,
      });
      return store;
    },
    warn: (m) => init.warn?.(m),
  };
  return rt;
}
