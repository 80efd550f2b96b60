// The root command: global flags, commander wired to the context's streams, every error mapped
// to byok's exit codes (DESIGN §2). Commands register themselves; nothing here does work.
import { Command, CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { validateUserName } from '../core/config-doc.js';
import { EXIT, UsageError, type ExitCode } from '../core/errors.js';
import type { Context } from './context.js';
import { renderError } from './output.js';
import { printable } from './commands/shared.js';

/**
 * A command's action returns its exit code (`.action(async (o) => emit(ctx, await runX(o, ctx)))`);
 * an action that returns nothing exits 0. Commander itself drops what an action returns, so every
 * command of the program is a ByokCommand, whose action() keeps it for runCli.
 */
type ActionResult = ExitCode | void | Promise<ExitCode | void>;

declare module 'commander' {
  interface Command {
    action(fn: (this: this, ...args: any[]) => ActionResult): this;
  }
}

class ByokCommand extends Command {
  /** Shared by the root and all its subcommands: the exit code of the action that ran. */
  exit: { code: ExitCode } = { code: EXIT.ok };

  override createCommand(name?: string): Command {
    const c = new ByokCommand(name);
    c.exit = this.exit;
    return c;
  }

  override action(fn: (this: this, ...args: any[]) => ActionResult): this {
    const exit = this.exit;
    return super.action(async function (this: ByokCommand, ...args: unknown[]) {
      const code = await fn.apply(this as never, args);
      if (typeof code === 'number') exit.code = code;
    });
  }
}

/** A command group's register function: adds its commands to the program; each action returns its exit code. */
type Register = (program: Command, ctx: Context) => void;

/**
 * Every command group, in help order, with the one line `byok --help` shows. A group's module
 * (and what it imports: the AWS SDK, the prompt library) is loaded only when that command runs or
 * its own help is asked for; `--version` and `--help` load none.
 */
const COMMANDS: readonly { name: string; summary: string; load: () => Promise<Register> }[] = [
  { name: 'setup', summary: 'guided setup of a workspace (wizard); --non-interactive takes every answer from flags for CI', load: async () => (await import('./commands/setup.js')).registerSetup },
  { name: 'workspace', summary: 'create and select workspaces; manage members', load: async () => (await import('./commands/workspace.js')).registerWorkspace },
  { name: 'credentials', summary: 'store, show and remove the BYOK AWS credentials (encrypted)', load: async () => (await import('./commands/credentials.js')).registerCredentials },
  { name: 'config', summary: 'show and change workspace settings', load: async () => (await import('./commands/config.js')).registerConfig },
  { name: 'policy', summary: 'the fallback policy: allow, warn or strict', load: async () => (await import('./commands/policy.js')).registerPolicy },
  { name: 'route', summary: 'explain which model, inference profile and region a task would use', load: async () => (await import('./commands/route.js')).registerRoute },
  { name: 'audit', summary: 'the append-only audit log (fallbacks, policy and credential changes)', load: async () => (await import('./commands/audit.js')).registerAudit },
  { name: 'iam', summary: 'the Bedrock IAM user, its least-privilege policy and access keys (admin credentials from the AWS chain)', load: async () => { const [iam, keys] = await Promise.all([import('./commands/iam.js'), import('./commands/iam-api-keys.js')]); return (p, c) => { iam.registerIam(p, c); keys.registerIamApiKeys(p.commands.find((x) => x.name() === 'iam')!, c); }; } },
  { name: 'models', summary: 'model access: check it per model, or submit the Anthropic use-case form', load: async () => (await import('./commands/models.js')).registerModels },
  { name: 'test-connection', summary: 'check the credentials, both models through the selected profile, and the permissions (exit 0 pass, 1 fail, 4 refused)', load: async () => (await import('./commands/test-connection.js')).registerTestConnection },
  { name: 'doctor', summary: 'test-connection plus the workspace checks from the troubleshooting guide, each with its fix', load: async () => (await import('./commands/doctor.js')).registerDoctor },
  { name: 'invoke', summary: 'send one request through routing, the fallback policy and the audit log', load: async () => (await import('./commands/invoke.js')).registerInvoke },
  { name: 'gateway', summary: 'a local Bedrock endpoint for Claude Code and the SDKs: start | status | token create|list|revoke', load: async () => (await import('./commands/gateway.js')).registerGateway },
  { name: 'credential-process', summary: 'print AWS credential_process JSON for the workspace (for credential_process = byok credential-process)', load: async () => (await import('./commands/credential-process.js')).registerCredentialProcess },
  { name: 'export', summary: 'settings pinned to the workspace for Claude Code (claude-code) and SDK users (env)', load: async () => (await import('./commands/export.js')).registerExport },
  { name: 'emulator', summary: 'local AWS stand-in (IAM, STS, Bedrock, Bedrock Runtime): start | fault | clock | profile | reset', load: async () => (await import('./commands/emulator.js')).registerEmulator },
];

/** The command group argv names (skipping global options and their values), if any. */
function commandNamed(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return argv[i + 1];
    if (a === '-w' || a === '--workspace') {
      i += 1;
      continue;
    }
    if (a.startsWith('-')) continue;
    // `byok help invoke` shows invoke's own help: load invoke.
    return a === 'help' ? (argv[i + 1] ?? 'help') : a;
  }
  return undefined;
}

/** An unknown `--option=value` is shown without its value, which may be a secret of any shape. */
/** An unknown `--option=value` or `-xVALUE` is shown without its value: it may be a secret. */
function withoutOptionValue(s: string): string {
  return s.replace(/(unknown option '--[^'=\s]+)=[^']*'/, "$1=…'").replace(/(unknown option '-[A-Za-z])[^'-][^']*'/, "$1…'");
}

/**
 * Commander's own messages pass through the context's stderr (terminal-safe, scrubbed). Under
 * --json they are not printed: runCli turns them into the one {ok:false,error} document.
 */
function configureCommander(cmd: Command, ctx: Context): Command {
  cmd
    .exitOverride()
    .showHelpAfterError(ctx.flags.json ? false : '(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
      outputError: (s, write) => {
        if (!ctx.flags.json) write(ctx.chalk.red(withoutOptionValue(s)));
      },
    });
  // Commander checks required options before unknown ones, so `--plann x` was reported as
  // "--plan not specified". Check them after: an unknown option (with its suggestion) wins.
  const required = cmd.options.filter((o) => o.mandatory);
  if (required.length > 0) {
    for (const o of required) o.mandatory = false;
    cmd.hook('preAction', (_self, action) => {
      if (action !== cmd) return;
      for (const o of required) {
        if (cmd.getOptionValue(o.attributeName()) === undefined) cmd.error(`error: required option '${o.flags}' not specified`, { code: 'commander.missingMandatoryOptionValue', exitCode: 1 });
      }
    });
  }
  return cmd;
}

/**
 * Secrets never go on the command line (argv is visible to every user of the machine). A secret
 * given as a flag value is refused before parsing, pointing to the -stdin flag, without echoing it.
 */
const SECRET_FLAGS: ReadonlyMap<string, { stdinFlag: string; how: string }> = new Map([
  ['--secret-access-key', { stdinFlag: '--secret-access-key-stdin', how: `printf '%s\\n' "$SECRET" | byok credentials set --access-key-id AKIA... --secret-access-key-stdin (or export AWS_SECRET_ACCESS_KEY and use --from-env)` }],
  ['--aws-secret-access-key', { stdinFlag: '--secret-access-key-stdin', how: `printf '%s\\n' "$SECRET" | byok credentials set --access-key-id AKIA... --secret-access-key-stdin (or export AWS_SECRET_ACCESS_KEY and use --from-env)` }],
  // A session token belongs to a temporary (ASIA) key: it follows the secret on stdin, or comes from AWS_SESSION_TOKEN.
  ['--session-token', { stdinFlag: '--session-token-stdin', how: `printf '%s\\n%s\\n' "$SECRET" "$TOKEN" | byok credentials set --access-key-id ASIA... --secret-access-key-stdin --session-token-stdin --expires-at TIME (the token goes on the line after the secret; or export AWS_SESSION_TOKEN beside the key's other AWS_* variables and use --from-env)` }],
]);

function refuseSecretsInArgv(argv: readonly string[]): void {
  for (const a of argv) {
    if (a === '--') return;
    const flag = a.split('=', 1)[0]!;
    const secret = SECRET_FLAGS.get(flag);
    if (secret === undefined) continue;
    throw new UsageError(
      'secret-in-argv',
      `${flag} does not take the secret on the command line: a value in argv is visible to other users of this machine (the process list) and stays in your shell history. Nothing was stored; rotate that key if this machine is shared.`,
      `Send it on stdin with ${secret.stdinFlag}: ${secret.how}.`,
    );
  }
}

/** A --json run: decided from argv before parsing, so commander's own errors can honour it. */
function jsonRequested(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/** commander.invalidArgument → invalid-argument */
function commanderCode(code: string): string {
  return code.replace(/^commander\./, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** BYOK_USER names the acting user in config and audit log: the same rule as --owner (exit 2). */
function checkActingUser(ctx: Context): void {
  const raw = ctx.env.BYOK_USER;
  if (raw === undefined || raw.trim() === '') return;
  const u = validateUserName(raw);
  if (!u.ok) {
    throw new UsageError('invalid-byok-user', `BYOK_USER "${printable(raw)}" is not a valid user name.`, `${u.reason}. Set BYOK_USER to one, or unset it to act as the operating-system user.`);
  }
}

export async function createProgram(ctx: Context, argv: readonly string[] = []): Promise<ByokCommand> {
  const program = new ByokCommand('byok');
  program
    .description('Bring-your-own-key administration for Claude on Amazon Bedrock')
    .version(pkg.version, '-V, --version')
    .option('--json', 'print one JSON document on stdout (secrets masked)')
    .option('-w, --workspace <name>', 'the workspace to act on (default: the current one)')
    .option('--non-interactive', 'never prompt; a missing value is an error naming its flag')
    .option('--debug', 'print stack traces for errors')
    .hook('preAction', (_root, action) => {
      const o = action.optsWithGlobals<{ json?: boolean; workspace?: string; nonInteractive?: boolean; debug?: boolean }>();
      ctx.flags = {
        json: o.json === true,
        debug: o.debug === true,
        nonInteractive: o.nonInteractive === true,
        workspace: o.workspace,
      };
      checkActingUser(ctx);
    });
  configureCommander(program, ctx);

  const named = commandNamed(argv);
  const target = COMMANDS.find((c) => c.name === named);
  if (target) {
    (await target.load())(program, ctx);
  } else {
    // `byok`, `byok --help`, or a name that is no command: the list is enough (and lets commander
    // suggest the nearest name), without loading any command module.
    for (const c of COMMANDS) program.command(c.name).description(c.summary).allowUnknownOption().helpOption(false);
  }

  // Every subcommand inherits the error behaviour of the root.
  const inherit = (cmd: Command): void => {
    for (const sub of cmd.commands) {
      configureCommander(sub, ctx);
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

export async function runCli(ctx: Context, argv: string[]): Promise<ExitCode> {
  ctx.flags.json = jsonRequested(argv);
  try {
    refuseSecretsInArgv(argv);
    await ctx.ready();
    const program = await createProgram(ctx, argv);
    await program.parseAsync(argv, { from: 'user' });
    return program.exit.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      if (e.code === 'commander.executeSubCommandAsync') return EXIT.ok;
      // Human mode: commander printed its message already. --json: the one document, on stdout.
      // Commander's own exit code (1 for InvalidArgumentError) is not ours: bad usage is 2.
      if (ctx.flags.json) {
        const message = withoutOptionValue(e.message).replace(/^error: /, '');
        const error = { code: commanderCode(e.code), kind: 'usage', message, hint: 'Run the command with --help for its usage.', exitCode: EXIT.usage };
        ctx.io.stdout.write(`${JSON.stringify({ ok: false, error }, null, 2)}\n`);
      }
      return EXIT.usage;
    }
    return renderError(ctx, e);
  }
}
