// IAM identity-policy evaluation as AWS documents it: an explicit Deny wins, then any Allow,
// else an implicit deny. Wildcards in actions (case-insensitive) and resources; the condition
// operators byok's policies and tests use. A missing condition key fails a positive condition.
import type { AuthzRequest, Decision, PolicyDocument, PolicyStatement } from './types.js';

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function globToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, caseInsensitive ? 'is' : 's');
}

export function matchAction(pattern: string, action: string): boolean {
  return globToRegExp(pattern, true).test(action);
}

/** ARN match: each of the six colon-separated segments; the last may itself contain ':'. */
export function matchArn(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const p = pattern.split(':');
  const a = arn.split(':');
  if (p.length < 6 || a.length < 6) return globToRegExp(pattern, false).test(arn);
  const pp = [...p.slice(0, 5), p.slice(5).join(':')];
  const aa = [...a.slice(0, 5), a.slice(5).join(':')];
  return pp.every((seg, i) => globToRegExp(seg, false).test(aa[i]!));
}

function conditionHolds(op: string, key: string, expected: string[], ctx: Record<string, string>): boolean {
  let operator = op;
  let ifExists = false;
  let setOp: 'any' | 'all' | null = null;
  if (operator.startsWith('ForAnyValue:')) {
    setOp = 'any';
    operator = operator.slice('ForAnyValue:'.length);
  } else if (operator.startsWith('ForAllValues:')) {
    setOp = 'all';
    operator = operator.slice('ForAllValues:'.length);
  }
  if (operator.endsWith('IfExists')) {
    ifExists = true;
    operator = operator.slice(0, -'IfExists'.length);
  }
  const actualKey = Object.keys(ctx).find((k) => k.toLowerCase() === key.toLowerCase());
  if (actualKey === undefined) {
    if (ifExists) return true;
    if (setOp === 'all') return true;
    return operator.includes('Not');
  }
  const actual = ctx[actualKey]!;
  const test = (e: string): boolean => {
    switch (operator) {
      case 'StringEquals': case 'ArnEquals': return actual === e;
      case 'StringEqualsIgnoreCase': return actual.toLowerCase() === e.toLowerCase();
      case 'StringLike': return globToRegExp(e, false).test(actual);
      case 'ArnLike': return matchArn(e, actual);
      case 'Bool': return actual.toLowerCase() === e.toLowerCase();
      default: return false;
    }
  };
  switch (operator) {
    case 'StringNotEquals': case 'ArnNotEquals': return !expected.some((e) => actual === e);
    case 'StringNotEqualsIgnoreCase': return !expected.some((e) => actual.toLowerCase() === e.toLowerCase());
    case 'StringNotLike': return !expected.some((e) => globToRegExp(e, false).test(actual));
    case 'ArnNotLike': return !expected.some((e) => matchArn(e, actual));
    default: return expected.some(test);
  }
}

function statementMatches(s: PolicyStatement, req: AuthzRequest): boolean {
  const actionOk = s.Action !== undefined ? list(s.Action).some((p) => matchAction(p, req.action)) : s.NotAction !== undefined ? !list(s.NotAction).some((p) => matchAction(p, req.action)) : false;
  if (!actionOk) return false;
  const resourceOk = s.Resource !== undefined ? list(s.Resource).some((p) => matchArn(p, req.resource)) : s.NotResource !== undefined ? !list(s.NotResource).some((p) => matchArn(p, req.resource)) : false;
  if (!resourceOk) return false;
  for (const [op, keys] of Object.entries(s.Condition ?? {})) {
    for (const [key, value] of Object.entries(keys)) {
      const expected = (Array.isArray(value) ? value : [value]).map(String);
      if (!conditionHolds(op, key, expected, req.context)) return false;
    }
  }
  return true;
}

export function evaluatePolicies(docs: PolicyDocument[], req: AuthzRequest): Decision {
  let allowed = false;
  for (const d of docs) {
    const statements = Array.isArray(d.Statement) ? d.Statement : [d.Statement];
    for (const s of statements) {
      if (!s || !statementMatches(s, req)) continue;
      if (s.Effect === 'Deny') return 'explicit-deny';
      if (s.Effect === 'Allow') allowed = true;
    }
  }
  return allowed ? 'allow' : 'implicit-deny';
}

/** A structural check of a policy document, for MalformedPolicyDocument. */
export function parsePolicyDocument(text: string): PolicyDocument | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const d = v as PolicyDocument;
  const statements = Array.isArray(d.Statement) ? d.Statement : d.Statement ? [d.Statement] : [];
  if (statements.length === 0) return null;
  for (const s of statements) {
    if (typeof s !== 'object' || s === null || (s.Effect !== 'Allow' && s.Effect !== 'Deny')) return null;
    if (s.Action === undefined && s.NotAction === undefined) return null;
    if (s.Resource === undefined && s.NotResource === undefined) return null;
  }
  return d;
}
