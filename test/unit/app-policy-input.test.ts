// evaluatePolicy as a library call (openByok().evaluatePolicy): a misspelt operation kind,
// environment or policy is refused as a UsageError naming the value and the choices, as the CLI
// refuses it — never quietly evaluated as "fail" (new-user review, stop 18).
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../src/app/policy.js';
import { createRuntime } from '../../src/app/runtime.js';

const rt = createRuntime({ env: { BYOK_KEYRING: 'off' }, configDir: '/nonexistent/byok-test', user: 'alice' });

describe('evaluatePolicy refuses values it does not know', () => {
  for (const [field, value] of [['operationKind', 'reed'], ['environment', 'prod'], ['policy', 'alow']] as const) {
    it(`${field}: "${value}" is a UsageError with a suggestion, not a decision`, async () => {
      await expect(evaluatePolicy(rt, { errorCode: 'ThrottlingException', operationKind: 'read', policy: 'allow', region: 'eu-west-1', [field]: value } as never)).rejects.toMatchObject({ name: 'UsageError', exitCode: 2, message: expect.stringMatching(/Did you mean/) });
    });
  }
  it('a region that is not a string is a UsageError, not a TypeError', async () => {
    for (const region of [123, null, ['us-east-1']]) {
      await expect(evaluatePolicy(rt, { errorCode: 'ThrottlingException', operationKind: 'read', policy: 'allow', region } as never)).rejects.toMatchObject({ name: 'UsageError', exitCode: 2 });
    }
  });
  it('known values still evaluate', async () => {
    const r = await evaluatePolicy(rt, { errorCode: 'ThrottlingException', operationKind: 'read', policy: 'allow', region: 'eu-west-1' });
    // A what-if with no config: the policy and operation rules hold, but nothing is known of
    // platform credentials, so nothing falls back (fail closed), and the policy is called a what-if.
    expect(r.workspace).toBeNull();
    expect(r.decision).toMatchObject({ decision: 'fail', targetRegion: null });
    const passed = Object.fromEntries(r.decision.rules.map((x) => [x.rule, x.passed]));
    expect(passed).toMatchObject({ retryable: true, 'operation-eligible': true, policy: true, 'same-region': false, 'platform-owner': false });
    expect(r.decision.rules.find((x) => x.rule === 'policy')!.detail).toBe('the policy given is allow; a what-if: no workspace was read');
  });
});
