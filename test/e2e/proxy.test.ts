// Behind a corporate proxy: the built binary honours HTTP(S)_PROXY and NO_PROXY as the AWS CLI
// does. A small forwarding proxy in this test counts what passes through it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { startForwardingProxy, type TestProxy } from '../helpers/proxy.js';
import { runByok } from '../helpers/run-byok.js';

let emu: TestEmulator;
let t: TestEnv;
let proxy: TestProxy;
let proxyUrl: string;
let seen: string[];

beforeAll(async () => {
  emu = await startTestEmulator();
  t = tempConfig();
  proxy = await startForwardingProxy();
  proxyUrl = proxy.url;
  seen = proxy.seen;
});
afterAll(async () => {
  await proxy.close();
  await emu.close();
  t.cleanup();
});

describe('HTTP_PROXY / NO_PROXY', () => {
  it('every AWS call of test-connection goes through the proxy; NO_PROXY bypasses it', async () => {
    const env = { ...t.env, ...emu.clientEnv };
    const byok = (args: string[], extra: Record<string, string> = {}, stdin?: string) => runByok(args, { env: { ...env, ...extra }, stdin });
    expect((await byok(['workspace', 'create', 'bank', '--plan', 'enterprise'])).code).toBe(0);
    expect((await byok(['config', 'set', 'geography', 'eu'])).code).toBe(0);
    expect((await byok(['config', 'set', 'region', 'eu-west-1'])).code).toBe(0);
    expect((await byok(['credentials', 'set', '--access-key-id', emu.admin.accessKeyId, '--secret-access-key-stdin'], {}, `${emu.admin.secretAccessKey}\n`)).code).toBe(0);

    const via = await byok(['test-connection', '--json'], { HTTP_PROXY: proxyUrl });
    expect(via.code, via.stderr + via.stdout).toBe(0);
    // GetSessionToken and GetCallerIdentity (STS), Converse and ConverseStream for both models.
    expect(seen.filter((s) => s.startsWith('POST')).length).toBe(6);
    expect(seen.some((s) => s.includes('/converse-stream'))).toBe(true);

    seen.length = 0;
    const direct = await byok(['test-connection', '--json'], { HTTP_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' });
    expect(direct.code, direct.stderr).toBe(0);
    expect(seen).toEqual([]);
  });
});
