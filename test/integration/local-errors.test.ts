// A file on this machine that byok cannot use is a local problem, and is said as one (the newcomer's
// trial: "local errors described as AWS answers"). When a file-system error reaches the command's
// error report without a store check turning it into its own refusal, byok names the call, the
// path and the code, exits 3 (local state), and never says "AWS answered" or gives AWS's
// troubleshooting steps. A network error is still said as one. In-process, so the failure can be
// injected (test/helpers/fs-faults.ts; the tests run as root).
import { clearFsFaults, failFs } from '../helpers/fs-faults.js';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runInProcess, tempConfig, type TestEnv } from '../helpers/context.js';

const temps: TestEnv[] = [];
afterEach(() => {
  clearFsFaults();
  for (const t of temps.splice(0)) t.cleanup();
});

/** A path for the state anchor, outside the config directory. */
function anchorPath(): string {
  const t = tempConfig();
  temps.push(t);
  return join(t.dir, 'anchor.json');
}

async function workspace(extra: Record<string, string> = {}) {
  const t = tempConfig();
  temps.push(t);
  const env = { ...t.env, ...extra };
  const r = await runInProcess(['workspace', 'create', 'bank', '--plan', 'scale'], { env });
  expect(r.code, r.stderr).toBe(0);
  return { t, env };
}

describe('a local file error is never described as an AWS answer', () => {
  it('a state anchor whose directory byok may not search (EACCES) is said as a local problem: exit 3, the call, the path and the code, no AWS advice', async () => {
    const { env } = await workspace({ BYOK_STATE_ANCHOR: anchorPath() });
    const anchor = env.BYOK_STATE_ANCHOR!;
    failFs('lstatSync', anchor, 'EACCES');
    const r = await runInProcess(['config', 'show'], { env });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`error: lstat ${anchor} failed on this machine: EACCES`);
    expect(r.stderr).toMatch(/hint: This is a local file problem, not AWS/);
    expect(r.stderr).not.toMatch(/AWS answered|could not reach AWS|Bedrock|model access|this is a bug/i);
  });

  it('with --json: kind local-state, the code, exit 3', async () => {
    const { env } = await workspace({ BYOK_STATE_ANCHOR: anchorPath() });
    failFs('lstatSync', env.BYOK_STATE_ANCHOR!, 'EIO');
    const r = await runInProcess(['config', 'show', '--json'], { env });
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; kind: string; message: string; exitCode: number } };
    expect(out.ok).toBe(false);
    expect(out.error).toMatchObject({ code: 'EIO', kind: 'local-state', exitCode: 3 });
    expect(out.error.message).toContain(env.BYOK_STATE_ANCHOR!);
  });
});
