// Opt-in: the real Claude Code, configured only by what `byok export claude-code` printed (plus
// ANTHROPIC_BEDROCK_BASE_URL pointing at the emulator, a loopback endpoint doctor accepts), answers
// `claude -p` with credentials from `byok credential-process` through the AWS profile the export
// names, and sends nothing outside the EU workspace's geography (counted at the emulator).
// Runs when BYOK_E2E_CLAUDE_CODE names a `claude` binary (e.g. an npm install of
// @anthropic-ai/claude-code in a cache outside the repo); skips otherwise, saying so.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { BYOK_BIN } from '../helpers/run-byok.js';
import { run } from '../helpers/spawn.js';

const CLAUDE = process.env.BYOK_E2E_CLAUDE_CODE;
if (!CLAUDE) console.log('claude-code-export.test.ts: skipped (set BYOK_E2E_CLAUDE_CODE to a claude binary to run it)');

describe.skipIf(!CLAUDE)('Claude Code with the exported settings stays inside the geography', () => {
  let emu: TestEmulator;
  let t: TestEnv;
  beforeAll(async () => {
    emu = await startTestEmulator();
    t = tempConfig();
  });
  afterAll(async () => {
    await emu?.close();
    t?.cleanup();
  });

  it('claude -p answers through the eu. Sonnet profile from eu-west-1, signed with an STS session from byok credential-process; no request leaves the EU', async () => {
    const home = join(t.dir, 'home');
    const bin = join(t.dir, 'bin');
    mkdirSync(join(home, '.aws'), { recursive: true });
    mkdirSync(bin);
    // `byok` on PATH, as npm link installs it: credential_process runs it.
    writeFileSync(join(bin, 'byok'), `#!/bin/sh\nexec "${process.execPath}" "${BYOK_BIN}" "$@"\n`);
    chmodSync(join(bin, 'byok'), 0o755);
    const env: Record<string, string | undefined> = { PATH: `${bin}:${process.env.PATH}`, HOME: home, ...t.env, AWS_ENDPOINT_URL_STS: emu.url, AWS_EC2_METADATA_DISABLED: 'true' };
    const byok = (args: string[], stdin?: string) => run(process.execPath, [BYOK_BIN, ...args], { env: { ...env, ...emu.clientEnv, AWS_CONFIG_FILE: undefined, AWS_SHARED_CREDENTIALS_FILE: undefined }, stdin });
    for (const args of [['workspace', 'create', 'acme', '--plan', 'enterprise'], ['config', 'set', 'geography', 'eu'], ['config', 'set', 'region', 'eu-west-1']]) expect((await byok(args)).code).toBe(0);
    expect((await byok(['credentials', 'set', '--access-key-id', emu.admin.accessKeyId, '--secret-access-key-stdin'], `${emu.admin.secretAccessKey}\n`)).code).toBe(0);
    const exported = await byok(['export', 'claude-code', '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    const settings = JSON.parse(exported.stdout) as { env: Record<string, string> };
    settings.env.ANTHROPIC_BEDROCK_BASE_URL = emu.url;
    const file = join(t.dir, 'settings.json');
    writeFileSync(file, JSON.stringify(settings), { mode: 0o600 });
    // The ~/.aws/config section the export's notes ask for.
    writeFileSync(join(home, '.aws', 'config'), `[profile byok-acme]\ncredential_process = byok credential-process --workspace acme\n`);
    expect((await byok(['doctor', '--claude-code-settings', file])).code).toBe(0);

    const before = (await emu.control.requests()).requests.length;
    const r = await run(CLAUDE!, ['-p', 'Say hi', '--settings', file], { env, timeoutMs: 180_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/byok emulator/);
    const reqs = (await emu.control.requests()).requests.slice(before);
    const runtime = reqs.filter((q) => q.service === 'bedrock-runtime');
    console.log(`Claude Code's requests: ${reqs.map((q) => `${q.operation} ${q.region} ${q.modelId ?? ''} ${q.status}`).join('; ')}`);
    expect(runtime.length).toBeGreaterThan(0);
    for (const q of reqs) expect(q.region, `${q.operation} ${q.modelId ?? ''}`).toBe('eu-west-1');
    for (const q of runtime) {
      expect(q.modelId, q.operation).toMatch(/^eu\.anthropic\./);
      for (const d of q.routedTo ?? []) expect(d).toMatch(/^eu-/);
      // Signed with the STS session byok handed out, never the long-term key.
      expect(q.accessKeyId).toMatch(/^ASIA/);
    }
    expect(runtime.some((q) => q.status === 200 && q.modelId === 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe(true);
  }, 240_000);
});
