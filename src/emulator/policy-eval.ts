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

/** Numeric* and Date* operators; null where the operator is not one of them or a value does not parse. */
function compareOrdered(operator: string, actual: string, expected: string): boolean | null {
  const m = /^(Numeric|Date)(Equals|NotEquals|LessThan|LessThanEquals|GreaterThan|GreaterThanEquals)$/.exec(operator);
  if (!m) return null;
  const num = (v: string) => (m[1] === 'Numeric' ? Number(v) : /^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v));
  const a = num(actual);
  const b = num(expected);
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  switch (m[2]) {
    case 'Equals': return a === b;
    case 'NotEquals': return a !== b;
    case 'LessThan': return a < b;
    case 'LessThanEquals': return a <= b;
    case 'GreaterThan': return a > b;
    default: return a >= b;
  }
}

/** Operators IAM accepts but the emulator does not evaluate (IP ranges): decided conservatively. */
const UNEVALUATED = new Set(['IpAddress', 'NotIpAddress']);

function conditionHolds(op: string, key: string, expected: string[], ctx: Record<string, string>, effect: 'Allow' | 'Deny'): boolean {
  if (UNEVALUATED.has(op.replace(/^For(AnyValue|AllValues):/, '').replace(/IfExists$/, ''))) return effect === 'Deny'; // a Deny applies, an Allow does not

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
  // Null: "true" holds when the key is absent, "false" when it is present.
  if (operator === 'Null') return expected.some((e) => (e.toLowerCase() === 'true') === (actualKey === undefined));
  if (actualKey === undefined) {
    if (ifExists) return true;
    if (setOp === 'all') return true; // ForAllValues over an empty set is true
    if (setOp === 'any') return false; // ForAnyValue over an empty set is false, negated or not
    return operator.includes('Not');
  }
  const actual = ctx[actualKey]!;
  const test = (e: string): boolean => {
    switch (operator) {
      case 'StringEquals': return actual === e;
      // IAM: ArnEquals and ArnLike behave alike (per-segment wildcards).
      case 'ArnEquals': return matchArn(e, actual);
      case 'StringEqualsIgnoreCase': return actual.toLowerCase() === e.toLowerCase();
      case 'StringLike': return globToRegExp(e, false).test(actual);
      case 'ArnLike': return matchArn(e, actual);
      case 'Bool': return actual.toLowerCase() === e.toLowerCase();
      case 'BinaryEquals': return actual === e;
      default: {
        const cmp = compareOrdered(operator, actual, e);
        return cmp ?? false;
      }
    }
  };
  switch (operator) {
    case 'StringNotEquals': return !expected.some((e) => actual === e);
    case 'ArnNotEquals': return !expected.some((e) => matchArn(e, actual));
    case 'StringNotEqualsIgnoreCase': return !expected.some((e) => actual.toLowerCase() === e.toLowerCase());
    case 'StringNotLike': return !expected.some((e) => globToRegExp(e, false).test(actual));
    case 'ArnNotLike': return !expected.some((e) => matchArn(e, actual));
    case 'NumericNotEquals': case 'DateNotEquals': return expected.every((e) => compareOrdered(operator, actual, e) === true);
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
      if (!conditionHolds(op, key, expected, req.context, s.Effect === 'Deny' ? 'Deny' : 'Allow')) return false;
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

/**
 * IAM's answer to a document it refuses (MalformedPolicyDocument), or null when it accepts it.
 * - A document that does not parse or has a statement of the wrong shape: "Syntax errors in policy."
 * - Two statements with the same Sid: "Statement IDs (SID) in a single policy must be unique."
 *   Not in reference aws.md. The text is quoted from real IAM answers in
 *   https://github.com/aws-cloudformation/cfn-lint/issues/3973 ("Statement IDs (SID) in a single
 *   policy must be unique. (Service: Iam, Status Code: 400 ...)") and
 *   https://github.com/kubernetes/kops/issues/4951 ("MalformedPolicyDocument: Statement IDs (SID) in
 *   a single policy must be unique."), and is what getmoto/moto's IAM validator raises
 *   (moto/iam/policy_validation.py, _validate_sid_uniqueness). All secondary sources: AWS documents
 *   the rule ("In IAM, the Sid value must be unique within a JSON policy.",
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html) but not
 *   the error text. Statements without a Sid (or with an empty one) are not compared.
 */
export function policyDocumentError(text: string): string | null {
  const d = parsePolicyDocument(text);
  if (!d) return 'Syntax errors in policy.';
  const seen = new Set<string>();
  for (const s of Array.isArray(d.Statement) ? d.Statement : [d.Statement]) {
    const sid = (s as { Sid?: unknown }).Sid;
    if (sid === undefined || sid === '') continue;
    if (typeof sid !== 'string') return 'Syntax errors in policy.';
    if (seen.has(sid)) return 'Statement IDs (SID) in a single policy must be unique.';
    seen.add(sid);
  }
  return null;
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
    // Exactly one of Action / NotAction, and of Resource / NotResource.
    if ((s.Action === undefined) === (s.NotAction === undefined)) return null;
    if ((s.Resource === undefined) === (s.NotResource === undefined)) return null;
    for (const op of Object.keys(s.Condition ?? {})) if (!KNOWN_OPERATORS.has(op.replace(/^For(AnyValue|AllValues):/, '').replace(/IfExists$/, ''))) return null;
  }
  return d;
}

/** IAM's condition operators (IfExists and set prefixes aside); any other is malformed, as on AWS. */
const KNOWN_OPERATORS = new Set([
  'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
  'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals',
  'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals',
  'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress', 'ArnEquals', 'ArnNotEquals', 'ArnLike', 'ArnNotLike', 'Null',
]);
