// The one object through which commands reach the outside world (DESIGN §3): streams, env,
// clock, config dir, acting user, prompter, store. Tests build their own; only main.ts builds
// the real one from `process`.
import type { ChalkInstance } from 'chalk';
import { ConfigStore, defaultConfigDir } from '../store/config-store.js';
import type { KeyringBackend } from '../store/key-providers.js';
import { canPrompt, makeChalk, plainChalk, type Io } from './io.js';
import { inquirerPrompter, nonInteractivePrompter, type Prompter } from './prompter.js';
import type { Output } from './stdout.js';
import { guardStream, markedChalk, oneLine } from './terminal.js';

export type { Env } from '../core/env.js';
import type { Env } from '../core/env.js';
import type { Runtime } from '../app/runtime.js';

export interface Context extends Runtime {
  /** stdout and stderr here show outside text escaped and pass the secret scrubber (terminal.ts). */
  io: Io;
  /**
   * stdout without the scrubber, still terminal-safe: only for output whose job is to print a
   * credential (credential-process, the emulator's bootstrap keys).
   */
  credentialStdout: Output;
  env: Env;
  now: () => Date;
  configDir: string;
  /** The acting user: BYOK_USER, else the operating-system user name (program.ts checks BYOK_USER). */
  user: string;
  /** Plain until ready() has run; then chalk when the run has colour. */
  readonly chalk: ChalkInstance;
  /** Loads what colour needs, when the run has colour (runCli calls it first). */
  ready(): Promise<void>;
  /** Global flags, filled in by program.ts before a command runs. */
  flags: { json: boolean; debug: boolean; nonInteractive: boolean; workspace?: string };
  canPrompt(): boolean;
  prompter(): Promise<Prompter>;
  store(): ConfigStore;
  /** Notes for stderr (warnings from the store, e.g. the key-file warning). */
  warn(message: string): void;
  /** Set by long-running commands (the emulator) so main.ts does not exit under them. */
  keepAlive: boolean;
}

export interface ContextInit {
  io: Io;
  env: Env;
  now?: () => Date;
  osUser: string;
  configDir?: string;
  prompter?: Prompter;
  /** A keyring in place of the OS one (tests; embedding applications). */
  keyring?: KeyringBackend;
}

export function createContext(init: ContextInit): Context {
  const env = init.env;
  const configDir = init.configDir ?? defaultConfigDir(env);
  let store: ConfigStore | undefined;
  let prompter: Prompter | undefined = init.prompter;
  const warned = new Set<string>();
  // Our own colours are left out of --json runs; everything written is made terminal-safe.
  const ownSequences = () => !ctx.flags.json;
  // Built on first use: a local command that writes nothing to stderr never builds process.stderr
  // (a pipe's stream loads node:net), and one that reads nothing never builds process.stdin.
  let stdout: Output | undefined;
  let stderr: NodeJS.WritableStream | undefined;
  let credentialStdout: Output | undefined;
  const io: Io = {
    get stdin() {
      return init.io.stdin;
    },
    get stdout() {
      return (stdout ??= guardStream(init.io.stdout, { scrub: true, ownSequences }));
    },
    get stderr() {
      return (stderr ??= guardStream(init.io.stderr, { scrub: true, ownSequences }));
    },
    get stdinIsTTY() {
      return init.io.stdinIsTTY;
    },
    get stdoutIsTTY() {
      return init.io.stdoutIsTTY;
    },
    get stderrIsTTY() {
      return init.io.stderrIsTTY;
    },
  };
  const plain = plainChalk();
  let colour: ChalkInstance | null | undefined;
  const ctx: Context = {
    io,
    get credentialStdout() {
      return (credentialStdout ??= guardStream(init.io.stdout, { scrub: false, ownSequences }));
    },
    env,
    now: init.now ?? (() => new Date()),
    configDir,
    user: env.BYOK_USER && env.BYOK_USER.trim() !== '' ? env.BYOK_USER.trim() : init.osUser,
    get chalk() {
      return colour ?? plain;
    },
    async ready() {
      if (colour !== undefined) return;
      const c = await makeChalk(init.io, env);
      colour = c && markedChalk(c);
    },
    flags: { json: false, debug: false, nonInteractive: false },
    keepAlive: false,
    canPrompt: () => canPrompt(init.io, env, ctx.flags.nonInteractive),
    async prompter() {
      if (prompter) return prompter;
      prompter = ctx.canPrompt() ? await inquirerPrompter(init.io) : nonInteractivePrompter();
      return prompter;
    },
    store() {
      store ??= new ConfigStore({
        configDir,
        env,
        now: () => ctx.now(),
        // A passphrase is asked for only where a person can answer; otherwise the next key source is used.
        // Decided when a passphrase is needed (canPrompt asks the terminal, which loads node:tty).
        prompter: () => (ctx.canPrompt() ? { password: async (message: string) => (await ctx.prompter()).password(message, { flag: 'BYOK_PASSPHRASE (environment)' }) } : undefined),
        warn: (m) => ctx.warn(m),
        user: () => ctx.user,
        keyring: init.keyring,
      });
      return store;
    },
    warn(message: string) {
      if (warned.has(message)) return;
      warned.add(message);
      io.stderr.write(`${ctx.chalk.yellow('!')} ${oneLine(message)}\n`);
    },
  };
  return ctx;
}
