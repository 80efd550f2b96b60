// The setup wizard's defaults and its failure screen (issue 10 §4), in a real pseudo-terminal:
// eligible and saved values preselected, a refused answer asked again, the Enterprise lock offered,
// one fix per distinct problem.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { BYOK_BIN } from '../helpers/run-byok.js';
import { KEYS, Terminal } from '../helpers/pty-terminal.js';
import { run } from '../helpers/spawn.js';


let emu: TestEmulator;
let t: TestEnv;
let env: Record<string, string | undefined>;
beforeAll(async () => {
  emu = await startTestEmulator();
  t = tempConfig();
  env = { PATH: process.env.PATH, HOME: t.dir, TERM: 'xterm-256color', ...t.env, ...emu.clientEnv };
  delete env.NO_COLOR;
});
afterAll(async () => {
  await emu.close();
  t.cleanup();
});



const byok = (args: string[], stdin?: string) => run(process.execPath, [BYOK_BIN, ...args], { env: { ...env, CI: 'true' }, stdin });

it('the plan list starts on an eligible plan: Enter goes on, and a refused plan is asked again', async () => {
  const term = new Terminal(['setup'], env);
  await term.waitFor(/Workspace name/);
  await term.type(`planco${KEYS.enter}`);
  await term.waitFor(/Subscription plan/);
  await term.type(KEYS.enter); // the preselected plan
  await term.waitFor(/How do you want to provide/);
  expect(term.screen).not.toMatch(/not available on the Free plan/);
  await term.type(KEYS.ctrlC);
  expect(await term.exited).toBe(130);

  const again = new Terminal(['setup'], env);
  await again.waitFor(/Workspace name/);
  await again.type(`planco${KEYS.enter}`);
  await again.waitFor(/Subscription plan/);
  await again.type(`${KEYS.up.repeat(2)}${KEYS.enter}`); // from Scale up to Free
  await again.waitFor(/not available on the Free plan/);
  await again.waitFor(/Subscription plan/); // asked again, not exit 2
  await again.type(KEYS.ctrlC);
  expect(await again.exited).toBe(130);
}, 120_000);

it('reconfiguring preselects the saved geography and region, not the first in the list', async () => {
  const saved = await byok(['setup', '--non-interactive', '--name', 'saved', '--plan', 'scale', '--access-key-id', emu.admin.accessKeyId, '--secret-access-key-stdin', '--geography', 'eu', '--region', 'eu-west-1', '--policy', 'warn', '--skip-test'], `${emu.admin.secretAccessKey}\n`);
  expect(saved.code, saved.stderr).toBe(0);
  const term = new Terminal(['setup', '--workspace', 'saved'], env);
  await term.waitFor(/How do you want to provide/);
  await term.type(KEYS.enter);
  await term.waitFor(/Access key ID/);
  await term.type(`${emu.admin.accessKeyId}${KEYS.enter}`);
  await term.waitFor(/Secret access key/);
  await term.type(`${emu.admin.secretAccessKey}${KEYS.enter}`);
  await term.waitFor(/Inference profile/);
  await term.type(KEYS.enter);
  await term.waitFor(/Source region/);
  await term.type(KEYS.enter);
  await term.waitFor(/Testing the connection from|Connection test/, 60_000);
  expect(term.screen).toMatch(/Testing the connection from eu-west-1|Source region[^\n]*eu-west-1/);
  expect(term.screen).not.toMatch(/Testing the connection from eu-central-1/);
  await term.type(KEYS.ctrlC);
  await term.exited;
}, 120_000);

it('an Enterprise owner is offered the strict lock in the wizard, and taking it saves the lock', async () => {
  const term = new Terminal(['setup'], env);
  await term.waitFor(/Workspace name/);
  await term.type(`lockco${KEYS.enter}`);
  await term.waitFor(/Subscription plan/);
  await term.type(`${KEYS.down.repeat(2)}${KEYS.enter}`); // scale, scale-plus, enterprise
  await term.waitFor(/How do you want to provide/);
  await term.type(KEYS.enter);
  await term.waitFor(/Access key ID/);
  await term.type(`${emu.admin.accessKeyId}${KEYS.enter}`);
  await term.waitFor(/Secret access key/);
  await term.type(`${emu.admin.secretAccessKey}${KEYS.enter}`);
  await term.waitFor(/Inference profile/);
  await term.type(`${KEYS.down.repeat(2)}${KEYS.enter}`); // global, us, eu
  await term.waitFor(/Source region/);
  await term.type(KEYS.enter);
  await term.waitFor(/Fallback policy/, 60_000);
  await term.type(KEYS.enter); // strict, the Enterprise default
  await term.waitFor(/Lock the policy at strict/);
  await term.type(`y${KEYS.enter}`);
  await term.waitFor(/Save this configuration/);
  await term.type(KEYS.enter);
  expect(await term.exited).toBe(0);
  const cfg = JSON.parse((await byok(['policy', 'show', '--workspace', 'lockco', '--json'])).stdout);
  expect(cfg).toMatchObject({ policy: 'strict', locked: true });
}, 180_000);

it('the failure screen gives one punctuated fix per distinct problem, in words the wizard can act on', async () => {
  const term = new Terminal(['setup'], env);
  await term.waitFor(/Workspace name/);
  await term.type(`failco${KEYS.enter}`);
  await term.waitFor(/Subscription plan/);
  await term.type(KEYS.enter);
  await term.waitFor(/How do you want to provide/);
  await term.type(KEYS.enter);
  await term.waitFor(/Access key ID/);
  await term.type(`${emu.admin.accessKeyId}${KEYS.enter}`);
  await term.waitFor(/Secret access key/);
  // A well-formed secret that is not the key's: every check fails for the same reason.
  await term.type(`${'x'.repeat(40)}${KEYS.enter}`);
  await term.waitFor(/Inference profile/);
  await term.type(`${KEYS.down.repeat(2)}${KEYS.enter}`);
  await term.waitFor(/Source region/);
  await term.type(KEYS.enter);
  await term.waitFor(/What now\?/, 60_000);
  const screen = term.screen;
  const fixes = screen.split('\n').filter((l) => /^\s*fix:/.test(l)).map((l) => l.replace(/^\s*fix:\s*/, '').trim());
  expect(fixes.length, screen).toBeGreaterThan(0);
  expect(new Set(fixes).size, `the same fix repeated:\n${fixes.join('\n')}`).toBe(fixes.length);
  for (const f of fixes) expect(f, 'a fix is a sentence').toMatch(/[.!?)]$/);
  expect(fixes.join(' '), 'the advice names the wizard choice that fixes it').toMatch(/choose: Enter different credentials/);
  await term.type(KEYS.ctrlC);
  await term.exited;
}, 120_000);

it('in APAC, Opus having no profile is said once, with a warning mark, never as a passed check', async () => {
  const term = new Terminal(['setup'], env);
  await term.waitFor(/Workspace name/);
  await term.type(`apacco${KEYS.enter}`);
  await term.waitFor(/Subscription plan/);
  await term.type(KEYS.enter);
  await term.waitFor(/How do you want to provide/);
  await term.type(KEYS.enter);
  await term.waitFor(/Access key ID/);
  await term.type(`${emu.admin.accessKeyId}${KEYS.enter}`);
  await term.waitFor(/Secret access key/);
  await term.type(`${emu.admin.secretAccessKey}${KEYS.enter}`);
  await term.waitFor(/Inference profile/);
  await term.type(`${KEYS.down.repeat(3)}${KEYS.enter}`); // global, us, eu, apac
  await term.waitFor(/Source region/);
  await new Promise((r) => setTimeout(r, 500));
  const atList = term.screen.slice(term.screen.lastIndexOf('Inference profile'));
  expect((atList.match(/Opus 4\.5 (is not available|has no APAC)/g) ?? []).length, `the region list repeats the Opus note on every row:\n${atList}`).toBeLessThanOrEqual(1);
  await term.type(KEYS.enter);
  await term.waitFor(/Fallback policy|What now\?/, 60_000);
  const afterTest = term.screen.slice(term.screen.lastIndexOf('Testing the connection'));
  const opusLine = afterTest.split('\n').find((l) => /model opus/.test(l));
  expect(opusLine, afterTest).toBeDefined();
  expect(opusLine!, 'no green tick for a model that cannot be used').not.toMatch(/✓/);
  expect(opusLine!).toMatch(/!/);
  await term.type(KEYS.ctrlC);
  await term.exited;
}, 120_000);
