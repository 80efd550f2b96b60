// What a workflow needs from its surroundings, and nothing of the terminal: the environment, the
// clock, the config store, the acting user and the workspace they asked for, and a sink for
// warnings. The CLI's Context extends it with streams, colour, flags and the prompter; a test or an
// embedding program builds one of its own.
import type { Actor } from '../core/access.js';
import type { Env } from '../core/env.js';
import type { ConfigStore } from '../store/config-store.js';

export type { Env } from '../core/env.js';

export interface Runtime extends Actor {
  env: Env;
  now: () => Date;
  configDir: string;
  store(): ConfigStore;
  warn(message: string): void;
}
