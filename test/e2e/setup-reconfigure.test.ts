// Re-running `byok setup` on a configured workspace (issue 10, brief item 3): nothing about an
// existing workspace's plan, geography, region or policy changes without the admin seeing it and
// agreeing — a confirmation that defaults to No in the wizard, --change-workspace in CI — and every
// change made is audited. Pressing Enter through the wizard again keeps what is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { BYOK_BIN } from '../helpers/run-byok.js';
import { KEYS, Terminal } from '../helpers/pty-terminal.js';
import { run } from '../helpers/spawn.js';

let emu: TestEmulator;
const temps: TestEnv[] = [];
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu.close();
  for (const t of temps) t.cleanup();
});

async function configured(policy = 'warn') {
  const t = tempConfig();
  temps.push(t);
  const acct = await emu.control.createAccount();
  const env: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: t.dir, TERM: 'xterm-256color', ...t.env, ...emu.clientEnv };
  delete env.NO_COLOR;
  const byok = (args: string[], stdin?: string) => run(process.execPath, [BYOK_BIN, ...args], { env: { ...env, CI: 'true' }, stdin });
  const setup = (extra: string[]) => byok(['setup', '--non-interactive', '--name', 'bank', '--access-key-id', acct.admin.accessKeyId, '--secret-access-key-stdin', ...extra], `${acct.admin.secretAccessKey}\n`);
  const first = await setup(['--plan', 'scale', '--geography', 'eu', '--region', 'eu-west-1', '--policy', policy]);
  expect(first.code, first.stderr).toBe(0);
  const get = async (key: string) => (await byok(['config', 'get', key, '--workspace', 'bank'])).stdout.trim();
  const allEvents = async () => (JSON.parse((await byok(['audit', 'list', '--json'])).stdout) as { events: { type: string; details: Record<string, unknown> }[] }).events;
  // Only what happened after the first setup.
  const before = (await allEvents()).length;
  const audit = async () => ({ events: (await allEvents()).slice(before) });
  let from = (await emu.control.requests()).requests.length;
  const mark = async () => { from = (await emu.control.requests()).requests.length; };
  const regionsReached = async () => new Set((await emu.control.requests()).requests.slice(from).filter((r) => r.accountId === acct.accountId && (r.service === 'bedrock' || r.service === 'bedrock-runtime')).map((r) => r.region));
  return { env, acct, byok, setup, get, audit, mark, regionsReached };
}

describe('setup --non-interactive on a configured workspace', () => {
  it('refuses to change its plan, region or policy without --change-workspace: exit 2, every change named, config untouched, no request to the new region', async () => {
    const w = await configured();
    await w.mark();
    const r = await w.setup(['--plan', 'enterprise', '--geography', 'eu', '--region', 'eu-central-1', '--policy', 'strict']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/plan scale → enterprise/);
    expect(r.stderr).toMatch(/region eu-west-1 → eu-central-1/);
    expect(r.stderr).toMatch(/policy warn → strict/);
    expect(r.stderr).toMatch(/--change-workspace/);
    expect(await w.get('region')).toBe('eu-west-1');
    expect(await w.get('policy')).toBe('warn');
    expect(await w.get('plan')).toBe('scale');
    expect([...(await w.regionsReached())]).not.toContain('eu-central-1');
  }, 120_000);

  it('the same values again change nothing and need no flag; with --change-workspace the change is made and audited with from and to', async () => {
    const w = await configured();
    const same = await w.setup(['--geography', 'eu', '--region', 'eu-west-1', '--policy', 'warn']);
    expect(same.code, same.stderr).toBe(0);
    expect((await w.audit()).events.filter((e) => e.type === 'config-changed' || e.type === 'policy-changed')).toEqual([]);
    const moved = await w.setup(['--geography', 'eu', '--region', 'eu-central-1', '--policy', 'strict', '--change-workspace']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(await w.get('region')).toBe('eu-central-1');
    const events = (await w.audit()).events;
    expect(events.find((e) => e.type === 'config-changed')?.details).toMatchObject({ key: 'region', from: 'eu-west-1', to: 'eu-central-1' });
    expect(events.find((e) => e.type === 'policy-changed')?.details).toMatchObject({ from: 'warn', to: 'strict' });
  }, 120_000);
});

describe('the wizard on a configured workspace', () => {
  async function throughCredentials(w: Awaited<ReturnType<typeof configured>>) {
    const term = new Terminal(['setup', '--workspace', 'bank'], w.env);
    await term.waitFor(/How do you want to provide/);
    await term.type(KEYS.enter);
    await term.waitFor(/Access key ID/);
    await term.type(`${w.acct.admin.accessKeyId}${KEYS.enter}`);
    await term.waitFor(/Secret access key/);
    await term.type(`${w.acct.admin.secretAccessKey}${KEYS.enter}`);
    await term.waitFor(/Inference profile/);
    await term.type(KEYS.enter);
    await term.waitFor(/Source region/);
    return term;
  }

  it('Enter through every question keeps the saved policy (warn), not the plan default', async () => {
    const w = await configured('warn');
    const term = await throughCredentials(w);
    await term.type(KEYS.enter);
    await term.waitFor(/Fallback policy/, 60_000);
    await term.type(KEYS.enter);
    await term.waitFor(/Save this configuration/);
    await term.type(KEYS.enter);
    expect(await term.exited).toBe(0);
    expect(await w.get('policy')).toBe('warn');
    expect((await w.audit()).events.filter((e) => e.type === 'policy-changed')).toEqual([]);
  }, 180_000);

  it('choosing another region shows the change, and its confirmation defaults to No: Enter leaves the workspace as it was and sends nothing to the new region', async () => {
    const w = await configured('warn');
    await w.mark();
    const term = await throughCredentials(w);
    await term.type(`${KEYS.down}${KEYS.enter}`);
    await term.waitFor(/already configured; this changes it/);
    await term.waitFor(/\(y\/N\)/);
    expect(term.screen).toMatch(/region: eu-west-1 → eu-/);
    await term.type(KEYS.enter);
    await term.exited;
    expect(await w.get('region')).toBe('eu-west-1');
    expect([...(await w.regionsReached())].filter((r) => r !== 'eu-west-1')).toEqual([]);
  }, 180_000);
});
