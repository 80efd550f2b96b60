// No answer from AWS is not an AWS answer: the advice is about reaching the endpoint, never the
// quotas, the Health Dashboard or IAM that service-unavailable's steps name. The category (what
// the fallback rules see) is untouched: problemFor chooses advice only.
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../../src/core/error-classes.js';
import { problemFor, troubleshoot } from '../../../src/core/troubleshooting.js';

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
