// app/setup.ts without a terminal: the plan run with scripted answers (SetupQuestions) through a
// Runtime against the emulator. The promises: nothing is written until the summary is accepted; a
// failed test without a person to ask saves nothing; on the provisioning path the new key is stored
// before the summary, so declining it loses no secret; what the request fills in is never asked.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../src/app/runtime.js';
import { runSetup, type CredentialInput, type SetupQuestions, type SetupSummary } from '../../src/app/setup.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
const dirs: string[] = [];
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function fresh(adminEnv = false) {
  const acct = await emu.control.createAccount();
  const dir = mkdtempSync(join(tmpdir(), 'byok-app-setup-'));
  dirs.push(dir);
  const configDir = join(dir, 'config');
  const env: Record<string, string> = { ...emu.clientEnv, BYOK_KEY: randomBytes(32).toString('base64'), BYOK_KEYRING: 'off', BYOK_IAM_PROPAGATION_POLL_MS: '20' };
  if (adminEnv) Object.assign(env, { AWS_ACCESS_KEY_ID: acct.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: acct.admin.secretAccessKey });
  const rt: Runtime = createRuntime({ configDir, user: 'alice', env });
  const key: CredentialInput = { accessKeyId: acct.admin.accessKeyId, secretAccessKey: acct.admin.secretAccessKey, source: 'prompt' };
  return { rt, configDir, key, accountId: acct.accountId };
}

/** Answers that fail the test if a question is asked that the test did not expect. */
function answers(o: Partial<SetupQuestions> & { interactive: boolean }): SetupQuestions & { asked: string[] } {
  const asked: string[] = [];
  const never = (name: string) => async (): Promise<never> => {
    throw new Error(`asked ${name}, which the request had answered`);
  };
  const q = {
    workspaceName: never('workspaceName'),
    plan: never('plan'),
    method: never('method'),
    credentials: never('credentials'),
    geography: never('geography'),
    region: never('region'),
    policy: never('policy'),
    ...o,
  } as SetupQuestions;
  const tracked = Object.fromEntries(Object.entries(q).map(([k, v]) => [k, typeof v === 'function' ? (...a: unknown[]) => { asked.push(k); return (v as (...x: unknown[]) => unknown)(...a); } : v]));
  return { ...(tracked as unknown as SetupQuestions), asked };
}

function snapshot(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  return Object.fromEntries(readdirSync(dir).map((n) => [n, readFileSync(join(dir, n), 'base64')]));
}

describe('runSetup (app layer, no terminal)', () => {
  it('nothing is written until the summary is accepted: declining it leaves the config directory as it was', async () => {
    const s = await fresh();
    await s.rt.store().update((doc) => void doc); // an existing, empty config
    const before = snapshot(s.configDir);
    let shown: SetupSummary | undefined;
    const ask = answers({
      interactive: true,
      credentials: async () => s.key,
      lockStrict: async () => false,
      confirmSave: async (summary) => {
        shown = summary;
        return false;
      },
    });
    await expect(runSetup(s.rt, { name: 'acme', plan: 'enterprise', method: 'type', geography: 'eu', region: 'eu-west-1', policy: 'strict' }, ask)).rejects.toMatchObject({ code: 'cancelled' });
    expect(shown).toMatchObject({ workspace: 'acme', geography: 'eu', region: 'eu-west-1', policy: 'strict', connectionTest: 'passed' });
    expect(shown!.accessKeyId).not.toBe(s.key.accessKeyId);
    expect(snapshot(s.configDir)).toEqual(before);
  });

  it('accepted, it saves the workspace, key, route and policy in one write, and asks only what the request left open', async () => {
    const s = await fresh();
    const ask = answers({ interactive: true, credentials: async () => s.key, region: async () => 'us-east-2', lockStrict: async () => true, confirmSave: async () => true });
    const r = await runSetup(s.rt, { name: 'acme', plan: 'byoc', method: 'type', geography: 'us', policy: 'strict' }, ask);
    expect(r).toMatchObject({ ok: true, saved: true, summary: { workspace: 'acme', region: 'us-east-2', policy: 'strict', locked: true } });
    expect(ask.asked).toEqual(['credentials', 'region', 'lockStrict', 'confirmSave']);
    const { doc } = await s.rt.store().read();
    expect(doc.currentWorkspace).toBe('acme');
    expect(doc.workspaces.acme).toMatchObject({ owner: 'alice', geography: 'us', region: 'us-east-2', policy: 'strict', policyLocked: true, credentials: { accessKeyId: s.key.accessKeyId, source: 'prompt' } });
  });

  it('a failed test with nobody to ask saves nothing and returns the checks that say why', async () => {
    const s = await fresh();
    const wrong = { ...s.key, secretAccessKey: 'x'.repeat(40) };
    const ask = answers({ interactive: false, credentials: async () => wrong });
    const r = await runSetup(s.rt, { name: 'acme', plan: 'enterprise', method: 'type', geography: 'eu', region: 'eu-west-1', policy: 'strict' }, ask);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.saved).toBe(false);
    expect(r.checks.find((c) => c.name === 'credentials')).toMatchObject({ ok: false, category: 'credential-invalid' });
    expect(existsSync(join(s.configDir, 'config.json'))).toBe(false);
  });

  it('a plan without BYOK is asked again (interactive) with the reason, and refused outright without a person', async () => {
    const s = await fresh();
    const plans = ['pro', 'scale'] as const;
    const refusals: (string | undefined)[] = [];
    const ask = answers({
      interactive: true,
      plan: async ({ refused }) => {
        refusals.push(refused?.code);
        return plans[refusals.length - 1]!;
      },
      credentials: async () => s.key,
      confirmSave: async () => false,
    });
    await expect(runSetup(s.rt, { name: 'acme', method: 'type', geography: 'us', region: 'us-east-1', policy: 'allow', skipTest: true }, ask)).rejects.toMatchObject({ code: 'cancelled' });
    expect(refusals).toEqual([undefined, 'plan-not-eligible']);
    await expect(runSetup(s.rt, { name: 'acme', plan: 'pro', method: 'type' }, answers({ interactive: false }))).rejects.toMatchObject({ code: 'plan-not-eligible', exitCode: 2 });
  });

  it('provisioning stores the new key before the summary: declining the summary keeps the workspace and its key, which IAM holds too', async () => {
    const s = await fresh(true);
    const steps: string[] = [];
    const ask = answers({ interactive: true, confirmProvision: async () => true, lockStrict: async () => false, confirmSave: async () => false });
    await expect(runSetup(s.rt, { name: 'prov', plan: 'byoc', method: 'provision', geography: 'us', region: 'us-east-2', policy: 'strict' }, ask, { onStep: (x) => steps.push(x.step) })).rejects.toMatchObject({ code: 'cancelled' });
    expect(steps).toEqual(expect.arrayContaining(['user', 'policy', 'access-key', 'test']));
    const iamKeys = (await emu.control.state()).accounts.find((a) => a.accountId === s.accountId)?.users.find((u) => u.name === 'byok-bedrock')?.accessKeys ?? [];
    expect(iamKeys).toHaveLength(1);
    const { doc } = await s.rt.store().read();
    expect(doc.workspaces.prov?.credentials).toMatchObject({ accessKeyId: iamKeys[0]!.id, source: 'iam' });
  });
});
