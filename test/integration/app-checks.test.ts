// app/models.ts and app/doctor.ts without a terminal: a Runtime (createRuntime) against the emulator. The promises:
// models check learns a profile's destinations before it sends any prompt through it, and sends
// none through a profile that leaves the workspace's geography (DESIGN §4.2); what it learns is kept
// for routing and audited; it returns a typed report and prints nothing. doctor's checks likewise:
// the connection test runs only when the workspace can be tested, and its result is recorded.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../src/app/runtime.js';
import { checkModels } from '../../src/app/models.js';
import { runDoctorChecks } from '../../src/app/doctor.js';
import { readAuditLog } from '../../src/store/audit-log.js';
import type { RequestRecord } from '../../src/emulator/state.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const S = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const O = 'anthropic.claude-opus-4-5-20251101-v1:0';

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

/** A workspace on the account admin's keys: its IAM allows every region, so only byok stands between a prompt and a US region. */
async function workspace(geography: 'us' | 'eu', region: string | undefined): Promise<{ rt: Runtime; accountId: string; requests: () => Promise<RequestRecord[]> }> {
  const acct = await emu.control.createAccount();
  const dir = mkdtempSync(join(tmpdir(), 'byok-app-checks-'));
  dirs.push(dir);
  const rt = createRuntime({
    configDir: join(dir, 'config'),
    user: 'alice',
    env: { ...emu.clientEnv, BYOK_KEY: randomBytes(32).toString('base64'), BYOK_KEYRING: 'off' },
  });
  await rt.store().update((doc, tx) => {
    doc.workspaces.ws = {
      name: 'ws', plan: 'enterprise', owner: 'alice', members: [], createdAt: rt.now().toISOString(), byokEnabled: true, policy: 'strict', policyLocked: false, geography, region,
      credentials: { accessKeyId: acct.admin.accessKeyId, secretAccessKey: acct.admin.secretAccessKey, source: 'stdin', storedAt: rt.now().toISOString() },
    };
    doc.currentWorkspace = 'ws';
    tx.audit({ type: 'workspace-created', user: 'alice', workspace: 'ws', details: { plan: 'enterprise', owner: 'alice', policy: 'strict' } });
  });
  const from = (await emu.control.requests()).requests.length;
  const requests = async () => (await emu.control.requests()).requests.slice(from).filter((r) => r.accountId === acct.accountId && (r.service === 'bedrock' || r.service === 'bedrock-runtime'));
  return { rt, accountId: acct.accountId, requests };
}

/** Runs fn with process.stdout/stderr writes counted (a workflow prints nothing). */
async function silently<T>(fn: () => Promise<T>): Promise<{ value: T; written: string[] }> {
  const written: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const spy = (chunk: string | Uint8Array): boolean => {
    written.push(String(chunk));
    return true;
  };
  process.stdout.write = spy as typeof process.stdout.write;
  process.stderr.write = spy as typeof process.stderr.write;
  try {
    return { value: await fn(), written };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

describe('models check (app layer, no terminal)', () => {
  it('learns a profile\'s destinations before it sends any prompt through it, and sends none through a profile that leaves the geography', async () => {
    const w = await workspace('eu', 'eu-west-1');
    // AWS re-routes the EU Sonnet profile to include us-east-1; byok's built-in table does not know it.
    await emu.control.changeProfile({ profileId: `eu.${S}`, sourceRegion: 'eu-west-1', destinations: ['eu-west-1', 'eu-central-1', 'us-east-1'] });
    const progress: string[] = [];
    const { value: r, written } = await silently(() => checkModels(w.rt, { onProgress: (t) => progress.push(t) }));

    const reqs = await w.requests();
    const prompts = reqs.filter((q) => q.service === 'bedrock-runtime');
    // No prompt through the Sonnet profile; the Opus one (all EU) was invoked once.
    expect(prompts.map((q) => q.modelId)).toEqual([`eu.${O}`]);
    expect(prompts.flatMap((q) => [q.region, ...(q.routedTo ?? [])]).filter((x) => x?.startsWith('us-'))).toEqual([]);
    // The destinations came first: profile look-ups answered before the one prompt was sent.
    const firstPrompt = reqs.indexOf(prompts[0]!);
    expect(reqs.slice(0, firstPrompt).filter((q) => q.operation === 'GetInferenceProfile' && q.status === 200).length).toBeGreaterThanOrEqual(1);

    expect(r).toMatchObject({ ok: false, refused: false, exitCode: 1, workspace: 'ws', geography: 'eu', region: 'eu-west-1' });
    const sonnet = r.models.find((m) => m.model === 'sonnet')!;
    expect(sonnet.accessible).toBe(false);
    expect(sonnet.checks.find((c) => c.name === 'sonnet.invoke')).toBeUndefined();
    expect(sonnet.checks.find((c) => c.name === 'sonnet.profile')).toMatchObject({ status: 'fail', category: 'region-mismatch', residency: { profileId: `eu.${S}`, outsideRegions: ['us-east-1'] } });
    expect(r.models.find((m) => m.model === 'opus')).toMatchObject({ accessible: true, inferenceProfileId: `eu.${O}` });

    // What it learned is kept for routing, and the change is in the audit log.
    const { doc } = await w.rt.store().read();
    expect(doc.workspaces.ws?.catalog?.profiles.find((p) => p.profileId === `eu.${S}`)?.destinations).toContain('us-east-1');
    expect((await readAuditLog(w.rt.store().auditPath)).map((e) => e.event.type)).toContain('catalog-updated');

    // A workflow reports progress through its callback and prints nothing.
    expect(progress.length).toBeGreaterThan(0);
    expect(written).toEqual([]);
  });

  it('a workspace whose profiles stay in its geography: both models answer, exit code 0', async () => {
    const w = await workspace('us', 'us-east-1');
    const r = await checkModels(w.rt);
    expect(r).toMatchObject({ ok: true, exitCode: 0, region: 'us-east-1', catalog: { source: 'built-in', profiles: null } });
    expect(r.models.map((m) => [m.model, m.accessible])).toEqual([['sonnet', true], ['opus', true]]);
    expect((await w.requests()).filter((q) => q.service === 'bedrock-runtime').map((q) => q.modelId).sort()).toEqual([`us.${O}`, `us.${S}`]);
  });

  it('credentials AWS refuses stop the check before any Bedrock call, with exit code 4', async () => {
    const w = await workspace('eu', 'eu-west-1');
    await w.rt.store().update((doc) => {
      doc.workspaces.ws!.credentials!.secretAccessKey = 'x'.repeat(40);
    });
    const r = await checkModels(w.rt);
    expect(r).toMatchObject({ ok: false, refused: true, exitCode: 4, catalog: null, models: [] });
    expect(r.checks.map((c) => c.name)).toEqual(['credentials']);
    expect(await w.requests()).toEqual([]);
  });
});

describe('doctor (app layer, no terminal)', () => {
  it('a healthy workspace: every troubleshooting check in the document\'s order passes, the connection test is recorded, nothing is printed', async () => {
    const w = await workspace('us', 'us-east-1');
    const { value: r, written } = await silently(() => runDoctorChecks(w.rt));
    expect(r).toMatchObject({ ok: true, exitCode: 0, workspace: 'ws', role: 'owner', owner: 'alice' });
    expect(r.checks.map((c) => [c.name, c.status])).toEqual([
      ['owner-configured', 'pass'], ['byok-enabled', 'pass'], ['plan-eligible', 'pass'], ['owner-credentials', 'pass'],
      ['session-token-expiry', 'pass'], ['model-access', 'pass'], ['iam-permissions', 'pass'], ['region', 'pass'], ['connection', 'pass'],
    ]);
    expect(r.connection?.ok).toBe(true);
    const { doc } = await w.rt.store().read();
    expect(doc.workspaces.ws?.lastConnectionTest).toMatchObject({ ok: true, at: r.connection!.testedAt });
    expect(written).toEqual([]);
  });

  it('a workspace with no region is not tested against AWS: region fails with the command that fixes it, and no request is sent', async () => {
    const w = await workspace('eu', undefined);
    const r = await runDoctorChecks(w.rt);
    expect(r).toMatchObject({ ok: false, exitCode: 1, connection: null });
    expect(r.checks.find((c) => c.name === 'region')).toMatchObject({ status: 'fail', category: 'region-mismatch' });
    expect(JSON.stringify(r.checks.find((c) => c.name === 'region'))).toContain('byok config set region');
    expect(r.checks.find((c) => c.name === 'connection')).toMatchObject({ status: 'skip' });
    expect(await w.requests()).toEqual([]);
    expect((await w.rt.store().read()).doc.workspaces.ws?.lastConnectionTest).toBeUndefined();
  });

  it('credentials AWS refuses: exit code 4, owner-credentials fails as credential-invalid', async () => {
    const w = await workspace('eu', 'eu-west-1');
    await w.rt.store().update((doc) => {
      doc.workspaces.ws!.credentials!.secretAccessKey = 'x'.repeat(40);
    });
    const r = await runDoctorChecks(w.rt);
    expect(r).toMatchObject({ ok: false, exitCode: 4 });
    expect(r.checks.find((c) => c.name === 'owner-credentials')).toMatchObject({ status: 'fail', category: 'credential-invalid' });
    expect(await w.requests()).toEqual([]);
  });
});
