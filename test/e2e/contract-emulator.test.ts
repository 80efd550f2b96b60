// Issue 10 §5 against the emulator, through the built CLI: one session_token_expires_at, `invoke -`,
// no unasked submission to AWS, a failed fallback that says why, and the emulator's own commands.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { BYOK_BIN } from '../helpers/run-byok.js';
import { run, type Ran } from '../helpers/spawn.js';

let emu: TestEmulator;
const temps: TestEnv[] = [];
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu.close();
  for (const t of temps) t.cleanup();
});

async function workspace(o: { policy?: 'allow' | 'warn' | 'strict'; platform?: boolean } = {}) {
  const t = tempConfig();
  temps.push(t);
  const env = { PATH: process.env.PATH, HOME: t.dir, ...t.env, ...emu.clientEnv, BYOK_PLATFORM_ENDPOINT_URL: emu.url };
  const byok = (args: string[], stdin?: string): Promise<Ran> => run(process.execPath, [BYOK_BIN, ...args], { env, stdin });
  const [mine, plat] = await Promise.all([emu.control.createAccount({ useCaseSubmitted: true }), emu.control.createAccount({ useCaseSubmitted: true })]);
  const ok = async (args: string[], stdin?: string) => {
    const r = await byok(args, stdin);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };
  await ok(['workspace', 'create', 'bank', '--plan', 'scale']);
  await ok(['config', 'set', 'geography', 'eu']);
  await ok(['config', 'set', 'region', 'eu-west-1']);
  await ok(['credentials', 'set', '--access-key-id', mine.admin.accessKeyId, '--secret-access-key-stdin'], `${mine.admin.secretAccessKey}\n`);
  if (o.platform) await ok(['credentials', 'set', '--platform', '--regions', 'eu-west-1', '--access-key-id', plat.admin.accessKeyId, '--secret-access-key-stdin'], `${plat.admin.secretAccessKey}\n`);
  if (o.policy) await ok(['policy', 'set', o.policy]);
  return { byok, ok, mine, plat, env };
}

describe('session_token_expires_at is defined once', () => {
  it('config show, config get and credentials show give the same value for an AKIA key: the STS session byok holds', async () => {
    const w = await workspace();
    const readAll = async () => {
      const cfg = JSON.parse((await w.ok(['config', 'show', '--json'])).stdout);
      const get = JSON.parse((await w.ok(['config', 'get', 'session_token_expires_at', '--json'])).stdout);
      const creds = JSON.parse((await w.ok(['credentials', 'show', '--json'])).stdout);
      const human = [(await w.ok(['config', 'show'])).stdout, (await w.ok(['credentials', 'show'])).stdout].map((s) => /session_token_expires_at\s+(.*)/.exec(s)![1]!.trim());
      return { values: [cfg.session_token_expires_at, cfg.credentials.session_token_expires_at, get.value, creds.session_token_expires_at], human };
    };
    // No session held yet: null everywhere, and the same words.
    const none = await readAll();
    expect(none.values).toEqual([null, null, null, null]);
    expect(none.human[0]).toBe(none.human[1]);
    // byok obtains a session: its expiry, everywhere.
    const refreshed = JSON.parse((await w.ok(['credentials', 'refresh', '--json'])).stdout);
    const exp = refreshed.session_token_expires_at as string;
    expect(new Date(exp).getTime()).toBeGreaterThan(Date.now());
    const held = await readAll();
    expect(held.values).toEqual([exp, exp, exp, exp]);
    expect(held.human).toEqual([exp, exp]);
    // A new key: the old key's session is not the one byok holds for it.
    const other = await emu.control.createAccount();
    await w.ok(['credentials', 'set', '--access-key-id', other.admin.accessKeyId, '--secret-access-key-stdin'], `${other.admin.secretAccessKey}\n`);
    expect((await readAll()).values).toEqual([null, null, null, null]);
  }, 60_000);
});

describe('invoke -', () => {
  it('reads the prompt from stdin', async () => {
    const w = await workspace();
    const r = await w.byok(['invoke', '-', '--json'], 'what is the capital of Portugal\n');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).text).toContain('You asked about: what is the capital of Portugal');
  }, 60_000);
});

describe('models request-access', () => {
  it('without --yes and without a terminal refuses (exit 2) and submits nothing', async () => {
    const w = await workspace();
    const before = (await emu.control.requests()).requests.length;
    const r = await w.byok(['models', 'request-access', '--company-name', 'Acme', '--company-website', 'https://acme.example', '--intended-users', 'internal', '--industry', 'Banking', '--use-cases', 'internal assistants', '--from-env'].slice(0, -1));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--yes/);
    expect(r.stderr).toMatch(/Nothing was submitted/);
    const after = (await emu.control.requests()).requests.slice(before);
    expect(after.filter((q) => /UseCase/i.test(q.operation))).toEqual([]);
  }, 60_000);
});

describe('a fallback that fails at the platform', () => {
  it("shows the platform's own error and, under warn, that re-confirmation is now required", async () => {
    const w = await workspace({ policy: 'warn', platform: true });
    await emu.control.addFault({ service: 'bedrock-runtime', accountId: w.mine.accountId, error: { code: 'ThrottlingException' }, durationMs: 60_000 });
    await emu.control.addFault({ service: 'bedrock-runtime', accountId: w.plat.accountId, error: { code: 'ServiceUnavailableException' }, durationMs: 60_000 });
    try {
      const r = await w.byok(['invoke', 'hello']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/fallback: attempted on platform credentials in eu-west-1 .*failed: ServiceUnavailableException \(service-unavailable\)/);
      expect(r.stderr).toMatch(/re-confirmation is now required/);
      const show = JSON.parse((await w.ok(['policy', 'show', '--json'])).stdout);
      expect(show.confirmationRequired).toBe(true);
    } finally {
      await emu.control.clearFaults();
    }
  }, 60_000);
});

describe('byok emulator', () => {
  const env = () => ({ PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', BYOK_EMULATOR_URL: emu.url });
  const em = (args: string[], e: Record<string, string | undefined> = env()) => run(process.execPath, [BYOK_BIN, 'emulator', ...args], { env: e });

  it('describes fault add|list|clear, clock and reset in its help', async () => {
    const top = await em(['--help']);
    expect(top.stdout).toMatch(/clock\s+.*clock/);
    expect(top.stdout).toMatch(/reset\s+\S+/);
    const fault = await em(['fault', '--help']);
    for (const sub of ['add', 'list', 'clear']) expect(fault.stdout).toMatch(new RegExp(`\\n\\s+${sub}(\\s+\\[options\\])?\\s+\\S`));
  });

  it('refuses an unknown --service and a negative clock advance with a clear message (exit 2)', async () => {
    const svc = await em(['fault', 'add', '--service', 'lambda', '--error', 'ThrottlingException']);
    expect(svc.code).toBe(2);
    expect(svc.stderr).toMatch(/no service "lambda".*iam, sts, bedrock, bedrock-runtime/);
    expect((await emu.control.listFaults()).faults).toEqual([]);
    const neg = await em(['clock', 'advance', '-5000']);
    expect(neg.code).toBe(2);
    expect(neg.stderr).toMatch(/must not be negative/);
  });

  it('with the emulator down says "no emulator at URL" with a hint, exit 3', async () => {
    const r = await em(['fault', 'list'], { ...env(), BYOK_EMULATOR_URL: 'http://127.0.0.1:9' });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no emulator at http:\/\/127\.0\.0\.1:9/);
    expect(r.stderr).toMatch(/hint: .*byok emulator start/);
  });

  it('start prints AWS_DEFAULT_REGION (AWS CLI v1) and BYOK_PLATFORM_ENDPOINT_URL', async () => {
    const child = spawn(process.execPath, [BYOK_BIN, 'emulator', 'start', '--port', '0'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no output: ${out}`)), 20_000);
        child.stdout.on('data', () => {
          if (/AWS_ACCESS_KEY_ID/.test(out)) {
            clearTimeout(t);
            resolve();
          }
        });
      });
      expect(out).toMatch(/AWS_DEFAULT_REGION=us-east-1/);
      expect(out).toMatch(/BYOK_PLATFORM_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+/);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
