// `byok emulator ...`: the emulator's own entry point, loaded only by that command.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { ControlError, EmulatorControl } from './control-client.js';
import { startEmulator } from './server.js';

type Io = { stdout: { write(chunk: string): unknown }; stderr: { write(chunk: string): unknown } };
type Env = Readonly<Record<string, string | undefined>>;

function int(name: string) {
  return (v: string) => {
    if (/^-\d+$/.test(v.trim())) throw new CommanderError(2, 'byok.emulator', `error: ${name} must not be negative (${v.trim()}): the emulator's clock only moves forward. Run: byok emulator reset to start again from the real time.\n`);
    if (!/^\d+$/.test(v.trim())) throw new CommanderError(2, 'byok.emulator', `error: ${name} must be a whole number, not "${v.slice(0, 32)}".\n`);
    return Number(v.trim());
  };
}

const SERVICES = ['iam', 'sts', 'bedrock', 'bedrock-runtime'] as const;
function service(v: string): (typeof SERVICES)[number] {
  const s = v.trim().toLowerCase();
  if ((SERVICES as readonly string[]).includes(s)) return s as (typeof SERVICES)[number];
  throw new CommanderError(2, 'byok.emulator', `error: the emulator has no service "${v.slice(0, 32)}"; it emulates: ${SERVICES.join(', ')}.\n`);
}

/** The emulator is not running there (connection refused, no such host): a local problem. */
function unreachable(e: unknown): boolean {
  if (!(e instanceof TypeError)) return false;
  const cause = (e as { cause?: { code?: string } }).cause;
  return ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'].includes(cause?.code ?? '') || /fetch failed/.test(e.message);
}

export async function runEmulatorCommand(argv: string[], io: Io, env: Env): Promise<number> {
  let code = 0;
  let keepRunning: Promise<void> | undefined;
  const program = new Command('byok emulator')
    .description('local stand-in for IAM, STS, Bedrock and Bedrock Runtime')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  let calledUrl: string | undefined;
  const endpoint = (o: { endpoint?: string }) => {
    const url = o.endpoint ?? env.BYOK_EMULATOR_URL;
    calledUrl = url;
    if (!url) throw new CommanderError(2, 'byok.emulator', 'error: no emulator endpoint: pass --endpoint URL or set BYOK_EMULATOR_URL\n');
    return new EmulatorControl(url);
  };

  program
    .command('start')
    .description('start the emulator on 127.0.0.1 and print the variables that point the AWS SDK and CLI at it')
    .option('--port <n>', 'port (default: a free one)', int('--port'))
    .option('--latency-ms <n>', 'added latency for every AWS call', int('--latency-ms'))
    .option('--state <file>', 'persist the emulator state in this file (0600)')
    .option('--json', 'print one JSON document')
    .action(async (o: { port?: number; latencyMs?: number; state?: string; json?: boolean }) => {
      const h = await startEmulator({ port: o.port, latencyMs: o.latencyMs, stateFile: o.state });
      if (o.json) {
        io.stdout.write(`${JSON.stringify({ url: h.url, port: h.port, admin: h.admin, env: { ...h.env, BYOK_EMULATOR_URL: h.url, BYOK_PLATFORM_ENDPOINT_URL: h.url, AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1' } })}\n`);
      } else {
        io.stderr.write(`byok emulator listening on ${h.url} (IAM, STS, Bedrock, Bedrock Runtime; control API at ${h.url}/_emulator/)\n`);
        io.stderr.write(`Bootstrap admin: account ${h.admin.accountId}, user ${h.admin.userName}. Paste into a shell:\n\n`);
        // AWS_DEFAULT_REGION for the AWS CLI v1 (it ignores AWS_REGION); BYOK_PLATFORM_ENDPOINT_URL so
        // a demo's fallback goes to the emulator too.
        io.stdout.write(
          `export AWS_ENDPOINT_URL_IAM=${h.url} AWS_ENDPOINT_URL_STS=${h.url} AWS_ENDPOINT_URL_BEDROCK=${h.url} AWS_ENDPOINT_URL_BEDROCK_RUNTIME=${h.url} BYOK_EMULATOR_URL=${h.url} BYOK_PLATFORM_ENDPOINT_URL=${h.url}\n` +
            `export AWS_ACCESS_KEY_ID=${h.admin.accessKeyId} AWS_SECRET_ACCESS_KEY=${h.admin.secretAccessKey} AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1\n`,
        );
      }
      keepRunning = new Promise<void>((resolve) => {
        const stop = () => {
          void h.close().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

  const fault = program.command('fault').description('inject, list or clear faults');
  fault
    .command('add')
    .description('make matching AWS calls fail, slow down or drop (e.g. --service bedrock-runtime --error ThrottlingException --count 1)')
    .option('--endpoint <url>', 'the emulator (default: BYOK_EMULATOR_URL)')
    .option('--service <s>', 'iam|sts|bedrock|bedrock-runtime', service)
    .option('--operation <op>', 'e.g. Converse')
    .option('--access-key-id <id>')
    .option('--account-id <id>')
    .option('--region <r>')
    .option('--count <n>', 'for the next N matching calls', int('--count'))
    .option('--duration-ms <n>', 'for this long', int('--duration-ms'))
    .option('--error <code>', 'an AWS error code from the emulator table, e.g. ThrottlingException')
    .option('--latency-ms <n>', 'added latency', int('--latency-ms'))
    .option('--drop', 'drop the connection')
    .action(async (o: Record<string, string | number | boolean | undefined>) => {
      const r = await endpoint(o).addFault({
        service: o.service as (typeof SERVICES)[number] | undefined, operation: o.operation as string | undefined, accessKeyId: o.accessKeyId as string | undefined, accountId: o.accountId as string | undefined,
        region: o.region as string | undefined, count: o.count as number | undefined, durationMs: o.durationMs as number | undefined,
        error: o.error ? { code: String(o.error) } : undefined, latencyMs: o.latencyMs as number | undefined, drop: o.drop === true,
      });
      io.stdout.write(`${JSON.stringify(r)}\n`);
    });
  fault.command('list').description('list the faults in force').option('--endpoint <url>', 'the emulator (default: BYOK_EMULATOR_URL)').action(async (o: { endpoint?: string }) => { io.stdout.write(`${JSON.stringify(await endpoint(o).listFaults(), null, 2)}\n`); });
  fault.command('clear').description('remove every fault').option('--endpoint <url>', 'the emulator (default: BYOK_EMULATOR_URL)').action(async (o: { endpoint?: string }) => { await endpoint(o).clearFaults(); });
  program
    .command('clock')
    .description("the emulator's clock (expiring sessions and keys without waiting)")
    .command('advance')
    .description('move the clock forward by MS milliseconds')
    // "-5" would otherwise be taken for an unknown option; it reaches the argument parser and is refused there.
    .allowUnknownOption(true)
    .argument('<ms>', 'milliseconds, 0 or more', int('clock advance'))
    .option('--endpoint <url>', 'the emulator (default: BYOK_EMULATOR_URL)').action(async (ms: number, o: { endpoint?: string }) => { io.stdout.write(`${JSON.stringify(await endpoint(o).advanceClock(ms))}\n`); });
  program
    .command('profile')
    .description("change an inference profile as AWS might: its destinations from one source region (test what byok does when AWS's list moves)")
    .requiredOption('--profile-id <id>', 'e.g. us.anthropic.claude-sonnet-4-5-20250929-v1:0')
    .requiredOption('--source-region <r>')
    .option('--destinations <list>', 'comma-separated regions; empty string: no longer a source')
    .option('--undo', 'back to the reference table for this profile and source region')
    .option('--endpoint <url>')
    .action(async (o: { profileId: string; sourceRegion: string; destinations?: string; undo?: boolean; endpoint?: string }) => {
      const destinations = o.undo ? null : (o.destinations ?? '').split(',').map((x) => x.trim()).filter(Boolean);
      io.stdout.write(`${JSON.stringify(await endpoint(o).changeProfile({ profileId: o.profileId, sourceRegion: o.sourceRegion, destinations }))}\n`);
    });
  /** A policy document from a file ("-": stdin is not offered; the file stays the record of what was set). */
  const policyFile = (flag: string) => (path: string): object => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new CommanderError(2, 'byok.emulator', `error: cannot read ${flag} ${path.slice(0, 200)}: pass the path of a JSON policy document.\n`);
    }
    try {
      const v = JSON.parse(text) as unknown;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
      return v;
    } catch {
      throw new CommanderError(2, 'byok.emulator', `error: ${flag} ${path.slice(0, 200)} is not a JSON policy document ({"Version": "2012-10-17", "Statement": [...]}).\n`);
    }
  };
  program
    .command('scp')
    .description('set the service control policies that apply to an account (AWS Organizations), or clear them')
    .requiredOption('--account-id <id>')
    .option('--policy-file <file>', 'a JSON policy document; repeat for several SCPs', (v: string, prev: object[] = []) => [...prev, policyFile('--policy-file')(v)])
    .option('--clear', 'no SCP applies to the account')
    .option('--endpoint <url>', 'the emulator (default: BYOK_EMULATOR_URL)')
    .action(async (o: { accountId: string; policyFile?: object[]; clear?: boolean; endpoint?: string }) => {
      if (!o.clear === !o.policyFile) throw new CommanderError(2, 'byok.emulator', 'error: pass --policy-file FILE (one or more) or --clear.\n');
      io.stdout.write(`${JSON.stringify(await endpoint(o).setServiceControlPolicies({ accountId: o.accountId, policies: o.clear ? null : o.policyFile! }))}\n`);
    });
  program
    .command('boundary')
    .description("set an IAM user's permissions boundary, or remove it")
    .requiredOption('--account-id <id>')
    .requiredOption('--user-name <name>')
    .option('--policy-file <file>', 'a JSON policy document', policyFile('--policy-file'))
    .option('--clear', 'remove the boundary')
    .option('--endpoint <url>', 'the emulator (default: BYOK_EMULATOR_URL)')
    .action(async (o: { accountId: string; userName: string; policyFile?: object; clear?: boolean; endpoint?: string }) => {
      if (!o.clear === !o.policyFile) throw new CommanderError(2, 'byok.emulator', 'error: pass --policy-file FILE or --clear.\n');
      io.stdout.write(`${JSON.stringify(await endpoint(o).setPermissionsBoundary({ accountId: o.accountId, userName: o.userName, policy: o.clear ? null : o.policyFile! }))}\n`);
    });
  program.command('reset').description('forget every account, fault, profile change and clock offset; back to the bootstrap admin').option('--endpoint <url>', 'the emulator (default: BYOK_EMULATOR_URL)').action(async (o: { endpoint?: string }) => { await endpoint(o).reset(); });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return 0;
      if (e.code === 'byok.emulator') io.stderr.write(e.message);
      return 2;
    }
    if (unreachable(e)) {
      io.stderr.write(`error: no emulator at ${calledUrl ?? '(no URL)'}.\nhint: start one with: byok emulator start (and paste the variables it prints), or pass --endpoint URL / set BYOK_EMULATOR_URL to where it runs.\n`);
      return 3;
    }
    io.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    // Input the control API refused (an unknown error code, profile or region) is bad usage.
    return e instanceof ControlError && e.status === 400 ? 2 : 1;
  }
  if (keepRunning) await keepRunning;
  return code;
}
