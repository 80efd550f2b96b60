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

/**
 * Commander's own messages pass through the context's stderr (terminal-safe, scrubbed); an
 * unknown `--option=value` is shown without its value, which may be a secret of any shape.
 */
function configureCommander(cmd: Command, ctx: Context): Command {
  return cmd
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
      outputError: (s, write) => write(ctx.chalk.red(s.replace(/(unknown option '[^'=\s]+)=[^']*'/, "$1=…'"))),
    });
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
  const program = createProgram(ctx, sink);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      if (e.code === 'commander.executeSubCommandAsync') return EXIT.ok;
      // Commander printed its message already; its own exit code (1 for InvalidArgumentError) is not ours.
      return EXIT.usage;
    }
    return renderError(ctx, e);
  }
}
