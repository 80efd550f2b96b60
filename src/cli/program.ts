// The root command: global flags, commander wired to the context's streams, every error mapped
// to byok's exit codes (DESIGN §2). Commands register themselves; nothing here does work.
import { Command, CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { validateUserName } from '../core/config-doc.js';
import { EXIT, UsageError, type ExitCode } from '../core/errors.js';
import type { Context } from './context.js';
import { renderError } from './output.js';
import { printable } from './commands/shared.js';
import { registerWorkspace } from './commands/workspace.js';
import { registerCredentials } from './commands/credentials.js';
import { registerConfig } from './commands/config.js';
import { registerPolicy } from './commands/policy.js';
import { registerRoute } from './commands/route.js';
import { registerAudit } from './commands/audit.js';
import { registerEmulator } from './commands/emulator.js';
import { registerIam } from './commands/iam.js';
import { registerModels } from './commands/models.js';
import { registerTestConnection } from './commands/test-connection.js';
import { registerDoctor } from './commands/doctor.js';
import { registerCredentialProcess } from './commands/credential-process.js';
import { registerInvoke } from './commands/invoke.js';
import { registerSetup } from './commands/setup.js';

/** Lets a command's action report its exit code back to runCli. */
export interface ExitSink {
  set(code: ExitCode): void;
}

/** An unknown `--option=value` is shown without its value, which may be a secret of any shape. */
function withoutOptionValue(s: string): string {
  return s.replace(/(unknown option '[^'=\s]+)=[^']*'/, "$1=…'");
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
const SECRET_FLAGS: ReadonlyMap<string, string> = new Map([
  ['--secret-access-key', '--secret-access-key-stdin'],
  ['--session-token', '--session-token-stdin'],
  ['--aws-secret-access-key', '--secret-access-key-stdin'],
]);

function refuseSecretsInArgv(argv: readonly string[]): void {
  for (const a of argv) {
    if (a === '--') return;
    const flag = a.split('=', 1)[0]!;
    const stdinFlag = SECRET_FLAGS.get(flag);
    if (stdinFlag === undefined) continue;
    throw new UsageError(
      'secret-in-argv',
      `${flag} does not take the secret on the command line: a value in argv is visible to other users of this machine (the process list) and stays in your shell history. Nothing was stored; rotate that key if this machine is shared.`,
      `Send it on stdin with ${stdinFlag}: printf '%s\\n' "$SECRET" | byok credentials set --access-key-id AKIA... ${stdinFlag} (or export AWS_SECRET_ACCESS_KEY and use --from-env).`,
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

export function createProgram(ctx: Context, sink: ExitSink): Command {
  const program = new Command('byok');
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

  const groups = [
    registerSetup, registerWorkspace, registerCredentials, registerConfig, registerPolicy, registerRoute, registerAudit,
    registerIam, registerModels, registerTestConnection, registerDoctor, registerInvoke, registerCredentialProcess, registerEmulator,
  ];
  for (const register of groups) register(program, ctx, sink);

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
  let code: ExitCode = EXIT.ok;
  const sink: ExitSink = { set: (c) => (code = c) };
  ctx.flags.json = jsonRequested(argv);
  try {
    refuseSecretsInArgv(argv);
    const program = createProgram(ctx, sink);
    await program.parseAsync(argv, { from: 'user' });
    return code;
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
