// byok as a library, used as a user would: the package as `npm pack` makes it, unpacked into a
// project outside the repository, imported as 'byok' from an .mjs file run by plain node, and
// type-checked from a .ts file by tsc with Node's module resolution. Against the emulator: a policy
// evaluated, a task routed, a prompt invoked (streamed through a callback), and a throttled BYOK call
// falling back on the platform in the same region, audited — the product's rules, not byok's output.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess, tempConfig, type TestEnv } from '../helpers/context.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { run } from '../helpers/spawn.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
let emu: TestEmulator;
let t: TestEnv;
let project: string;
let env: Record<string, string>;
let byokAccount: string;

beforeAll(async () => {
  emu = await startTestEmulator();
  project = mkdtempSync(join(tmpdir(), 'byok-consumer-'));
  // The package exactly as published: npm pack of the built tree (`files`, `exports`, `types`).
  const packed = await run('npm', ['pack', '--pack-destination', project, '--silent'], { env: { ...process.env }, cwd: REPO, timeoutMs: 120_000 });
  expect(packed.code, packed.stderr).toBe(0);
  const tgz = readdirSync(project).find((n) => n.endsWith('.tgz'))!;
  const pkgDir = join(project, 'node_modules', 'byok');
  mkdirSync(pkgDir, { recursive: true });
  const untar = await run('tar', ['-xzf', join(project, tgz), '-C', pkgDir, '--strip-components=1'], { env: { PATH: process.env.PATH } });
  expect(untar.code, untar.stderr).toBe(0);
  // Its dependencies, as npm would install them (from this checkout's node_modules: no network).
  symlinkSync(join(REPO, 'node_modules'), join(pkgDir, 'node_modules'), 'dir');
  symlinkSync(join(REPO, 'node_modules', '@types'), join(project, 'node_modules', '@types'), 'dir');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));

  const byok = await emu.control.createAccount();
  const platform = await emu.control.createAccount();
  byokAccount = byok.accountId;
  t = tempConfig();
  env = { ...t.env, ...emu.clientEnv, BYOK_PLATFORM_ENDPOINT_URL: emu.url };
  const must = async (args: string[], stdin?: string) => {
    const r = await runInProcess(args, { env, stdin });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  };
  await must(['workspace', 'create', 'ws', '--plan', 'scale']);
  await must(['config', 'set', 'geography', 'eu']);
  await must(['config', 'set', 'region', 'eu-west-3']);
  await must(['credentials', 'set', '--access-key-id', byok.admin.accessKeyId, '--secret-access-key-stdin'], `${byok.admin.secretAccessKey}\n`);
  await must(['credentials', 'set', '--platform', '--regions', 'eu-west-3', '--access-key-id', platform.admin.accessKeyId, '--secret-access-key-stdin'], `${platform.admin.secretAccessKey}\n`);
  await must(['policy', 'set', 'allow']);
}, 180_000);

afterAll(async () => {
  await emu?.close();
  t?.cleanup();
  if (project) rmSync(project, { recursive: true, force: true });
});

async function node(file: string, source: string): Promise<Record<string, unknown>> {
  writeFileSync(join(project, file), source);
  const r = await run(process.execPath, [file], { env: { PATH: process.env.PATH ?? '', HOME: t.dir, ...env }, cwd: project, timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe("import { openByok } from 'byok' in a project outside the repository", () => {
  it('evaluates the policy, routes a task and invokes with streaming, as the product rules say', async () => {
    const out = await node(
      'use.mjs',
      `import { openByok } from 'byok';
const byok = openByok({ configDir: process.env.BYOK_CONFIG_DIR, user: 'alice' });
const evaluation = await byok.evaluatePolicy({ errorCode: 'ThrottlingException', operationKind: 'read' });
const strict = await byok.evaluatePolicy({ errorCode: 'ThrottlingException', operationKind: 'read', policy: 'strict' });
const route = await byok.route({ task: 'plan' });
let streamed = '';
const reply = await byok.invoke({ prompt: 'Say hello', conversation: 'lib-1', onText: (t) => { streamed += t; } });
const models = await byok.modelsCheck();
const doctor = await byok.doctor();
process.stdout.write(JSON.stringify({ evaluation, strict, route, reply, streamed, models: { exitCode: models.exitCode, geography: models.geography }, doctor: { exitCode: doctor.exitCode, checks: doctor.checks.length } }));
`,
    );
    // The models check and doctor, as the CLI runs them: a healthy EU workspace passes both.
    expect(out.models).toEqual({ exitCode: 0, geography: 'eu' });
    expect(out.doctor).toMatchObject({ exitCode: 0 });
    expect((out.doctor as { checks: number }).checks).toBeGreaterThan(0);
    // Throttling is retryable; a read under allow may fall back, on the platform, in the same region.
    expect(out.evaluation).toMatchObject({ workspace: 'ws', decision: { decision: 'fallback', targetRegion: 'eu-west-3', policy: 'allow' } });
    // strict never falls back; an explicit policy is a what-if that still reads the workspace (its region, platform credentials).
    expect(out.strict).toMatchObject({ workspace: 'ws', region: 'eu-west-3', decision: { decision: 'fail', policy: 'strict' } });
    // Planning goes to Opus, through the EU profile, sent from the workspace's region.
    expect(out.route).toMatchObject({ workspace: 'ws', model: 'opus', region: 'eu-west-3', geography: 'eu' });
    expect((out.route as { inferenceProfileId: string }).inferenceProfileId).toMatch(/^eu\.anthropic\.claude-opus/);
    const reply = out.reply as { ok: boolean; attempts: { via: string; ok: boolean; region: string }[]; result: { text: string } };
    expect(reply.ok).toBe(true);
    expect(reply.attempts.map((a) => [a.via, a.ok, a.region])).toEqual([['byok', true, 'eu-west-3']]);
    expect(reply.result.text.length).toBeGreaterThan(0);
    expect(out.streamed).toBe(reply.result.text);
  });

  it('a throttled BYOK call falls back once, on platform credentials in the same region, and the failure types are exported', async () => {
    await emu.control.addFault({ service: 'bedrock-runtime', operation: 'Converse', accountId: byokAccount, count: 3, error: { code: 'ThrottlingException' } } as Parameters<TestEmulator['control']['addFault']>[0]);
    try {
      const out = await node(
        'fallback.mjs',
        `import { openByok, UsageError, EXIT } from 'byok';
const byok = openByok({ configDir: process.env.BYOK_CONFIG_DIR, user: 'alice' });
const reply = await byok.invoke({ prompt: 'Summarise the report', conversation: 'lib-2' });
let refused = null;
try { await byok.route({ geography: 'eu', region: 'mars-west-1' }); } catch (e) { refused = { usage: e instanceof UsageError, code: e.code, exitCode: e.exitCode, usageExit: EXIT.usage }; }
let stranger = null;
try { await openByok({ configDir: process.env.BYOK_CONFIG_DIR, user: 'mallory' }).route({}); } catch (e) { stranger = { code: e.code, exitCode: e.exitCode }; }
process.stdout.write(JSON.stringify({ reply, refused, stranger }));
`,
      );
      const reply = out.reply as { ok: boolean; attempts: { via: string; ok: boolean; region: string; error?: { code: string } }[] };
      expect(reply.ok).toBe(true);
      expect(reply.attempts.map((a) => [a.via, a.ok, a.region])).toEqual([['byok', false, 'eu-west-3'], ['platform', true, 'eu-west-3']]);
      expect(reply.attempts[0]!.error?.code).toBe('ThrottlingException');
      expect(out.refused).toMatchObject({ usage: true, code: 'invalid-region', exitCode: 2, usageExit: 2 });
      expect(out.stranger).toMatchObject({ code: 'not-a-member', exitCode: 2 });
    } finally {
      await emu.control.clearFaults();
    }
    const audit = await runInProcess(['audit', 'list', '--json'], { env });
    const types = (JSON.parse(audit.stdout) as { events: { type: string; details: { conversation?: string } }[] }).events.filter((e) => e.details.conversation === 'lib-2').map((e) => e.type);
    expect(types).toEqual(['fallback', 'fallback-completed']);
  });

  it('type-checks from TypeScript with Node module resolution, and rejects a wrong call', async () => {
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }, files: ['use.ts'] }));
    writeFileSync(
      join(project, 'use.ts'),
      `import { openByok, type RouteResult, type PolicyEvaluation } from 'byok';
const byok = openByok({ user: 'alice' });
export async function f(): Promise<[RouteResult, PolicyEvaluation]> {
  const r = await byok.route({ task: 'plan', geography: 'eu', region: 'eu-west-1' });
  const region: string = r.inferenceProfileId;
  void region;
  // @ts-expect-error: not a geography
  await byok.route({ geography: 'mars' });
  return [r, await byok.evaluatePolicy({ errorCode: 'ThrottlingException', policy: 'allow' })];
}
`,
    );
    const r = await run(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { env: { PATH: process.env.PATH }, cwd: project, timeoutMs: 120_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});
