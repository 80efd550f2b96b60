// renderChecks (src/cli/render/checks.ts): checks that fail alike print the document's steps once.
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../src/app/checks.js';
import type { Context } from '../../../src/cli/context.js';
import { plainChalk } from '../../../src/cli/io.js';
import { renderChecks } from '../../../src/cli/render/checks.js';

const ctx = { chalk: plainChalk() } as unknown as Context;
const STEPS = ['Check the identity policy of the BYOK user.', 'Run byok iam put-policy to apply the least-privilege policy.'];
const probe = (name: string, action: string): CheckResult => ({
  name,
  ok: false,
  status: 'fail',
  detail: `AccessDenied for ${action}`,
  category: 'iam-permission',
  hint: `Missing permission ${action} on arn:x. Add this statement: {"Action":"${action}"}. ${STEPS.join(' ')}`,
  steps: STEPS,
});

describe('renderChecks', () => {
  it('prints the steps several failures share once, and each failure its own first sentence', () => {
    const lines = renderChecks(ctx, [probe('sonnet.converse', 'bedrock:InvokeModel'), probe('sonnet.converse-stream', 'bedrock:InvokeModelWithResponseStream'), probe('opus.converse', 'bedrock:InvokeModel')]);
    const text = lines.join('\n');
    expect(text.split('Run byok iam put-policy').length - 1).toBe(1);
    expect(text).toContain('Missing permission bedrock:InvokeModelWithResponseStream on arn:x.');
    expect(text).toContain('Then the steps given for sonnet.converse above.');
    // The same hint twice: named once, then "as for".
    expect(text).toContain('hint: as for sonnet.converse above');
  });

  it('a hint that is only the steps is printed whole the first time', () => {
    const only: CheckResult = { name: 'permissions', ok: false, status: 'fail', detail: 'denied', category: 'iam-permission', hint: STEPS.join(' '), steps: STEPS };
    expect(renderChecks(ctx, [only]).join('\n')).toContain(`hint: ${STEPS.join(' ')}`);
  });
});
