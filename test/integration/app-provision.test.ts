// app/provision.ts without a terminal: a Runtime (createRuntime) against the emulator, progress
// through the hooks. The promises: a new secret access key is stored before anything after it can
// fail, or deleted again; a failed rotation leaves the workspace on its old, working key; every
// step is reported through onStep, in order, and nothing is printed.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../src/app/runtime.js';
import { createAccessKey, provision, rotateKey, type Step } from '../../src/app/provision.js';
import { mask } from '../../src/core/credentials.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
const dirs: string[] = [];
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterEach(async () => {
  await emu.control.clearFaults();
});
afterAll(async () => {
  await emu.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function workspace(geography: 'us' | 'eu', region: string): Promise<{ rt: Runtime; accountId: string; configDir: string }> {
  const acct = await emu.control.createAccount();
  const dir = mkdtempSync(join(tmpdir(), 'byok-app-'));
  dirs.push(dir);
  const configDir = join(dir, 'config');
  const rt = createRuntime({
    configDir,
    user: 'alice',
    env: { ...emu.clientEnv, BYOK_KEY: randomBytes(32).toString('base64'), BYOK_KEYRING: 'off', AWS_ACCESS_KEY_ID: acct.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: acct.admin.secretAccessKey, BYOK_IAM_PROPAGATION_POLL_MS: '20' },
  });
  await rt.store().update((doc, tx) => {
    doc.workspaces.ws = { name: 'ws', plan: 'enterprise', owner: 'alice', members: [], createdAt: rt.now().toISOString(), byokEnabled: true, policy: 'strict', policyLocked: false, geography, region };
    doc.currentWorkspace = 'ws';
    tx.audit({ type: 'workspace-created', user: 'alice', workspace: 'ws', details: { plan: 'enterprise', owner: 'alice', policy: 'strict' } });
  });
  return { rt, accountId: acct.accountId, configDir };
}

async function iamKeys(accountId: string, user = 'byok-bedrock'): Promise<{ id: string; status: string }[]> {
  const st = await emu.control.state();
  return st.accounts.find((a) => a.accountId === accountId)?.users.find((u) => u.name === user)?.accessKeys ?? [];
}

async function stored(rt: Runtime) {
  const { doc } = await rt.store().read();
  return doc.workspaces.ws?.credentials;
}

describe('provision (app layer, no terminal)', () => {
  it('reports user, policy, access key and test through onStep, in that order, and returns the masked key it stored', async () => {
    const w = await workspace('eu', 'eu-west-1');
    const steps: Step[] = [];
    const r = await provision(w.rt, {}, { onStep: (s) => steps.push(s) });
    // EU's policy is too large to go inline: a managed policy, attached.
    expect(steps.map((s) => [s.step, s.state])).toEqual([['user', 'created'], ['policy', 'created'], ['attach', 'created'], ['access-key', 'created'], ['test', 'ok']]);
    expect(r.steps).toEqual(steps);
    const keys = await iamKeys(w.accountId);
    expect(keys).toHaveLength(1);
    expect(r.accessKeyId).toBe(mask(keys[0]!.id));
    expect(r.accessKeyId).not.toBe(keys[0]!.id);
    expect(await stored(w.rt)).toMatchObject({ accessKeyId: keys[0]!.id, source: 'iam', iamUserName: 'byok-bedrock' });
  });

  it('a new key is stored before the test that follows it can fail: the failed run keeps the secret, and the re-run reuses that key', async () => {
    const w = await workspace('us', 'us-east-1');
    await emu.control.addFault({ service: 'bedrock-runtime', accountId: w.accountId, error: { code: 'AccessDeniedException' }, count: 10 });
    await expect(provision(w.rt, {})).rejects.toMatchObject({ code: 'key-test-failed' });
    const keys = await iamKeys(w.accountId);
    expect(keys).toHaveLength(1);
    const kept = await stored(w.rt);
    expect(kept?.accessKeyId).toBe(keys[0]!.id);
    expect(kept?.secretAccessKey).toMatch(/^.{40}$/);
    await emu.control.clearFaults();
    const steps: Step[] = [];
    await provision(w.rt, {}, { onStep: (s) => steps.push(s) });
    expect(steps.find((s) => s.step === 'access-key')?.state).toBe('exists');
    expect((await iamKeys(w.accountId)).map((k) => k.id)).toEqual([keys[0]!.id]);
  });

  it('a new key that cannot be stored is deleted again, and the error says so (exit 3)', async () => {
    const w = await workspace('us', 'us-east-1');
    // The config is damaged after the policy step, before the key: the store refuses the write.
    const hooks = { onStep: (s: Step) => { if (s.step === 'policy') writeFileSync(join(w.configDir, 'config.json'), '{"tampered": true}\n'); } };
    const e = await provision(w.rt, {}, hooks).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'key-not-stored', exitCode: 3 });
    expect((e as Error).message).toMatch(/deleted again, so no secret is lost/);
    expect(await iamKeys(w.accountId)).toEqual([]);
  });

  it('create-access-key stores the new key in the workspace named by the request, not the current one', async () => {
    const w = await workspace('us', 'us-east-1');
    await w.rt.store().update((doc) => {
      doc.workspaces.other = { ...doc.workspaces.ws!, name: 'other' };
    });
    await provision(w.rt, { workspace: 'ws' });
    const before = await stored(w.rt);
    // The user byok made for ws: giving another workspace a key of it is sharing it, on purpose.
    const r = await createAccessKey(w.rt, { workspace: 'other', adoptExistingUser: true });
    const { doc } = await w.rt.store().read();
    expect(doc.workspaces.other?.credentials?.accessKeyId).not.toBe(before?.accessKeyId);
    expect(mask(doc.workspaces.other!.credentials!.accessKeyId)).toBe(r.accessKeyId);
    expect(doc.workspaces.ws?.credentials?.accessKeyId).toBe(before?.accessKeyId);
  });
});

describe('rotateKey (app layer, no terminal)', () => {
  it('replaces the key only after the new one works: one key left, the new one, stored', async () => {
    const w = await workspace('us', 'us-west-2');
    await provision(w.rt, {});
    const old = (await iamKeys(w.accountId))[0]!.id;
    const r = await rotateKey(w.rt, {});
    const keys = await iamKeys(w.accountId);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.id).not.toBe(old);
    expect((await stored(w.rt))?.accessKeyId).toBe(keys[0]!.id);
    expect(r).toMatchObject({ accessKeyId: mask(keys[0]!.id), previous: mask(old) });
  });

  it('when the new key fails its test, the workspace goes back to the old key and the new key is deleted', async () => {
    const w = await workspace('us', 'us-east-1');
    await provision(w.rt, {});
    const old = (await iamKeys(w.accountId))[0]!.id;
    await emu.control.addFault({ service: 'bedrock-runtime', accountId: w.accountId, error: { code: 'AccessDeniedException' }, count: 10 });
    const steps: Step[] = [];
    await expect(rotateKey(w.rt, {}, { onStep: (s) => steps.push(s) })).rejects.toMatchObject({ code: 'key-test-failed' });
    expect((await iamKeys(w.accountId)).map((k) => k.id)).toEqual([old]);
    expect((await stored(w.rt))?.accessKeyId).toBe(old);
    expect(steps.map((s) => s.step)).toEqual(['access-key', 'rollback']);
  });
});
