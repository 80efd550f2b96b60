// Residency through the built binary (issue 10 §1, DESIGN §4.2): advice never crosses the
// geography, residency needs discovery, models check learns a profile's destinations before it
// sends a prompt through it, and "US" means the United States. What reached which region is read
// from the emulator's request log (src/emulator/state.ts RequestRecord: the signing region, the
// model or profile a runtime call named, and the destinations a served call may have run in).
import { GetPolicyVersionCommand, GetUserPolicyCommand, IAMClient, ListAttachedUserPoliciesCommand, ListUserPoliciesCommand, GetPolicyCommand } from '@aws-sdk/client-iam';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/emulator/state.js';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { sdkConfig, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { BYOK_BIN } from '../helpers/run-byok.js';
import { run, type Ran } from '../helpers/spawn.js';

const S = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const O = 'anthropic.claude-opus-4-5-20251101-v1:0';
/** Regions outside the EU member states that AWS's profiles reach (reference aws.md §2.2). */
const US_REGION = /\bus-(?:east|west)-\d\b/;
const NOT_US = /\b(?:ca-central-1|ca-west-1)\b/;

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

interface Ws {
  /** byok as the workspace's user (the stored BYOK key; no admin variables). */
  byok(args: string[]): Promise<Ran>;
  /** byok with the account's admin identity in AWS_* (for byok iam ...). */
  asAdmin(args: string[]): Promise<Ran>;
  accountId: string;
  admin: { accessKeyId: string; secretAccessKey: string };
  /** Bedrock and Bedrock Runtime requests of this account since `mark()`. */
  bedrockRequests(): Promise<RequestRecord[]>;
  mark(): Promise<void>;
}

async function workspace(o: { geography: string; region: string; provision: boolean }): Promise<Ws> {
  const t = tempConfig();
  temps.push(t);
  const acct = await emu.control.createAccount();
  const env = { PATH: process.env.PATH, HOME: t.dir, ...t.env, ...emu.clientEnv, BYOK_IAM_PROPAGATION_POLL_MS: '20' };
  const adminEnv = { AWS_ACCESS_KEY_ID: acct.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: acct.admin.secretAccessKey };
  const byok = (args: string[], extra: Record<string, string> = {}, stdin?: string) => run(process.execPath, [BYOK_BIN, ...args], { env: { ...env, ...extra }, stdin });
  const ok = async (r: Promise<Ran>, what: string) => {
    const x = await r;
    expect(x.code, `${what}: ${x.stderr}${x.stdout}`).toBe(0);
  };
  await ok(byok(['workspace', 'create', 'bank', '--plan', 'enterprise']), 'workspace create');
  await ok(byok(['config', 'set', 'geography', o.geography]), 'geography');
  await ok(byok(['config', 'set', 'region', o.region]), 'region');
  if (o.provision) await ok(byok(['iam', 'provision', '--json'], adminEnv), 'iam provision');
  else await ok(byok(['credentials', 'set', '--access-key-id', acct.admin.accessKeyId, '--secret-access-key-stdin'], {}, `${acct.admin.secretAccessKey}\n`), 'credentials set');
  let from = 0;
  const all = async () => (await emu.control.requests()).requests;
  return {
    byok: (args) => byok(args),
    asAdmin: (args) => byok(args, adminEnv),
    accountId: acct.accountId,
    admin: acct.admin,
    mark: async () => {
      from = (await all()).length;
    },
    bedrockRequests: async () => (await all()).slice(from).filter((r) => r.accountId === acct.accountId && (r.service === 'bedrock' || r.service === 'bedrock-runtime')),
  };
}

/** Regions a request reached: where it was sent (signed for), and where a served call may have run. */
function regionsReached(reqs: RequestRecord[]): Record<string, number> {
  const count: Record<string, number> = {};
  for (const r of reqs) for (const reg of new Set([r.region ?? '?', ...(r.routedTo ?? [])])) count[reg] = (count[reg] ?? 0) + 1;
  return count;
}

/** Every piece of advice in a JSON document: hints, steps, permission statements, policies, commands. */
function advice(v: unknown, key = ''): string[] {
  if (typeof v === 'string') return ['hint', 'steps', 'permission', 'statement', 'document', 'commands', 'notes'].includes(key) ? [v] : [];
  if (Array.isArray(v)) return v.flatMap((x) => advice(x, key));
  if (v && typeof v === 'object') {
    return Object.entries(v).flatMap(([k, x]) => (['hint', 'steps', 'permission', 'statement', 'document', 'commands', 'notes'].includes(k) ? [JSON.stringify(x)] : advice(x, k)));
  }
  return [];
}

/** The advice in human output: hint lines, and anything telling the admin to add or grant something. */
const hintLines = (text: string) => text.split('\n').filter((l) => /hint:|\badd (?:this|to|bedrock)|\bgrant\b/i.test(l));

describe('advice never crosses the geography', () => {
  it('test-connection: an AccessDenied on a US ARN for an EU workspace is AWS routing the profile outside the EU, never a permission to add', async () => {
    const w = await workspace({ geography: 'eu', region: 'eu-west-1', provision: true });
    // AWS re-routes the eu. Sonnet profile to include a US region; the EU policy does not grant it.
    await emu.control.changeProfile({ profileId: `eu.${S}`, sourceRegion: 'eu-west-1', destinations: ['eu-west-1', 'eu-central-1', 'us-east-1'] });
    const human = await w.byok(['test-connection']);
    const r = await w.byok(['test-connection', '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    for (const a of advice(out)) expect(a).not.toMatch(US_REGION);
    for (const l of hintLines(human.stdout + human.stderr)) expect(l).not.toMatch(US_REGION);
    const sonnet = out.checks.filter((c: { name: string }) => c.name.startsWith('sonnet.'));
    expect(sonnet.length).toBeGreaterThan(0);
    for (const c of sonnet) {
      expect(c.permission).toBeNull();
      expect(c.category).toBe('region-mismatch');
      expect(c.detail).toMatch(/outside the EU geography/);
      expect(c.hint).toMatch(/byok refuses this profile/);
      expect(c.hint).toMatch(/Your choices/);
    }
    const perm = out.checks.find((c: { name: string }) => c.name === 'permissions');
    expect(perm.permission).toBeNull();
    expect(perm.detail).toMatch(/outside the EU geography/);
    // Opus still routes inside the EU and answers.
    expect(out.checks.find((c: { name: string }) => c.name === 'opus.converse').status).toBe('pass');
  });

  it('an AccessDenied outside the geography is reported as such even without the discovery permission (--no-discovery)', async () => {
    const w = await workspace({ geography: 'eu', region: 'eu-west-1', provision: false });
    const p = await w.asAdmin(['iam', 'provision', '--no-discovery', '--user-name', 'byok-nd', '--json']);
    expect(p.code, p.stderr).toBe(0);
    await emu.control.changeProfile({ profileId: `eu.${S}`, sourceRegion: 'eu-west-1', destinations: ['eu-west-1', 'us-east-1'] });
    for (const args of [['test-connection', '--json'], ['models', 'check', '--json'], ['doctor', '--json']]) {
      const r = await w.byok(args);
      expect(r.code, args.join(' ')).toBe(1);
      const out = JSON.parse(r.stdout);
      for (const a of advice(out)) expect(a, args.join(' ')).not.toMatch(US_REGION);
      expect(JSON.stringify(out)).toMatch(/outside the EU geography/);
    }
  });

  it('invoke before byok has seen the change: the AccessDenied on the US ARN is the profile leaving the EU, with the choices, never the IAM steps', async () => {
    const w = await workspace({ geography: 'eu', region: 'eu-west-1', provision: true });
    await emu.control.changeProfile({ profileId: `eu.${S}`, sourceRegion: 'eu-west-1', destinations: ['eu-west-1', 'us-east-1'] });
    const r = await w.byok(['invoke', '--model', 'sonnet', '--json', 'Summarise the change window.']);
    expect(r.code).not.toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.servedBy).toBeNull();
    expect(out.error.category).toBe('iam-permission');
    expect(out.error.hint).toMatch(/outside the EU geography/);
    expect(out.error.hint).toMatch(/byok refuses this profile/);
    expect(out.error.hint).not.toMatch(US_REGION);
    expect(out.error.hint).not.toMatch(/every destination region/);
    const human = await w.byok(['invoke', '--model', 'sonnet', 'Summarise the change window.']);
    for (const l of hintLines(human.stdout + human.stderr)) expect(l).not.toMatch(US_REGION);
  });
});

describe('residency needs discovery', () => {
  it('the default policy includes the read-only bedrock:GetInferenceProfile; --no-discovery leaves it out; the README says why', async () => {
    const doc = async (extra: string[]) => {
      const r = await run(process.execPath, [BYOK_BIN, 'iam', 'policy-document', '--geography', 'eu', '--region', 'eu-west-1', '--account', '123456789012', '--json', ...extra], { env: { PATH: process.env.PATH, ...tempConfig().env } });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout).document.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat());
    };
    const actions = await doc([]);
    expect(actions).toContain('bedrock:GetInferenceProfile');
    expect(actions).toContain('bedrock:GetFoundationModelAvailability');
    expect(actions).toContain('bedrock:GetUseCaseForModelAccess');
    const without = await doc(['--no-discovery']);
    expect(without.filter((a: string) => !a.startsWith('bedrock:Invoke') && !a.startsWith('aws-marketplace:'))).toEqual([]);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toMatch(/--no-discovery/);
    expect(readme).toMatch(/bedrock:GetInferenceProfile/);
  });

  it('iam provision (default) grants what models check needs: every discovery call answers', async () => {
    const w = await workspace({ geography: 'eu', region: 'eu-west-1', provision: true });
    const r = await w.byok(['models', 'check', '--json']);
    expect(r.code, r.stdout).toBe(0);
    const out = JSON.parse(r.stdout);
    for (const c of out.checks) expect(c.detail, c.name).not.toMatch(/missing discovery permission/);
    expect(out.checks.find((c: { name: string }) => c.name === 'sonnet.profile').status).toBe('pass');
  });
});

describe('models check learns the destinations before it sends a prompt', () => {
  it('with a policy that would allow it, no prompt goes through a profile AWS routes to a US region, and no request reaches one', async () => {
    // The account admin's identity allows everything: only byok stands between the prompt and us-east-1.
    const w = await workspace({ geography: 'eu', region: 'eu-west-1', provision: false });
    await emu.control.changeProfile({ profileId: `eu.${S}`, sourceRegion: 'eu-west-1', destinations: ['eu-west-1', 'eu-central-1', 'us-east-1'] });
    await w.mark();
    const r = await w.byok(['models', 'check', '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    const reqs = await w.bedrockRequests();
    const runtime = reqs.filter((q) => q.service === 'bedrock-runtime');
    expect(runtime.map((q) => q.modelId)).toEqual([`eu.${O}`]);
    expect(Object.keys(regionsReached(reqs)).filter((x) => US_REGION.test(x))).toEqual([]);
    const profile = out.checks.find((c: { name: string }) => c.name === 'sonnet.profile');
    expect(profile).toMatchObject({ status: 'fail', category: 'region-mismatch' });
    expect(profile.residency).toMatchObject({ profileId: `eu.${S}`, outsideRegions: ['us-east-1'] });
    for (const a of advice(out)) expect(a).not.toMatch(US_REGION);
    // It is remembered: route and invoke refuse the profile without sending anything.
    await w.mark();
    const route = await w.byok(['route', '--model', 'sonnet', '--json']);
    expect(route.code).toBe(2);
    expect(route.stdout + route.stderr).not.toMatch(US_REGION);
    const inv = await w.byok(['invoke', '--model', 'sonnet', '--json', 'Summarise the change window.']);
    expect(inv.code).toBe(2);
    expect(inv.stdout + inv.stderr).not.toMatch(US_REGION);
    expect(await w.bedrockRequests()).toEqual([]);
  });

  it('the same under --refresh-catalog: the live list is not overruled by the built-in table', async () => {
    const w = await workspace({ geography: 'eu', region: 'eu-west-1', provision: false });
    await emu.control.changeProfile({ profileId: `eu.${O}`, sourceRegion: 'eu-west-1', destinations: ['eu-west-1', 'us-west-2'] });
    await w.mark();
    const r = await w.byok(['models', 'check', '--refresh-catalog', '--json']);
    expect(r.code).toBe(1);
    const runtime = (await w.bedrockRequests()).filter((q) => q.service === 'bedrock-runtime');
    expect(runtime.map((q) => q.modelId)).toEqual([`eu.${S}`]);
    for (const a of advice(JSON.parse(r.stdout))) expect(a).not.toMatch(US_REGION);
  });
});

describe('"US" means the United States (and "EU" the EU member states)', () => {
  it.each([
    ['us', 'ca-central-1', /Canada/],
    ['eu', 'eu-west-2', /United Kingdom/],
    ['eu', 'eu-central-2', /Switzerland/],
  ])('%s refuses %s as a source region, and says why', async (geography, region, place) => {
    const t = tempConfig();
    temps.push(t);
    const env = { PATH: process.env.PATH, HOME: t.dir, ...t.env };
    const byok = (args: string[]) => run(process.execPath, [BYOK_BIN, ...args], { env });
    expect((await byok(['workspace', 'create', 'w', '--plan', 'scale'])).code).toBe(0);
    expect((await byok(['config', 'set', 'geography', geography])).code).toBe(0);
    for (const args of [['config', 'set', 'region', region], ['route', '--geography', geography, '--region', region], ['iam', 'policy-document', '--geography', geography, '--region', region, '--account', '123456789012']]) {
      const r = await byok(args);
      expect(r.code, `${args.join(' ')}: ${r.stdout}`).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(place);
      expect(r.stderr).toMatch(new RegExp(`outside the ${geography.toUpperCase()} geography`));
      expect(r.stderr).not.toMatch(/Traceback|\n\s+at /);
    }
    // Config untouched.
    expect((await byok(['config', 'get', 'region'])).stdout).not.toContain(region);
  });

  it('a live us. destination in Canada is refused like any destination outside the geography', async () => {
    const w = await workspace({ geography: 'us', region: 'us-east-1', provision: false });
    await emu.control.changeProfile({ profileId: `us.${S}`, sourceRegion: 'us-east-1', destinations: ['us-east-1', 'ca-central-1'] });
    await w.mark();
    const r = await w.byok(['models', 'check', '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.checks.find((c: { name: string }) => c.name === 'sonnet.profile').residency).toMatchObject({ outsideRegions: ['ca-central-1'] });
    expect((await w.bedrockRequests()).filter((q) => q.service === 'bedrock-runtime').map((q) => q.modelId)).toEqual([`us.${O}`]);
    for (const a of advice(out)) expect(a).not.toMatch(NOT_US);
  });
});

describe('scenario: an EU workspace whose Sonnet profile AWS re-routes to include us-east-1', () => {
  it('across test-connection, models check, doctor, route, invoke and iam put-policy, nothing advises granting a US region and no request reaches one', async () => {
    const w = await workspace({ geography: 'eu', region: 'eu-west-1', provision: true });
    await emu.control.changeProfile({ profileId: `eu.${S}`, sourceRegion: 'eu-west-1', destinations: ['eu-west-1', 'eu-central-1', 'us-east-1'] });
    await w.mark();
    const outputs: { cmd: string; ran: Ran }[] = [];
    const step = async (args: string[], admin = false) => {
      const ran = admin ? await w.asAdmin(args) : await w.byok(args);
      outputs.push({ cmd: args.join(' '), ran });
      return ran;
    };
    // In the order an admin would run them: the first test before byok has seen the change.
    await step(['test-connection', '--json']);
    await step(['test-connection']);
    await step(['models', 'check', '--json']);
    await step(['models', 'check']);
    await step(['doctor', '--json']);
    await step(['doctor']);
    await step(['route', '--json']);
    await step(['route', '--model', 'sonnet']);
    await step(['invoke', '--json', 'Summarise the change window.']);
    await step(['invoke', '--model', 'sonnet', 'Summarise the change window.']);
    await step(['iam', 'put-policy', '--json'], true);
    await step(['iam', 'provision', '--print-commands'], true);

    for (const { cmd, ran } of outputs) {
      const text = ran.stdout + ran.stderr;
      expect(ran.stderr, cmd).not.toMatch(/\n\s+at /);
      if (/^(route|invoke|iam)/.test(cmd)) expect(text, cmd).not.toMatch(US_REGION);
      for (const l of hintLines(text)) expect(l, cmd).not.toMatch(US_REGION);
      if (cmd.endsWith('--json')) for (const a of advice(JSON.parse(ran.stdout))) expect(a, cmd).not.toMatch(US_REGION);
    }
    // The policy put on the user grants nothing outside the EU.
    const iam = new IAMClient(sdkConfig(emu, 'us-east-1', w.admin));
    const docs: string[] = [];
    for (const n of (await iam.send(new ListUserPoliciesCommand({ UserName: 'byok-bedrock' }))).PolicyNames ?? []) docs.push(decodeURIComponent((await iam.send(new GetUserPolicyCommand({ UserName: 'byok-bedrock', PolicyName: n }))).PolicyDocument!));
    for (const a of (await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'byok-bedrock' }))).AttachedPolicies ?? []) {
      const v = (await iam.send(new GetPolicyCommand({ PolicyArn: a.PolicyArn! }))).Policy!.DefaultVersionId!;
      docs.push(decodeURIComponent((await iam.send(new GetPolicyVersionCommand({ PolicyArn: a.PolicyArn!, VersionId: v }))).PolicyVersion!.Document!));
    }
    iam.destroy();
    expect(docs.length).toBeGreaterThan(0);
    for (const d of docs) expect(d).not.toMatch(US_REGION);
    expect(docs.join('')).toMatch(/eu-west-1/);

    // No Bedrock request reached a US region; Sonnet's profile never served a prompt.
    const reqs = await w.bedrockRequests();
    const reached = regionsReached(reqs);
    expect(Object.keys(reached).filter((x) => US_REGION.test(x)), JSON.stringify(reached)).toEqual([]);
    expect(reqs.filter((q) => q.modelId === `eu.${S}` && q.routedTo)).toEqual([]);
    // Opus, inside the EU, kept working (invoke without --model picks Sonnet for a summary, and is refused).
    expect(reqs.some((q) => q.modelId === `eu.${O}` && q.status === 200)).toBe(true);
  }, 120_000);
});
