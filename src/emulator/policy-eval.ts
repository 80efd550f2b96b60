// IAM policy evaluation as AWS documents it. Identity policies alone: an explicit Deny wins, then
// any Allow, else an implicit deny. With service control policies and a permissions boundary
// (evaluateRequest): a Deny in any of them wins; then the SCPs, the identity policies and the
// boundary must each allow. Wildcards in actions (case-insensitive) and resources; the condition
// operators byok's policies and tests use; policy variables; the global condition keys AWS sets on
// every request (globalConditionKeys). A missing condition key fails a positive condition.
//
// AWS's documents, cited per rule below:
//  [ops]  IAM JSON policy elements: Condition operators,
//         https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
//  [res]  IAM JSON policy elements: Resource ("Using wildcards in resource ARNs"),
//         https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
//  [vars] IAM policy elements: Variables and tags,
//         https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
//  [keys] AWS global condition context keys,
//         https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
//  [eval] Policy evaluation logic,
//         https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
//  [deny] Troubleshoot access denied error messages,
//         https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
import type { AuthzRequest, Decision, PolicyDocument, PolicyStatement, Principal } from './types.js';

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

// A literal '*' or '?' (from ${*}, ${?} or a variable's value) is carried through a pattern as one
// of these private-use characters, so that only the policy's own wildcards act as wildcards.
const LITERAL_STAR = '\uE000';
const LITERAL_QMARK = '\uE001';

function charRe(c: string): string {
  if (c === LITERAL_STAR) return '\\*';
  if (c === LITERAL_QMARK) return '\\?';
  return c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** '*' any run of characters, '?' any one character, everything else literal. */
function globToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const re = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : charRe(c))).join('');
  return new RegExp(`^${re}$`, caseInsensitive ? 'is' : 's');
}

export function matchAction(pattern: string, action: string): boolean {
  return globToRegExp(pattern, true).test(action);
}

/**
 * The Resource / NotResource element [res]: "You can use wildcard characters (* and ?) within the
 * individual segments of an ARN (the parts separated by colons)", and "If the * wildcard is the last
 * character of a resource ARN segment, it can expand to match beyond the colon boundaries." So
 * `arn:aws:bedrock:*:foundation-model/M` matches `arn:aws:bedrock:us-east-1::foundation-model/M`
 * (the region's '*' takes "us-east-1:"), while a '*' or '?' inside a segment stays inside it.
 * Case-sensitive.
 */
export function matchResource(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const cs = [...pattern];
  const re = cs.map((c, i) => (c === '*' ? (i === cs.length - 1 || cs[i + 1] === ':' ? '.*' : '[^:]*') : c === '?' ? '[^:]' : charRe(c))).join('');
  return new RegExp(`^${re}$`, 's').test(arn);
}

/** Kept for callers that match a Resource element. */
export const matchArn = matchResource;

/** The six components of an ARN (the last may itself hold colons), or null when it has fewer. */
function arnComponents(s: string): string[] | null {
  const parts = s.split(':');
  return parts.length < 6 ? null : [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/**
 * ArnEquals / ArnLike (and their negations) [ops]: "Each of the six colon-delimited components of
 * the ARN is checked separately and each can include multi-character match wildcards (*) or
 * single-character match wildcards (?)." A value with fewer than six components (such as
 * `arn:aws:bedrock:*:inference-profile/*`) therefore matches no ARN: unlike a Resource element, a
 * '*' never reaches into the next component. Case-sensitive.
 */
export function matchArnCondition(pattern: string, arn: string): boolean {
  const p = arnComponents(pattern);
  const a = arnComponents(arn);
  if (!p || !a) return false;
  return p.every((seg, i) => globToRegExp(seg, false).test(a[i]!));
}

/** A value from the request context, its key matched case-insensitively as AWS does. */
function contextValue(ctx: Record<string, string>, key: string): string | undefined {
  const k = Object.keys(ctx).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : ctx[k];
}

/**
 * Policy variables [vars]: `${key}` takes the request's value of that key; `${key, 'default'}` a
 * default when the key is absent; `${*}`, `${?}` and `${$}` stand for the literal characters. Only
 * under "Version": "2012-10-17" ("If you don't include the Version element ... variables like
 * ${aws:username} are treated as literal strings"). A variable whose key is absent and has no
 * default leaves nothing to match: null (the pattern matches no request).
 */
export function resolveVariables(text: string, ctx: Record<string, string>, version: string | undefined): string | null {
  if (version !== '2012-10-17' || !text.includes('${')) return text;
  let missing = false;
  const out = text.replace(/\$\{([^}]*)\}/g, (whole, inner: string) => {
    if (inner === '*') return LITERAL_STAR;
    if (inner === '?') return LITERAL_QMARK;
    if (inner === '$') return '$';
    const m = /^\s*([^,\s]+)\s*(?:,\s*'([^']*)'\s*)?$/.exec(inner);
    if (!m) return whole;
    const v = contextValue(ctx, m[1]!) ?? m[2];
    if (v === undefined) {
      missing = true;
      return '';
    }
    return v.replace(/\*/g, LITERAL_STAR).replace(/\?/g, LITERAL_QMARK);
  });
  return missing ? null : out;
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

/** An IPv4 address as a number, or null. */
function ipv4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.trim());
  if (!m) return null;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return null;
  return ((o[0]! << 24) >>> 0) + (o[1]! << 16) + (o[2]! << 8) + o[3]!;
}

/** IpAddress [ops]: "The specified IP address or range" in CIDR form (a bare address is a /32). IPv4 only: null for what the emulator does not evaluate. */
function inCidr(ip: string, cidr: string): boolean | null {
  const [net, bits] = cidr.split('/');
  const a = ipv4(ip);
  const n = ipv4(net ?? '');
  const b = bits === undefined ? 32 : Number(bits);
  if (a === null || n === null || !Number.isInteger(b) || b < 0 || b > 32) return null;
  const mask = b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0;
  return ((a & mask) >>> 0) === ((n & mask) >>> 0);
}

/** Operators that take policy variables in their values [vars]: the string and ARN operators. */
const TAKES_VARIABLES = /^(String|Arn)/;

function conditionHolds(op: string, key: string, expectedRaw: string[], ctx: Record<string, string>, effect: 'Allow' | 'Deny', version: string | undefined): boolean {
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
  const expected = TAKES_VARIABLES.test(operator) ? expectedRaw.map((e) => resolveVariables(e, ctx, version)).filter((e): e is string => e !== null) : expectedRaw;
  const actual = contextValue(ctx, key);
  // Null: "true" holds when the key is absent, "false" when it is present.
  if (operator === 'Null') return expected.some((e) => (e.toLowerCase() === 'true') === (actual === undefined));
  if (actual === undefined) {
    if (ifExists) return true;
    if (setOp === 'all') return true; // ForAllValues over an empty set is true
    if (setOp === 'any') return false; // ForAnyValue over an empty set is false, negated or not
    return operator.includes('Not');
  }
  if (operator === 'IpAddress' || operator === 'NotIpAddress') {
    const hits = expected.map((e) => inCidr(actual, e));
    // An address the emulator cannot compare (IPv6): decided conservatively, a Deny applies and an Allow does not.
    if (hits.some((h) => h === null)) return effect === 'Deny';
    return operator === 'IpAddress' ? hits.some(Boolean) : !hits.some(Boolean);
  }
  const test = (e: string): boolean => {
    switch (operator) {
      case 'StringEquals': return actual === literal(e);
      // [ops]: ArnEquals and ArnLike behave alike (component by component, with wildcards).
      case 'ArnEquals': return matchArnCondition(e, actual);
      case 'StringEqualsIgnoreCase': return actual.toLowerCase() === literal(e).toLowerCase();
      case 'StringLike': return globToRegExp(e, false).test(actual);
      case 'ArnLike': return matchArnCondition(e, actual);
      case 'Bool': return actual.toLowerCase() === e.toLowerCase();
      case 'BinaryEquals': return actual === e;
      default: {
        const cmp = compareOrdered(operator, actual, e);
        return cmp ?? false;
      }
    }
  };
  switch (operator) {
    case 'StringNotEquals': return !expected.some((e) => actual === literal(e));
    case 'ArnNotEquals': return !expected.some((e) => matchArnCondition(e, actual));
    case 'StringNotEqualsIgnoreCase': return !expected.some((e) => actual.toLowerCase() === literal(e).toLowerCase());
    case 'StringNotLike': return !expected.some((e) => globToRegExp(e, false).test(actual));
    case 'ArnNotLike': return !expected.some((e) => matchArnCondition(e, actual));
    case 'NumericNotEquals': case 'DateNotEquals': return expected.every((e) => compareOrdered(operator, actual, e) === true);
    default: return expected.some(test);
  }
}

/** A resolved value compared exactly: the literal-character placeholders back to the characters. */
const literal = (s: string) => s.replace(/\uE000/g, '*').replace(/\uE001/g, '?');

function statementMatches(s: PolicyStatement, req: AuthzRequest, version: string | undefined): boolean {
  const actionOk = s.Action !== undefined ? list(s.Action).some((p) => matchAction(p, req.action)) : s.NotAction !== undefined ? !list(s.NotAction).some((p) => matchAction(p, req.action)) : false;
  if (!actionOk) return false;
  const resourceHit = (patterns: string | string[]) => list(patterns).some((p) => {
    const r = resolveVariables(p, req.context, version);
    return r !== null && matchResource(r, req.resource);
  });
  const resourceOk = s.Resource !== undefined ? resourceHit(s.Resource) : s.NotResource !== undefined ? !resourceHit(s.NotResource) : false;
  if (!resourceOk) return false;
  for (const [op, keys] of Object.entries(s.Condition ?? {})) {
    for (const [key, value] of Object.entries(keys)) {
      const expected = (Array.isArray(value) ? value : [value]).map(String);
      if (!conditionHolds(op, key, expected, req.context, s.Effect === 'Deny' ? 'Deny' : 'Allow', version)) return false;
    }
  }
  return true;
}

/** A policy as evaluated, with the ARN AWS would name it by when it denies (none for an inline policy). */
export interface SourcedPolicy {
  document: PolicyDocument;
  arn?: string;
}

function matching(policies: SourcedPolicy[], req: AuthzRequest): { deny: boolean; denyArn?: string; allow: boolean } {
  let allow = false;
  for (const { document: d, arn } of policies) {
    const statements = Array.isArray(d.Statement) ? d.Statement : [d.Statement];
    for (const s of statements) {
      if (!s || !statementMatches(s, req, d.Version)) continue;
      if (s.Effect === 'Deny') return { deny: true, denyArn: arn, allow };
      if (s.Effect === 'Allow') allow = true;
    }
  }
  return { deny: false, allow };
}

/** Identity policies alone: an explicit Deny wins, then any Allow, else an implicit deny. */
export function evaluatePolicies(docs: PolicyDocument[], req: AuthzRequest): Decision {
  const m = matching(docs.map((document) => ({ document })), req);
  return m.deny ? 'explicit-deny' : m.allow ? 'allow' : 'implicit-deny';
}

/** The policy type that denied a request, as AWS's AccessDenied messages name it [deny]. */
export type DenyingPolicy = 'service control policy' | 'identity-based policy' | 'permissions boundary';

export interface Evaluation {
  decision: Decision;
  /** Which policy type denied; null when allowed. */
  deniedBy: DenyingPolicy | null;
  /** An explicit deny by a policy that has an ARN (a managed policy, an SCP): that ARN. */
  denyingPolicyArn?: string;
}

/** The policies that apply to one principal's request. */
export interface ApplicablePolicies {
  identity: SourcedPolicy[];
  /** SCPs attached to the principal's account (absent: the account is in no organization). */
  scps?: SourcedPolicy[];
  /** The principal's permissions boundary, if one is set. */
  boundary?: SourcedPolicy;
}

/**
 * [eval], for a principal in one account (no resource-based or session policy applies to the
 * emulated requests): (1) an explicit Deny in any policy denies; (2) an account with SCPs needs an
 * Allow from them ("If an SCP does not allow an action, it is implicitly denied"); (3) an identity
 * policy must allow; (4) a permissions boundary, where set, must allow too ("an entity can only
 * perform actions allowed by both its identity-based policies and its permissions boundaries").
 * [deny]: "If multiple policy types deny an authorization request, AWS includes only one of those
 * policy types in the error message"; which one is not documented: the emulator names the first in
 * the order above (UNCONFIRMED).
 */
export function evaluateRequest(p: ApplicablePolicies, req: AuthzRequest): Evaluation {
  const layers: [DenyingPolicy, SourcedPolicy[] | undefined][] = [
    ['service control policy', p.scps && p.scps.length > 0 ? p.scps : undefined],
    ['identity-based policy', p.identity],
    ['permissions boundary', p.boundary ? [p.boundary] : undefined],
  ];
  const results = layers.map(([name, docs]) => ({ name, applies: docs !== undefined, m: docs ? matching(docs, req) : { deny: false, allow: true } }));
  const denied = results.find((r) => r.m.deny);
  if (denied) return { decision: 'explicit-deny', deniedBy: denied.name, ...(denied.m.denyArn ? { denyingPolicyArn: denied.m.denyArn } : {}) };
  const notAllowed = results.find((r) => r.applies && !r.m.allow);
  if (notAllowed) return { decision: 'implicit-deny', deniedBy: notAllowed.name };
  return { decision: 'allow', deniedBy: null };
}

/**
 * AWS's AccessDenied text [deny]: "User: ARN is not authorized to perform: ACTION on resource:
 * RESOURCE because no identity-based policy allows the ACTION action" for an implicit deny, and
 * "... with an explicit deny in an identity-based policy" (likewise "a service control policy", "a
 * permissions boundary") for an explicit one. Quoted in the wild: "... on resource: arn:aws:waf-
 * regional:... with an explicit deny in a service control policy"
 * (kubernetes-sigs/aws-load-balancer-controller#2322). Since AWS's "Enhanced access denied error
 * messages with policy ARNs" (AWS Security Blog,
 * https://aws.amazon.com/blogs/security/enhanced-access-denied-error-messages-with-policy-arns),
 * an explicit deny within the same account or organization ends with the denying policy's ARN
 * ("... with an explicit deny in a service control policy:
 * arn:aws:organizations::987654321098:policy/o-qv5af4abcd/service_control_policy/p-2kgnabcd"); the
 * emulator adds it where the policy has one (a managed policy, an SCP), not for an inline policy.
 */
export function accessDeniedMessage(principalArn: string, action: string, resource: string, e: Evaluation): string {
  const layer = e.deniedBy ?? 'identity-based policy';
  const head = `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource}`;
  if (e.decision !== 'explicit-deny') return `${head} because no ${layer} allows the ${action} action`;
  return `${head} with an explicit deny in ${layer === 'identity-based policy' ? 'an' : 'a'} ${layer}${e.denyingPolicyArn ? `: ${e.denyingPolicyArn}` : ''}`;
}

/**
 * How IAM names the resource in an AccessDenied message. Not in AWS's documentation; taken from
 * real answers quoted in public repositories (many of each), which show it depends on the action:
 * - iam:CreateUser names the new user's ARN ("... iam:CreateUser on resource:
 *   arn:aws:iam::807078899029:user/demo-boundary-e2e-DXqX0 because no identity-based policy allows
 *   the iam:CreateUser action", hashicorp/boundary#4287);
 * - the other user actions name "user NAME" ("... iam:ListUserPolicies on resource: user s3user
 *   because ...", "... iam:AttachUserPolicy on resource: user hpcc.build with an explicit deny in a
 *   service control policy", likewise GetUser, PutUserPolicy, ListAccessKeys, CreateAccessKey,
 *   UpdateAccessKey, GetUserPolicy);
 * - iam:CreatePolicy names "policy NAME" ("... iam:CreatePolicy on resource: policy
 *   lambda-apigateway-policy"); the other policy actions "policy ARN" ("... iam:GetPolicy on
 *   resource: policy arn:aws:iam::792671221040:policy/s3-access-policy", likewise
 *   CreatePolicyVersion, DeletePolicyVersion).
 * User and policy actions not seen in any quote (DeleteUser, TagUser, DetachUserPolicy, ...) are
 * named like their neighbours: UNCONFIRMED.
 */
export function iamResourceName(action: string, arn: string): string {
  const user = /^arn:aws[a-z-]*:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(arn);
  const policy = /^arn:aws[a-z-]*:iam::(?:\d{12}|aws):policy\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (user) return action.toLowerCase() === 'iam:createuser' ? arn : `user ${user[1]}`;
  if (policy) return action.toLowerCase() === 'iam:createpolicy' ? `policy ${policy[1]}` : `policy ${arn}`;
  return arn;
}

/** What the emulator knows of a request besides its principal, for the global keys. */
export interface RequestFacts {
  /** The emulator's clock, epoch ms. */
  now: number;
  /** The region the request is for (IAM: us-east-1). */
  region: string;
  sourceIp: string;
}

/**
 * The global condition keys AWS sets on a request from an IAM user [keys]:
 * - aws:PrincipalArn, aws:PrincipalAccount; aws:PrincipalType "User"; aws:userid the user's unique
 *   ID; aws:username the user's name ("This key is included in the request context for IAM users").
 *   Credentials from GetSessionToken act as that IAM user, so the same values.
 * - aws:CurrentTime (ISO 8601) and aws:EpochTime (seconds): "always included in the request context".
 * - aws:SecureTransport: "whether the request was sent using TLS". AWS's IAM, STS and Bedrock
 *   endpoints are HTTPS only, so every request the emulator stands in for arrived over TLS: "true"
 *   (the loopback hop to the emulator is not the transport AWS would see).
 * - aws:RequestedRegion: the region called; for IAM, a global service, "us-east-1".
 * - aws:SourceIp: the caller's address (the loopback address here).
 * - aws:MultiFactorAuthPresent: "not present when ... long-term credentials" are used; "false" for
 *   GetSessionToken credentials obtained without MFA (the emulator takes no MFA).
 */
export function globalConditionKeys(p: Principal, r: RequestFacts): Record<string, string> {
  const ctx: Record<string, string> = {
    'aws:PrincipalArn': p.arn,
    'aws:PrincipalAccount': p.accountId,
    'aws:PrincipalType': 'User',
    'aws:userid': p.userId,
    'aws:username': p.userName,
    'aws:CurrentTime': new Date(r.now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'aws:EpochTime': String(Math.floor(r.now / 1000)),
    'aws:SecureTransport': 'true',
    'aws:RequestedRegion': r.region,
    'aws:SourceIp': r.sourceIp.replace(/^::ffff:/, ''),
  };
  if (p.kind === 'session') ctx['aws:MultiFactorAuthPresent'] = 'false';
  return ctx;
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
