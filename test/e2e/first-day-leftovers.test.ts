// Issue 10's leftovers, through the built CLI as a user runs it (spawned bin/byok.js, env only):
// a mistyped task is refused instead of silently getting the default model, the --session-token
// hint names what a session token needs, a cut audit log says what happened and what to do, and
// the README's invoke exit codes include 2 for bad input.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { runByok } from '../helpers/run-byok.js';

let t: TestEnv;
beforeEach(() => {
  // Nothing here may reach AWS: every endpoint points at a closed port.
  t = tempConfig({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ENDPOINT_URL_BEDROCK_RUNTIME: 'http://127.0.0.1:9', AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9' });
});
afterEach(() => t.cleanup());

const byok = (args: string[], env: Record<string, string> = {}, stdin?: string) => runByok(args, { env: { ...t.env, ...env }, stdin });
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzEXAMPLE1';

async function euWorkspace(): Promise<void> {
  for (const args of [['workspace', 'create', 'acme', '--plan', 'enterprise'], ['config', 'set', 'geography', 'eu'], ['config', 'set', 'region', 'eu-west-1']]) {
    const r = await byok(args);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  }
  const c = await byok(['credentials', 'set', '--access-key-id', 'AKIAZ7EXAMPLEKEY0001', '--secret-access-key-stdin'], {}, `${SECRET}\n`);
  expect(c.code, c.stderr).toBe(0);
}

describe('a task byok does not know is refused, never silently given the default model', () => {
  it('route --task plna exits 2, suggests plan and lists the tasks, and prints no route', async () => {
    await euWorkspace();
    const r = await byok(['route', '--task', 'plna']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/"plna" is not a task/);
    expect(r.stderr).toMatch(/Did you mean plan\?/);
    // The list names the tasks of both rules (models.ts TASK_RULES), and the way out without a task.
    for (const task of ['plan', 'root-cause-analysis', 'summarize', 'chat']) expect(r.stderr).toContain(task);
    expect(r.stderr).toMatch(/--model sonnet\|opus/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const j = await byok(['route', '--task', 'plna', '--json']);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: { code: 'unknown-task' } });
  });

  it('a known task still routes, in any spelling the rule table normalises', async () => {
    await euWorkspace();
    const r = await byok(['route', '--task', 'Root Cause Analysis', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ model: 'opus', inferenceProfileId: 'eu.anthropic.claude-opus-4-5-20251101-v1:0' });
  });

  it('invoke --task with a typo exits 2 before anything is sent', async () => {
    await euWorkspace();
    const r = await byok(['invoke', '--task', 'sumarize', 'Summarise the incidents']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/Did you mean summarize\?/);
    expect(r.stderr).not.toMatch(/ECONNREFUSED|AWS answered/);
  });
});

describe('a secret flag points to what that secret needs', () => {
  it('--session-token names --session-token-stdin, the ASIA key it belongs to and AWS_SESSION_TOKEN, never AWS_SECRET_ACCESS_KEY, and never echoes the value', async () => {
    await euWorkspace();
    const before = readFileSync(join(t.env.BYOK_CONFIG_DIR!, 'config.json'));
    const token = 'FwoGZXIvYXdzEXAMPLESESSIONTOKENVALUE0123456789';
    for (const args of [['credentials', 'set', '--access-key-id', 'ASIAZ7EXAMPLETMP0001', '--session-token', token], ['credentials', 'set', '--access-key-id', 'ASIAZ7EXAMPLETMP0001', `--session-token=${token}`]]) {
      const r = await byok(args);
      expect(r.code).toBe(2);
      expect(r.stderr + r.stdout).not.toContain(token);
      const hint = /hint: (.*)/.exec(r.stderr)?.[1] ?? '';
      expect(hint).toMatch(/--session-token-stdin/);
      expect(hint).toMatch(/ASIA/);
      expect(hint).toMatch(/AWS_SESSION_TOKEN/);
      expect(hint).not.toMatch(/AWS_SECRET_ACCESS_KEY/);
    }
    expect(readFileSync(join(t.env.BYOK_CONFIG_DIR!, 'config.json')).equals(before)).toBe(true);
  });
});

describe('a cut audit log is reported as what happened, with what to do', () => {
  it('a truncated log: "cut short (truncated)", how many events the config records, and the backup and reset-anchor ways back (exit 3)', async () => {
    await euWorkspace();
    const log = join(t.env.BYOK_CONFIG_DIR!, 'audit.jsonl');
    const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    writeFileSync(log, `${lines.slice(0, 1).join('\n')}\n`);
    const r = await byok(['policy', 'show']);
    expect(r.code).toBe(3);
    const message = /error: (.*)/.exec(r.stderr)?.[1] ?? '';
    const hint = /hint: (.*)/.exec(r.stderr)?.[1] ?? '';
    expect(message).toMatch(/cut short \(truncated\)/);
    expect(message).toContain(`records ${lines.length} events`);
    // Said once: the old text repeated "the sealed config recorded" twice in one sentence.
    expect(message.match(/records/g)?.length).toBe(1);
    expect(hint).toMatch(/backup/);
    expect(hint).toMatch(/byok audit verify/);
    expect(hint).toMatch(/byok audit reset-anchor --reason/);
  });

  it('a deleted log says it is missing, not that events were removed from it', async () => {
    await euWorkspace();
    const log = join(t.env.BYOK_CONFIG_DIR!, 'audit.jsonl');
    writeFileSync(log, '');
    const { rmSync } = await import('node:fs');
    rmSync(log);
    const r = await byok(['policy', 'show']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/is missing: it was deleted or moved outside byok/);
  });
});

describe("the README's invoke exit codes", () => {
  it('list 2 for bad input, which is what invoke exits with on a bad --task, an empty prompt and a bad flag value', async () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const invoke = readme.slice(readme.indexOf('### invoke'), readme.indexOf('### credential-process'));
    expect(invoke).toMatch(/\b2 for bad input\b/);
    await euWorkspace();
    expect((await byok(['invoke', '--task', 'plna', 'hi'])).code).toBe(2);
    expect((await byok(['invoke', '-'], {}, '')).code).toBe(2);
    expect((await byok(['invoke', '--operation-kind', 'delete', 'hi'])).code).toBe(2);
  });
});
