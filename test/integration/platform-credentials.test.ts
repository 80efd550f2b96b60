// The platform credentials are the fallback target of every workspace in a config (DESIGN §4.3),
// so who controls them matters to every workspace owner: they belong to the user who first set
// them, nobody else replaces or removes them, every change shows in every workspace's audit log,
// and credentials stored before byok recorded an owner are not used for a fallback until someone
// sets them again. In-process against a real encrypted store and the emulator.
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createContext } from '../../src/cli/context.js';
import { runInProcess, tempConfig, type TestEnv } from '../helpers/context.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { scanForSecrets } from '../helpers/secret-scan.js';

let emu: TestEmulator;
let t: TestEnv;
const outputs: string[] = [];
let alicePlatform: { accessKeyId: string; secretAccessKey: string; accountId: string };
let malloryKeys: { accessKeyId: string; secretAccessKey: string; accountId: string };
let byokKeys: { accessKeyId: string; secretAccessKey: string; accountId: string };

async function byok(args: string[], o: { user?: string; stdin?: string } = {}) {
  const r = await runInProcess(args, { env: { ...t.env, ...emu.clientEnv, BYOK_PLATFORM_ENDPOINT_URL: emu.url, ...(o.user ? { BYOK_USER: o.user } : {}) }, stdin: o.stdin });
  outputs.push(r.stdout, r.stderr);
  return r;
}
const setPlatform = (user: string, k: { accessKeyId: string; secretAccessKey: string }, regions = 'eu-west-1') =>
  byok(['credentials', 'set', '--platform', '--regions', regions, '--access-key-id', k.accessKeyId, '--secret-access-key-stdin', '--json'], { user, stdin: `${k.secretAccessKey}\n` });
const showPlatform = async () => JSON.parse((await byok(['credentials', 'show', '--platform', '--json'])).stdout) as Record<string, unknown>;
const events = async (type: string, o: { workspace?: string; user?: string } = {}) =>
  (JSON.parse((await byok(['audit', 'list', '--json', '--type', type, ...(o.workspace ? ['--workspace', o.workspace] : ['--all'])], { user: o.user })).stdout) as { events: { user: string; workspace: string | null; details: Record<string, unknown> }[] }).events;

beforeAll(async () => {
  emu = await startTestEmulator();
  const [a, m, b] = await Promise.all([emu.control.createAccount(), emu.control.createAccount(), emu.control.createAccount()]);
  alicePlatform = a.admin;
  malloryKeys = m.admin;
  byokKeys = b.admin;
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  t = tempConfig();
  // alice owns an Enterprise workspace, locked at strict, with bob as a member, and set the platform credentials.
  const steps: [string[], string?][] = [
    [['workspace', 'create', 'bank', '--plan', 'enterprise']],
    [['config', 'set', 'geography', 'eu']],
    [['config', 'set', 'region', 'eu-west-1']],
    [['credentials', 'set', '--access-key-id', byokKeys.accessKeyId, '--secret-access-key-stdin'], `${byokKeys.secretAccessKey}\n`],
    [['policy', 'set', 'strict', '--lock']],
    [['workspace', 'add-member', 'bob']],
  ];
  for (const [args, stdin] of steps) {
    const r = await byok(args, { user: 'alice', stdin });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  }
  const p = await setPlatform('alice', alicePlatform);
  expect(p.code, p.stderr).toBe(0);
});
afterEach(async () => {
  await emu.control.clearFaults();
  t.cleanup();
});

describe('platform credentials have an owner', () => {
  it('a stranger who creates a workspace of their own cannot replace or remove the platform credentials', async () => {
    const before = await showPlatform();
    expect((await byok(['workspace', 'create', 'mallory-lab', '--plan', 'scale'], { user: 'mallory' })).code).toBe(0);
    const set = await setPlatform('mallory', malloryKeys);
    expect(set.code).toBe(2);
    expect(set.stdout + set.stderr).toContain('alice');
    const removed = await byok(['credentials', 'remove', '--platform'], { user: 'mallory' });
    expect(removed.code).toBe(2);
    expect(await showPlatform()).toEqual(before);
  });

  it("neither a member nor the owner of another workspace replaces them; only the user who first set them does", async () => {
    expect((await byok(['workspace', 'create', 'carol-ws', '--plan', 'scale', '--owner', 'carol'], { user: 'alice' })).code).toBe(0);
    for (const user of ['bob', 'carol']) {
      expect((await setPlatform(user, malloryKeys)).code, user).toBe(2);
      expect((await byok(['credentials', 'remove', '--platform'], { user })).code, user).toBe(2);
    }
    const replaced = await setPlatform('alice', malloryKeys, 'eu-west-1,eu-central-1');
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(await showPlatform()).toMatchObject({ owner: 'alice', regions: ['eu-west-1', 'eu-central-1'] });
  });

  it('a change to the platform credentials is audited in every workspace it affects', async () => {
    expect((await byok(['workspace', 'create', 'mallory-lab', '--plan', 'scale'], { user: 'mallory' })).code).toBe(0);
    expect((await setPlatform('alice', malloryKeys, 'eu-west-1,eu-central-1')).code).toBe(0);
    // Each workspace's own log (as its owner reads it) shows the change, with who made it and the new owner.
    for (const [workspace, user] of [['bank', 'alice'], ['mallory-lab', 'mallory']] as const) {
      const ev = (await events('platform-credentials-set', { workspace, user })).filter((e) => e.workspace === workspace);
      expect(ev.at(-1), workspace).toMatchObject({ user: 'alice', workspace, details: { owner: 'alice', regions: 'eu-west-1,eu-central-1' } });
    }
    expect((await byok(['credentials', 'remove', '--platform'], { user: 'alice' })).code).toBe(0);
    const removals = await events('platform-credentials-removed');
    expect(removals.map((e) => e.workspace).sort()).toEqual(['bank', 'mallory-lab']);
    expect(removals.every((e) => e.user === 'alice')).toBe(true);
  });

  it('whoever sets them after a removal becomes their owner', async () => {
    expect((await byok(['credentials', 'remove', '--platform'], { user: 'alice' })).code).toBe(0);
    expect((await byok(['workspace', 'create', 'dave-ws', '--plan', 'scale'], { user: 'dave' })).code).toBe(0);
    expect((await setPlatform('dave', malloryKeys)).code).toBe(0);
    expect(await showPlatform()).toMatchObject({ owner: 'dave' });
    expect((await setPlatform('alice', alicePlatform)).code).toBe(2);
  });
});

describe('workspace create --owner', () => {
  it('a workspace created for another user is audited as such', async () => {
    expect((await byok(['workspace', 'create', 'for-erin', '--plan', 'scale', '--owner', 'erin'], { user: 'mallory' })).code).toBe(0);
    const ev = (await events('workspace-created')).find((e) => e.workspace === 'for-erin')!;
    expect(ev).toMatchObject({ user: 'mallory', details: { owner: 'erin', ownerIsCreator: false } });
    const own = (await events('workspace-created')).find((e) => e.workspace === 'bank')!;
    expect(own).toMatchObject({ user: 'alice', details: { owner: 'alice', ownerIsCreator: true } });
  });
});

describe('platform credentials stored before byok recorded an owner', () => {
  /** The config as an older byok wrote it: platform credentials with no owner field. */
  async function forgetOwner(): Promise<void> {
    const ctx = createContext({ io: { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false }, env: t.env, osUser: 'alice' });
    await ctx.store().update((doc) => {
      expect(doc.platform).toBeDefined();
      delete (doc.platform as { owner?: string }).owner;
    });
  }

  it('are never a fallback target until someone sets them again, and nothing is sent to them', async () => {
    expect((await byok(['policy', 'set', 'allow', '--unlock'], { user: 'alice' })).code).toBe(0);
    await forgetOwner();
    expect(await showPlatform()).toMatchObject({ configured: true, owner: null });
    await emu.control.addFault({ service: 'bedrock-runtime', accountId: byokKeys.accountId, error: { code: 'ThrottlingException' }, durationMs: 120_000 });
    const platformRequests = async () => (await emu.control.requests()).requests.filter((r) => r.accountId === alicePlatform.accountId).length;
    const before = await platformRequests();
    const r = await byok(['invoke', '--json', 'hello'], { user: 'bob' });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { servedBy: string | null; fallback: { decision: string; reasons: string[] } };
    expect(out.servedBy).toBeNull();
    expect(out.fallback.decision).toBe('fail');
    expect(out.fallback.reasons.join(' ')).toContain('no recorded owner');
    expect(await platformRequests()).toBe(before);
    expect(await events('fallback')).toEqual([]);
    // policy evaluate gives the same answer for the same reason.
    const ev = await byok(['policy', 'evaluate', '--json', '--error-code', 'ThrottlingException', '--operation-kind', 'read'], { user: 'bob' });
    expect(ev.code).toBe(1);
    expect(ev.stdout).toContain('no recorded owner');

    // A workspace owner sets them again (as the old rule allowed) and so becomes their owner: fallbacks resume.
    expect((await setPlatform('bob', alicePlatform)).code).toBe(2);
    const claimed = await setPlatform('alice', alicePlatform);
    expect(claimed.code, claimed.stderr).toBe(0);
    expect(await showPlatform()).toMatchObject({ owner: 'alice' });
    const again = await byok(['invoke', '--json', 'hello'], { user: 'bob' });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ servedBy: 'platform' });
  });
});

describe('secrets', () => {
  it('nothing printed contains a secret', () => {
    expect(scanForSecrets([alicePlatform.secretAccessKey, malloryKeys.secretAccessKey, byokKeys.secretAccessKey], { texts: outputs })).toEqual([]);
  });
});
