// A gateway token is a bearer secret: whatever byok prints that carries one — doctor quoting a
// settings file, an error message — shows it masked (attack review, stop 18: doctor
// --claude-code-settings echoed a token placed in ANTHROPIC_MODEL or the base URL in full).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runInProcess, tempConfig } from '../helpers/context.js';

const t = tempConfig();
afterAll(() => t.cleanup());

describe('gateway tokens never appear in what byok prints', () => {
  it('doctor --claude-code-settings masks a token found in any value it quotes', async () => {
    const env = t.env;
    for (const args of [['workspace', 'create', 'ws', '--plan', 'enterprise'], ['config', 'set', 'geography', 'eu'], ['config', 'set', 'region', 'eu-west-1']]) {
      expect((await runInProcess(args, { env })).code).toBe(0);
    }
    const created = await runInProcess(['gateway', 'token', 'create', '--user', 'alice', '--json'], { env });
    expect(created.code, created.stderr).toBe(0);
    const token = (JSON.parse(created.stdout) as { token: string }).token;
    const file = join(t.dir, 'settings.json');
    writeFileSync(file, JSON.stringify({ env: { CLAUDE_CODE_USE_BEDROCK: '1', AWS_REGION: token, ANTHROPIC_MODEL: token, ANTHROPIC_BEDROCK_BASE_URL: `http://127.0.0.1:8787/${token}` } }));
    for (const json of [false, true]) {
      const r = await runInProcess(['doctor', '--claude-code-settings', file, ...(json ? ['--json'] : [])], { env });
      expect(r.code).toBe(1);
      expect(r.stdout + r.stderr).not.toContain(token.slice(8));
    }
  });
});
