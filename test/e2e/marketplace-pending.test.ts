// A model's first use in an account: AWS Marketplace creates its subscription, and until it is done
// Bedrock answers AccessDeniedException ("still being processed", reference §5.1
// MPAgreementBeingCreated). byok says what it is — wait, nothing to fix — instead of sending the
// admin to the use-case form or the IAM policy (issue 11 §4: "byok's checks and hints must handle it").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess, tempConfig, type TestEnv } from '../helpers/context.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
let t: TestEnv;
beforeAll(async () => {
  emu = await startTestEmulator();
  t = tempConfig();
});
afterAll(async () => {
  await emu.close();
  t.cleanup();
});

describe('the Marketplace subscription window of a first use', () => {
  it('invoke and test-connection say to wait, never to submit the form or change IAM', async () => {
    const acct = await emu.control.createAccount();
    await emu.control.modelAccess({ accountId: acct.accountId, marketplaceSubscribed: false, subscriptionDelayMs: 600_000 });
    const env = { ...t.env, ...emu.clientEnv };
    for (const [args, stdin] of [
      [['workspace', 'create', 'ws', '--plan', 'enterprise']],
      [['config', 'set', 'geography', 'us']],
      [['config', 'set', 'region', 'us-east-1']],
      [['credentials', 'set', '--access-key-id', acct.admin.accessKeyId, '--secret-access-key-stdin'], `${acct.admin.secretAccessKey}\n`],
    ] as [string[], string?][]) {
      const r = await runInProcess(args, { env, stdin });
      expect(r.code, r.stderr).toBe(0);
    }
    const inv = await runInProcess(['invoke', '--json', 'hello'], { env });
    const out = JSON.parse(inv.stdout) as { ok: boolean; error: { code: string; category: string; hint: string } };
    expect(out.ok).toBe(false);
    expect(out.error).toMatchObject({ code: 'AccessDeniedException', category: 'model-access-denied' });
    expect(out.error.hint).toMatch(/still creating its subscription.*15 minutes/);
    expect(out.error.hint).not.toMatch(/use case form|IAM policy/i);
    const tc = await runInProcess(['test-connection', '--json'], { env });
    // Every failed model call (the permissions summary that follows has no hint of its own).
    const hints = (JSON.parse(tc.stdout) as { checks: { ok: boolean; category: string | null; hint: string | null }[] }).checks.filter((c) => !c.ok && c.category === 'model-access-denied').map((c) => c.hint ?? '');
    expect(hints.length).toBe(4);
    for (const h of hints) expect(h).toMatch(/15 minutes/);
  });
});
