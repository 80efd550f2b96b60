// byok emulator ...: hands argv to the emulator's own entry point, loaded only here.
import type { Command } from 'commander';
import type { Context } from '../context.js';
import type { ExitCode } from '../../core/errors.js';

export function registerEmulator(program: Command, ctx: Context): void {
  program
    .command('emulator')
    .description('local AWS stand-in (IAM, STS, Bedrock, Bedrock Runtime): start | fault | clock | profile | scp | boundary | reset')
    .helpOption(false)
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .argument('[args...]')
    .action(async (args: string[]) => {
      const mod = await import('../../emulator/main.js');
      if (args[0] === 'start') ctx.keepAlive = true;
      // --json is a global byok flag, so commander gives it to the root; hand it back.
      if (ctx.flags.json && !args.includes('--json')) args = [...args, '--json'];
      const code = await mod.runEmulatorCommand(args, { stdout: ctx.credentialStdout, stderr: ctx.io.stderr }, ctx.env);
      if (code !== 0) ctx.keepAlive = false;
      return code as ExitCode;
    });
}
