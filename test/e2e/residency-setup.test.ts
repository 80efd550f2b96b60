// Residency through `byok setup` (issue 10 §1, brief item 1): an EU workspace whose eu. Sonnet
// profile AWS re-routes to include us-east-1 (the emulator's profile control). Through the wizard (a
// pseudo-terminal) and `setup --non-interactive`, no output names a region outside the EU, and no
// request reaches one: the emulator's request log records each request's signing region and the
// destinations a served call may have run in (src/emulator/state.ts RequestRecord.routedTo).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { BYOK_BIN } from '../helpers/run-byok.js';
import { KEYS, Terminal } from '../helpers/pty-terminal.js';
import { run } from '../helpers/spawn.js';

const S = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
/** Regions outside the EU that AWS's profiles reach (reference aws.md §2.2). */
const OUTSIDE_EU = /\b(?:us|ca|sa|ap|me|af|il)-[a-z]+-\d\b/;

let emu: TestEmulator;
const temps: TestEnv[] = [];
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterEach(async () => {
  await emu.control.clearProfileChanges();
});
afterAll(async () => {
  await emu.close();
  for (const t of temps) t.cleanup();
});

async function rerouted() {
  const t = tempConfig();
  temps.push(t);
  const acct = await emu.control.createAccount();
  // From the two source regions the test uses (the wizard preselects the first in its list).
  for (const sourceRegion of ['eu-west-1', 'eu-central-1']) await emu.control.changeProfile({ profileId: `eu.${S}`, sourceRegion, destinations: ['eu-west-1', 'eu-central-1', 'us-east-1'] });
  const env: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: t.dir, TERM: 'xterm-256color', ...t.env, ...emu.clientEnv };
  delete env.NO_COLOR;
  const from = (await emu.control.requests()).requests.length;
  /** Every region a request of this account reached: where it was signed for, and where it may have run. */
  const reached = async () => {
    const count: Record<string, number> = {};
    for (const r of (await emu.control.requests()).requests.slice(from)) {
      if (r.accountId !== acct.accountId) continue;
      for (const reg of new Set([r.region ?? '?', ...(r.routedTo ?? [])])) count[reg] = (count[reg] ?? 0) + 1;
    }
    return count;
  };
  return { acct, env, reached, byok: (args: string[], stdin?: string) => run(process.execPath, [BYOK_BIN, ...args], { env: { ...env, CI: 'true' }, stdin }) };
}

describe('setup on an EU workspace whose profile AWS re-routes to a US region', () => {
  it('setup --non-interactive: no output names a region outside the EU, no request reaches one, and nothing is saved', async () => {
    const w = await rerouted();
    for (const json of [false, true]) {
      const r = await w.byok(['setup', '--non-interactive', '--name', 'bank', '--plan', 'enterprise', '--access-key-id', w.acct.admin.accessKeyId, '--secret-access-key-stdin', '--geography', 'eu', '--region', 'eu-west-1', '--policy', 'strict', ...(json ? ['--json'] : [])], `${w.acct.admin.secretAccessKey}\n`);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout + r.stderr).not.toMatch(OUTSIDE_EU);
      expect(r.stdout + r.stderr).toMatch(/outside the EU/);
      if (json) expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, saved: false });
    }
    const reached = await w.reached();
    expect(Object.keys(reached).filter((x) => OUTSIDE_EU.test(x)), JSON.stringify(reached)).toEqual([]);
    expect(reached['eu-west-1']).toBeGreaterThan(0);
    expect((await w.byok(['workspace', 'list', '--json'])).stdout).not.toContain('"bank"');
  }, 120_000);

  it('the wizard: the failure screen names no region outside the EU, and no request reaches one', async () => {
    const w = await rerouted();
    const term = new Terminal(['setup'], w.env);
    await term.waitFor(/Workspace name/);
    await term.type(`bank${KEYS.enter}`);
    await term.waitFor(/Subscription plan/);
    await term.type(KEYS.enter);
    await term.waitFor(/How do you want to provide/);
    await term.type(KEYS.enter);
    await term.waitFor(/Access key ID/);
    await term.type(`${w.acct.admin.accessKeyId}${KEYS.enter}`);
    await term.waitFor(/Secret access key/);
    await term.type(`${w.acct.admin.secretAccessKey}${KEYS.enter}`);
    await term.waitFor(/Inference profile/);
    await term.type(`${KEYS.down.repeat(2)}${KEYS.enter}`); // global, us, eu
    await term.waitFor(/Source region/);
    await term.type(KEYS.enter); // the preselected EU region
    await term.waitFor(/What now\?/, 60_000);
    // The region list shows only EU regions; from the test on, nothing names one outside the EU.
    const afterList = term.screen.slice(term.screen.lastIndexOf('Testing the connection'));
    expect(afterList).toMatch(/outside the EU/);
    expect(afterList).not.toMatch(OUTSIDE_EU);
    await term.type(KEYS.enter); // Retry the test
    await term.waitFor(/What now\?[\s\S]*What now\?/, 60_000);
    expect(term.screen.slice(term.screen.lastIndexOf('Testing the connection'))).not.toMatch(OUTSIDE_EU);
    await term.type(KEYS.ctrlC);
    await term.exited;
    const reached = await w.reached();
    expect(Object.keys(reached).filter((x) => OUTSIDE_EU.test(x)), JSON.stringify(reached)).toEqual([]);
  }, 180_000);
});
