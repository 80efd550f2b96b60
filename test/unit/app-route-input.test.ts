// routeFor's task check as a library call: a task must be a name (letters and digits of any
// script, space, _ . -, at most 64) before it is looked up. Garbage is `invalid-task`; a name
// byok does not know is `unknown-task`, with the known tasks in the hint. Geography and region
// are given, so no config is read.
import { describe, expect, it } from 'vitest';
import { routeFor } from '../../src/app/route.js';
import { createRuntime } from '../../src/app/runtime.js';

const rt = createRuntime({ env: { BYOK_KEYRING: 'off' }, configDir: '/nonexistent/byok-test', user: 'alice' });
const route = (task: string) => routeFor(rt, { task, geography: 'eu', region: 'eu-west-1' });

describe('routeFor: the task name', () => {
  it('a known task routes', async () => {
    await expect(route('plan')).resolves.toMatchObject({ workspace: null });
  });

  for (const name of ['résumé', '計画', 'root cause_analysis.v2', 'x'.repeat(64), 'Ünïcödé-64-'.padEnd(64, 'é')]) {
    it(`"${name.slice(0, 20)}…" is a name (any script): unknown, not invalid`, async () => {
      await expect(route(name)).rejects.toMatchObject({ name: 'UsageError', code: 'unknown-task' });
    });
  }

  for (const name of ['plan;rm -rf', 'plan\nsummarize', '', 'x'.repeat(65), 'é'.repeat(65), 'plan/../x', 'plan\u202e']) {
    it(`${JSON.stringify(name.slice(0, 20))} is not a name: invalid-task`, async () => {
      await expect(route(name)).rejects.toMatchObject({ name: 'UsageError', code: 'invalid-task', exitCode: 2 });
    });
  }
});
