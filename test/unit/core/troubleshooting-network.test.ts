// No answer from AWS is not an AWS answer: the advice is about reaching the endpoint, never the
// quotas, the Health Dashboard or IAM that service-unavailable's steps name. The category (what
// the fallback rules see) is untouched: problemFor chooses advice only.
import { describe, expect, it } from 'vitest';
import { classifyError, ERROR_CATEGORIES } from '../../../src/core/error-classes.js';
import { problemFor, troubleshoot, type Problem } from '../../../src/core/troubleshooting.js';

describe('advice for a failure nothing answered', () => {
  for (const code of ['ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']) {
    it(`${code}: the network's steps, while the category stays service-unavailable`, () => {
      const { category } = classifyError({ code });
      expect(category).toBe('service-unavailable');
      const problem = problemFor({ category, network: true });
      expect(problem).toBe('network-unreachable');
      const steps = troubleshoot(problem).steps.join(' ');
      expect(steps).toMatch(/proxy/);
      expect(steps).toMatch(/AWS_ENDPOINT_URL/);
      expect(steps).not.toMatch(/Health Dashboard|quota|IAM/);
    });
  }

  it('an answer AWS gave keeps its own advice (service-unavailable names the Health Dashboard)', () => {
    for (const network of [false, undefined]) {
      expect(problemFor({ category: 'service-unavailable', network })).toBe('service-unavailable');
    }
    expect(troubleshoot('service-unavailable').steps.join(' ')).toMatch(/Health Dashboard/);
    expect(problemFor({ category: 'throttled', network: false })).toBe('throttled');
  });
});

describe('every step is a sentence', () => {
  // Hints join the steps with spaces: a step without its full stop runs into the next one
  // ("aws sts get-caller-identity Store the current key ...").
  const problems: Problem[] = [...ERROR_CATEGORIES, 'owner-not-configured', 'byok-disabled', 'plan-ineligible', 'region-outside-geography', 'profile-leaves-geography', 'marketplace-permission', 'marketplace-subscription-pending', 'apac-opus-unavailable', 'network-unreachable'];
  for (const p of problems) {
    it(p, () => {
      for (const step of troubleshoot(p).steps) expect(step, step).toMatch(/[.!?]\)?$/);
    });
  }
});
