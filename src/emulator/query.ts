// IAM (2010-05-08) and STS (2011-06-15) over the AWS query protocol: form-encoded POST in, XML out.
// Shapes follow the API models (botocore iam/sts service-2.json); limits and messages follow
// reference aws.md §6–§7. Messages the reference does not quote are AWS's usual wording, marked.
import { AwsError, AWS_MESSAGES } from './errors.js';
import { policyDocumentError } from './policy-eval.js';
import { dict, newId, newKeyId, newSecret, randomRequestId, type AccessKey, type EmulatorState, type ManagedPolicy, type ServiceCredential, type User } from './state.js';
import { LONG_TERM_PREFIX } from './bearer.js';
import { randomBytes } from 'node:crypto';
import type { Principal } from './types.js';
import { checkInt, checkString, IAM_SHAPES, issueToken, readToken, throwIfInvalid, violation } from './validate.js';

const NS = { iam: 'https://iam.amazonaws.com/doc/2010-05-08/', sts: 'https://sts.amazonaws.com/doc/2011-06-15/' } as const;

export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
const el = (name: string, v: string | number | boolean | undefined) => (v === undefined ? '' : `<${name}>${esc(String(v))}</${name}>`);

export function queryResponse(service: 'iam' | 'sts', op: string, inner: string | null, requestId: string): string {
  const result = inner === null ? '' : `<${op}Result>${inner}</${op}Result>`;
  return `<${op}Response xmlns="${NS[service]}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${op}Response>`;
}

export function queryError(service: 'iam' | 'sts', e: AwsError, requestId: string): string {
  return `<ErrorResponse xmlns="${NS[service]}"><Error><Type>${e.fault === 'server' ? 'Receiver' : 'Sender'}</Type><Code>${esc(e.code)}</Code><Message>${esc(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

// User.PermissionsBoundary is an AttachedPermissionsBoundary {PermissionsBoundaryType, PermissionsBoundaryArn};
// the type's enum has one value, PermissionsBoundaryPolicy (API model PermissionsBoundaryAttachmentType;
// its prose says "Policy", the fidelity suite caught the difference).
const boundaryXml = (u: User) => (u.permissionsBoundaryArn === undefined ? '' : `<PermissionsBoundary>${el('PermissionsBoundaryType', 'PermissionsBoundaryPolicy')}${el('PermissionsBoundaryArn', u.permissionsBoundaryArn)}</PermissionsBoundary>`);
const userXml = (u: User) =>
  `<User>${el('Path', u.path)}${el('UserName', u.name)}${el('UserId', u.id)}${el('Arn', u.arn)}${el('CreateDate', u.createDate)}${boundaryXml(u)}${u.tags.length ? `<Tags>${u.tags.map((t) => `<member>${el('Key', t.Key)}${el('Value', t.Value)}</member>`).join('')}</Tags>` : ''}</User>`;
const policyXml = (p: ManagedPolicy, acct: { users: Record<string, User> }) => {
  const attachments = Object.values(acct.users).filter((u) => u.attached.includes(p.arn)).length;
  const boundaries = Object.values(acct.users).filter((u) => u.permissionsBoundaryArn === p.arn).length;
  return `<Policy>${el('PolicyName', p.name)}${el('DefaultVersionId', p.versions.find((v) => v.isDefault)?.id)}${el('PolicyId', p.id)}${el('Path', p.path)}${el('Arn', p.arn)}${el('AttachmentCount', attachments)}${el('PermissionsBoundaryUsageCount', boundaries)}${el('IsAttachable', true)}${el('CreateDate', p.createDate)}${el('UpdateDate', p.createDate)}</Policy>`;
};
// Service-specific credentials (botocore iam service-2.json: ServiceSpecificCredential and
// ServiceSpecificCredentialMetadata). The emulator issues them for Bedrock only.
const SSC_SERVICES = ['bedrock.amazonaws.com'];
const sscStatus = (c: ServiceCredential, now: number) => (c.expiresAt !== undefined && c.expiresAt <= now ? 'Expired' : c.status);
const sscCommon = (c: ServiceCredential, now: number) =>
  `${el('UserName', c.userName)}${el('Status', sscStatus(c, now))}${el('ServiceUserName', `${c.userName}-at-${c.accountId}`)}${el('ServiceCredentialAlias', c.alias)}${el('CreateDate', c.createDate)}${c.expiresAt !== undefined ? el('ExpirationDate', new Date(c.expiresAt).toISOString()) : ''}${el('ServiceSpecificCredentialId', c.id)}${el('ServiceName', c.serviceName)}`;
const sscXml = (c: ServiceCredential, now: number) => `<ServiceSpecificCredential>${sscCommon(c, now)}${el('ServiceCredentialSecret', c.secret)}</ServiceSpecificCredential>`;
/** The secret: "ABSK" + base64 of the alias and random bytes (the inside is the emulator's own; bearer.ts). */
const newServiceSecret = (alias: string) => `${LONG_TERM_PREFIX}${Buffer.from(`${alias}:${randomBytes(48).toString('base64url')}`).toString('base64')}`;

const keyMetaXml = (k: AccessKey) => `<member>${el('UserName', k.userName)}${el('AccessKeyId', k.id)}${el('Status', k.status)}${el('CreateDate', k.createDate)}</member>`;

/** Policy size as IAM counts it: whitespace is not counted (reference §7). */
export const policySize = (doc: string) => doc.replace(/\s+/g, '').length;

type Shape = { min?: number; max?: number; pattern?: string };
// serviceSpecificCredentialId: min 20, max 128, pattern [\w]+; credentialAgeDays: integer 1..36600
// (botocore 1.43.11 iam service-2.json).
const SH = { ...IAM_SHAPES, accessKeyIdType: { min: 16, max: 128, pattern: '[\\w]+' }, policyVersionIdType: { pattern: 'v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?' }, serviceSpecificCredentialId: { min: 20, max: 128, pattern: '[\\w]+' }, credentialAgeDays: { min: 1, max: 36600 } } as const;
/** statusType (botocore iam service-2.json): the enum of UpdateAccessKey's and UpdateServiceSpecificCredential's Status. */
const STATUS_ENUM = ['Active', 'Inactive', 'Expired'] as const;
/**
 * The string members of each emulated IAM operation with their API-model shapes and whether they are
 * required (botocore 1.43.11 iam service-2.json). IAM checks them before anything else: a failure is a
 * ValidationError listing every broken constraint (validate.ts cites the wording).
 */
const IAM_MEMBERS: Record<string, [param: string, shape: Shape, required: boolean][]> = {
  CreateUser: [['Path', SH.pathType, false], ['UserName', SH.userNameType, true], ['PermissionsBoundary', SH.arnType, false]],
  GetUser: [['UserName', SH.existingUserNameType, false]],
  TagUser: [['UserName', SH.existingUserNameType, true]],
  DeleteUser: [['UserName', SH.existingUserNameType, true]],
  PutUserPolicy: [['UserName', SH.existingUserNameType, true], ['PolicyName', SH.policyNameType, true], ['PolicyDocument', {}, true]],
  GetUserPolicy: [['UserName', SH.existingUserNameType, true], ['PolicyName', SH.policyNameType, true]],
  DeleteUserPolicy: [['UserName', SH.existingUserNameType, true], ['PolicyName', SH.policyNameType, true]],
  ListUserPolicies: [['UserName', SH.existingUserNameType, true], ['Marker', SH.markerType, false]],
  CreatePolicy: [['PolicyName', SH.policyNameType, true], ['Path', SH.policyPathType, false], ['PolicyDocument', {}, true], ['Description', SH.policyDescriptionType, false]],
  GetPolicy: [['PolicyArn', SH.arnType, true]],
  GetPolicyVersion: [['PolicyArn', SH.arnType, true], ['VersionId', SH.policyVersionIdType, true]],
  CreatePolicyVersion: [['PolicyArn', SH.arnType, true], ['PolicyDocument', {}, true]],
  ListPolicyVersions: [['PolicyArn', SH.arnType, true], ['Marker', SH.markerType, false]],
  DeletePolicyVersion: [['PolicyArn', SH.arnType, true], ['VersionId', SH.policyVersionIdType, true]],
  AttachUserPolicy: [['UserName', SH.userNameType, true], ['PolicyArn', SH.arnType, true]],
  DetachUserPolicy: [['UserName', SH.userNameType, true], ['PolicyArn', SH.arnType, true]],
  ListAttachedUserPolicies: [['UserName', SH.userNameType, true], ['PathPrefix', SH.policyPathType, false], ['Marker', SH.markerType, false]],
  CreateAccessKey: [['UserName', SH.existingUserNameType, false]],
  ListAccessKeys: [['UserName', SH.existingUserNameType, false], ['Marker', SH.markerType, false]],
  UpdateAccessKey: [['UserName', SH.existingUserNameType, false], ['AccessKeyId', SH.accessKeyIdType, true], ['Status', {}, true]],
  DeleteAccessKey: [['UserName', SH.existingUserNameType, false], ['AccessKeyId', SH.accessKeyIdType, true]],
  PutUserPermissionsBoundary: [['UserName', SH.userNameType, true], ['PermissionsBoundary', SH.arnType, true]],
  DeleteUserPermissionsBoundary: [['UserName', SH.userNameType, true]],
  // The service-specific credential operations (botocore iam service-2.json): their input shapes have
  // no InvalidInput among their errors, so a broken constraint can only be the protocol's ValidationError
  // (the fidelity suite caught InvalidInput here).
  CreateServiceSpecificCredential: [['UserName', SH.userNameType, true], ['ServiceName', {}, true]],
  ListServiceSpecificCredentials: [['UserName', SH.userNameType, false], ['Marker', SH.markerType, false]],
  UpdateServiceSpecificCredential: [['UserName', SH.userNameType, false], ['ServiceSpecificCredentialId', SH.serviceSpecificCredentialId, true], ['Status', {}, true]],
  ResetServiceSpecificCredential: [['UserName', SH.userNameType, false], ['ServiceSpecificCredentialId', SH.serviceSpecificCredentialId, true]],
  DeleteServiceSpecificCredential: [['UserName', SH.userNameType, false], ['ServiceSpecificCredentialId', SH.serviceSpecificCredentialId, true]],
};
const PAGED = new Set(['ListUserPolicies', 'ListPolicyVersions', 'ListAttachedUserPolicies', 'ListAccessKeys', 'ListServiceSpecificCredentials']);
const lowerFirst = (n: string) => n.charAt(0).toLowerCase() + n.slice(1);

function validateIam(op: string, params: URLSearchParams): void {
  const members = IAM_MEMBERS[op];
  if (!members) return;
  const violations: string[] = [];
  for (const [param, shape, required] of members) {
    // A policy document is never echoed into a message (it is checked by MalformedPolicyDocument).
    const v = params.get(param);
    if (param === 'PolicyDocument') {
      if (v === null) violations.push(violation('policyDocument', null, { kind: 'null' }));
      else if (v === '') violations.push(violation('policyDocument', '', { kind: 'minLength', n: 1 }));
      continue;
    }
    violations.push(...checkString(lowerFirst(param), v, shape, required));
  }
  if (op === 'UpdateAccessKey' || op === 'UpdateServiceSpecificCredential') {
    const st = params.get('Status');
    if (st !== null && !(STATUS_ENUM as readonly string[]).includes(st)) violations.push(violation('status', st, { kind: 'enum', values: STATUS_ENUM }));
  }
  if (op === 'CreateServiceSpecificCredential') violations.push(...checkInt('credentialAgeDays', params.get('CredentialAgeDays'), SH.credentialAgeDays).violations);
  if (PAGED.has(op)) violations.push(...checkInt('maxItems', params.get('MaxItems'), SH.maxItemsType).violations);
  throwIfInvalid(violations, 'ValidationError');
}

/** MalformedPolicyDocument with IAM's own message for what is wrong (policy-eval.ts cites the texts). */
function malformed(doc: string): void {
  const why = policyDocumentError(doc);
  if (why !== null) throw new AwsError('MalformedPolicyDocument', why);
}

export interface QueryContext {
  state: EmulatorState;
  principal: Principal;
  region: string;
  params: URLSearchParams;
  requestId: string;
  /** Evaluates the caller's policies; `context` adds the action's own condition keys. */
  authorize(action: string, resource: string, context?: Record<string, string>): void;
}

function need(params: URLSearchParams, name: string): string {
  const v = params.get(name);
  if (v === null) throw new AwsError('ValidationError', `1 validation error detected: Value null at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`);
  return v;
}

export function handleSts(op: string, c: QueryContext): string {
  const { state, principal } = c;
  switch (op) {
    case 'GetCallerIdentity':
      // "No permissions are required to perform this operation." (reference §6)
      return queryResponse('sts', op, `${el('Arn', principal.arn)}${el('UserId', principal.userId)}${el('Account', principal.accountId)}`, c.requestId);
    case 'GetSessionToken': {
      if (principal.kind === 'session') throw new AwsError('AccessDenied', AWS_MESSAGES.sessionTokenWithSession);
      // API model durationSecondsType: 900–129,600 (reference §6); AWS's answer out of range is a
      // ValidationError, "Member must have value greater than or equal to 900" (validate.ts cites it).
      const d = checkInt('durationSeconds', c.params.get('DurationSeconds'), { min: 900, max: 129_600 });
      throwIfInvalid(d.violations, 'ValidationError');
      const duration = d.value ?? 43_200;
      const id = newKeyId('ASIA');
      const session = { id, secret: newSecret(), token: `FwoGZXIvYXdzE${newSecret()}${newSecret()}${newSecret()}`.replace(/\//g, 'A'), accountId: principal.accountId, userName: principal.userName, expiresAt: state.now() + duration * 1000 };
      state.data.sessions[id] = session;
      state.save();
      return queryResponse('sts', op, `<Credentials>${el('AccessKeyId', id)}${el('SecretAccessKey', session.secret)}${el('SessionToken', session.token)}${el('Expiration', new Date(session.expiresAt).toISOString())}</Credentials>`, c.requestId);
    }
    default:
      throw new AwsError('InvalidAction', `Could not find operation ${op} for version 2011-06-15`);
  }
}

export function handleIam(op: string, c: QueryContext): string {
  const { state, principal, params } = c;
  // GetSessionToken credentials cannot call IAM without MFA (reference §6): InvalidClientTokenId (§5.3).
  if (principal.kind === 'session') throw new AwsError('InvalidClientTokenId');
  validateIam(op, params);
  const acct = state.data.accounts[principal.accountId]!;
  const iso = new Date(state.now()).toISOString();
  const findUser = (name: string): User => {
    const u = acct.users[name.toLowerCase()];
    // Not in the reference; the same text appears in a real AWS response quoted in
    // https://github.com/ansible/ansible/issues/45593 (secondary source).
    if (!u) throw new AwsError('NoSuchEntity', `The user with name ${name} cannot be found.`);
    return u;
  };
  const findPolicy = (arn: string): ManagedPolicy => {
    const p = acct.policies[arn];
    if (!p) throw new AwsError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
    return p;
  };
  /**
   * The managed policy a boundary names: it must be a policy ARN ("ARN X is not valid." InvalidInput,
   * UNCONFIRMED wording) that exists in the account (NoSuchEntity "Policy ARN does not exist or is not
   * attachable.", as for AttachUserPolicy). AWS managed policies (arn:aws:iam::aws:policy/...) are not
   * emulated and are refused as missing.
   */
  const boundaryPolicy = (arn: string): ManagedPolicy => {
    if (!/^arn:aws:iam::(\d{12}|aws):policy\/.+$/.test(arn)) throw new AwsError('InvalidInput', `ARN ${arn} is not valid.`);
    return findPolicy(arn);
  };
  const findKey = (id: string, user: User): AccessKey => {
    const k = state.data.keys[id];
    if (!k || k.accountId !== acct.id || k.userName !== user.name) throw new AwsError('NoSuchEntity', `The Access Key with id ${id} cannot be found.`);
    return k;
  };
  const userParam = () => {
    const name = params.get('UserName');
    return name === null || name === '' ? findUser(principal.userName) : findUser(name);
  };
  /**
   * MaxItems / Marker paging of a List operation (API model: "If you do not include this parameter, the
   * number of items defaults to 100"; IsTruncated and Marker in the response). A Marker is honoured
   * only if this emulator issued it for the same listing; anything else is a ValidationError whose
   * message is UNCONFIRMED (no quoted IAM answer to a foreign marker found).
   */
  const paged = <T>(items: T[], listing: Record<string, string>): { items: T[]; tail: string } => {
    const max = Number(params.get('MaxItems') ?? 100);
    const marker = params.get('Marker');
    const key = { list: op, account: acct.id, ...listing };
    let start = 0;
    if (marker !== null) {
      const o = readToken(marker, key);
      if (o === null) throw new AwsError('ValidationError', 'Invalid Marker: it was not issued by this operation for this request. Use the Marker from the previous response.');
      start = o;
    }
    const more = start + max < items.length;
    return { items: items.slice(start, start + max), tail: `<IsTruncated>${more}</IsTruncated>${more ? el('Marker', issueToken(key, start + max)) : ''}` };
  };
  const done = (inner: string | null) => {
    state.save();
    return queryResponse('iam', op, inner, c.requestId);
  };

  switch (op) {
    case 'CreateUser': {
      const name = need(params, 'UserName');
      const path = params.get('Path') ?? '/';
      // The ARN carries the path: arn:aws:iam::ACCOUNT:user/PATH/NAME.
      const arn = `arn:aws:iam::${acct.id}:user${path}${name}`;
      c.authorize('iam:CreateUser', arn);
      if (acct.users[name.toLowerCase()]) throw new AwsError('EntityAlreadyExists', `User with name ${name} already exists.`);
      const boundary = params.get('PermissionsBoundary');
      if (boundary !== null) boundaryPolicy(boundary);
      const tags: User['tags'] = [];
      for (let i = 1; params.has(`Tags.member.${i}.Key`); i++) tags.push({ Key: params.get(`Tags.member.${i}.Key`)!, Value: params.get(`Tags.member.${i}.Value`) ?? '' });
      const u: User = { name, id: newId('AIDA'), arn, path, createDate: iso, tags, inline: dict(), attached: [], ...(boundary !== null ? { permissionsBoundaryArn: boundary } : {}) };
      acct.users[name.toLowerCase()] = u;
      return done(userXml(u));
    }
    case 'GetUser': {
      const u = userParam();
      c.authorize('iam:GetUser', u.arn);
      return done(userXml(u));
    }
    case 'TagUser': {
      const u = findUser(need(params, 'UserName'));
      c.authorize('iam:TagUser', u.arn);
      // All or nothing: the tags are checked on a copy and kept only if the whole request is valid.
      const next = u.tags.map((t) => ({ ...t }));
      for (let i = 1; params.has(`Tags.member.${i}.Key`); i++) {
        const Key = params.get(`Tags.member.${i}.Key`)!;
        const Value = params.get(`Tags.member.${i}.Value`) ?? '';
        if (Key.length > 128 || Value.length > 256) throw new AwsError('InvalidInput', 'Tag key or value exceeds the allowed length.');
        const t = next.find((x) => x.Key === Key);
        if (t) t.Value = Value;
        else next.push({ Key, Value });
      }
      if (next.length > 50) throw new AwsError('LimitExceeded', 'Cannot exceed quota for TagsPerUser: 50');
      u.tags = next;
      return done(null);
    }
    case 'DeleteUser': {
      const u = findUser(need(params, 'UserName'));
      c.authorize('iam:DeleteUser', u.arn);
      if (Object.values(state.data.keys).some((k) => k.accountId === acct.id && k.userName === u.name)) throw new AwsError('DeleteConflict', 'Cannot delete entity, must delete access keys first.');
      // IAM's DeleteUser documentation lists service-specific credentials among what must be deleted
      // first; the message is UNCONFIRMED (the access-key one's wording).
      if (Object.values(state.data.serviceCredentials ?? {}).some((c) => c.accountId === acct.id && c.userName === u.name)) throw new AwsError('DeleteConflict', 'Cannot delete entity, must delete service specific credentials first.');
      if (Object.keys(u.inline).length > 0) throw new AwsError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
      if (u.attached.length > 0) throw new AwsError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
      delete acct.users[u.name.toLowerCase()];
      return done(null);
    }
    case 'PutUserPolicy': {
      const u = findUser(need(params, 'UserName'));
      const policyName = need(params, 'PolicyName');
      const doc = need(params, 'PolicyDocument');
      c.authorize('iam:PutUserPolicy', u.arn);
      malformed(doc);
      const total = Object.entries(u.inline).filter(([n]) => n !== policyName).reduce((s, [, d]) => s + policySize(d), 0) + policySize(doc);
      // Reference §7: 2,048 characters for all of a user's inline policies, whitespace not counted.
      if (total > 2048) throw new AwsError('LimitExceeded', `Maximum policy size of 2048 bytes exceeded for user ${u.name}`);
      u.inline[policyName] = doc;
      return done(null);
    }
    case 'GetUserPolicy': {
      const u = findUser(need(params, 'UserName'));
      const policyName = need(params, 'PolicyName');
      c.authorize('iam:GetUserPolicy', u.arn);
      const doc = u.inline[policyName];
      if (doc === undefined) throw new AwsError('NoSuchEntity', `The user policy with name ${policyName} cannot be found.`);
      return done(`${el('UserName', u.name)}${el('PolicyName', policyName)}${el('PolicyDocument', encodeURIComponent(doc))}`);
    }
    case 'DeleteUserPolicy': {
      const u = findUser(need(params, 'UserName'));
      const policyName = need(params, 'PolicyName');
      c.authorize('iam:DeleteUserPolicy', u.arn);
      if (u.inline[policyName] === undefined) throw new AwsError('NoSuchEntity', `The user policy with name ${policyName} cannot be found.`);
      delete u.inline[policyName];
      return done(null);
    }
    case 'ListUserPolicies': {
      const u = findUser(need(params, 'UserName'));
      c.authorize('iam:ListUserPolicies', u.arn);
      const pg = paged(Object.keys(u.inline).sort(), { user: u.name });
      return done(`<PolicyNames>${pg.items.map((n) => `<member>${esc(n)}</member>`).join('')}</PolicyNames>${pg.tail}`);
    }
    case 'CreatePolicy': {
      const name = need(params, 'PolicyName');
      const doc = need(params, 'PolicyDocument');
      const path = params.get('Path') ?? '/';
      const arn = `arn:aws:iam::${acct.id}:policy${path}${name}`;
      c.authorize('iam:CreatePolicy', arn);
      malformed(doc);
      // Reference §7: 6,144 characters per managed policy, whitespace not counted.
      if (policySize(doc) > 6144) throw new AwsError('LimitExceeded', 'Cannot exceed quota for PolicySize: 6144');
      if (acct.policies[arn]) throw new AwsError('EntityAlreadyExists', `A policy called ${name} already exists. Duplicate names are not allowed.`);
      const p: ManagedPolicy = { arn, name, id: newId('ANPA'), path, createDate: iso, versions: [{ id: 'v1', document: doc, isDefault: true, createDate: iso }], nextVersion: 2 };
      acct.policies[arn] = p;
      return done(policyXml(p, acct));
    }
    case 'GetPolicy': {
      const p = findPolicy(need(params, 'PolicyArn'));
      c.authorize('iam:GetPolicy', p.arn);
      return done(policyXml(p, acct));
    }
    case 'GetPolicyVersion': {
      const p = findPolicy(need(params, 'PolicyArn'));
      const vid = need(params, 'VersionId');
      c.authorize('iam:GetPolicyVersion', p.arn);
      const v = p.versions.find((x) => x.id === vid);
      if (!v) throw new AwsError('NoSuchEntity', `Policy ${p.arn} version ${vid} does not exist or is not attachable.`);
      return done(`<PolicyVersion>${el('Document', encodeURIComponent(v.document))}${el('VersionId', v.id)}${el('IsDefaultVersion', v.isDefault)}${el('CreateDate', v.createDate)}</PolicyVersion>`);
    }
    case 'CreatePolicyVersion': {
      const p = findPolicy(need(params, 'PolicyArn'));
      const doc = need(params, 'PolicyDocument');
      c.authorize('iam:CreatePolicyVersion', p.arn);
      malformed(doc);
      if (policySize(doc) > 6144) throw new AwsError('LimitExceeded', 'Cannot exceed quota for PolicySize: 6144');
      // Reference §7: at most five versions; delete one (not the default) first.
      if (p.versions.length >= 5) throw new AwsError('LimitExceeded', 'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.');
      const setDefault = params.get('SetAsDefault') === 'true';
      if (setDefault) for (const v of p.versions) v.isDefault = false;
      const v = { id: `v${p.nextVersion++}`, document: doc, isDefault: setDefault, createDate: iso };
      p.versions.push(v);
      return done(`<PolicyVersion>${el('VersionId', v.id)}${el('IsDefaultVersion', v.isDefault)}${el('CreateDate', v.createDate)}</PolicyVersion>`);
    }
    case 'ListPolicyVersions': {
      const p = findPolicy(need(params, 'PolicyArn'));
      c.authorize('iam:ListPolicyVersions', p.arn);
      const pg = paged([...p.versions].reverse(), { policy: p.arn });
      return done(`<Versions>${pg.items.map((v) => `<member>${el('VersionId', v.id)}${el('IsDefaultVersion', v.isDefault)}${el('CreateDate', v.createDate)}</member>`).join('')}</Versions>${pg.tail}`);
    }
    case 'DeletePolicyVersion': {
      const p = findPolicy(need(params, 'PolicyArn'));
      const vid = need(params, 'VersionId');
      c.authorize('iam:DeletePolicyVersion', p.arn);
      const v = p.versions.find((x) => x.id === vid);
      if (!v) throw new AwsError('NoSuchEntity', `Policy ${p.arn} version ${vid} does not exist or is not attachable.`);
      if (v.isDefault) throw new AwsError('DeleteConflict', 'Cannot delete the default version of a policy.');
      p.versions = p.versions.filter((x) => x !== v);
      return done(null);
    }
    case 'AttachUserPolicy': {
      const u = findUser(need(params, 'UserName'));
      const arn = need(params, 'PolicyArn');
      c.authorize('iam:AttachUserPolicy', u.arn);
      findPolicy(arn);
      if (!u.attached.includes(arn)) {
        if (u.attached.length >= 10) throw new AwsError('LimitExceeded', 'Cannot exceed quota for PoliciesPerUser: 10');
        u.attached.push(arn);
      }
      return done(null);
    }
    case 'DetachUserPolicy': {
      const u = findUser(need(params, 'UserName'));
      const arn = need(params, 'PolicyArn');
      c.authorize('iam:DetachUserPolicy', u.arn);
      if (!u.attached.includes(arn)) throw new AwsError('NoSuchEntity', `Policy ${arn} was not found.`);
      u.attached = u.attached.filter((a) => a !== arn);
      return done(null);
    }
    case 'ListAttachedUserPolicies': {
      const u = findUser(need(params, 'UserName'));
      c.authorize('iam:ListAttachedUserPolicies', u.arn);
      const prefix = params.get('PathPrefix') ?? '/';
      const pg = paged(u.attached.filter((a) => (acct.policies[a]?.path ?? '/').startsWith(prefix)), { user: u.name, prefix });
      return done(`<AttachedPolicies>${pg.items.map((a) => `<member>${el('PolicyName', acct.policies[a]?.name ?? a.split('/').pop())}${el('PolicyArn', a)}</member>`).join('')}</AttachedPolicies>${pg.tail}`);
    }
    case 'PutUserPermissionsBoundary': {
      // Adds or replaces the user's boundary (a managed policy ARN); evaluated from the next request on.
      const u = findUser(need(params, 'UserName'));
      const arn = need(params, 'PermissionsBoundary');
      c.authorize('iam:PutUserPermissionsBoundary', u.arn);
      boundaryPolicy(arn);
      u.permissionsBoundaryArn = arn;
      delete u.permissionsBoundary;
      return done(null);
    }
    case 'DeleteUserPermissionsBoundary': {
      const u = findUser(need(params, 'UserName'));
      c.authorize('iam:DeleteUserPermissionsBoundary', u.arn);
      delete u.permissionsBoundaryArn;
      delete u.permissionsBoundary;
      return done(null);
    }
    case 'CreateAccessKey': {
      const u = userParam();
      c.authorize('iam:CreateAccessKey', u.arn);
      const existing = Object.values(state.data.keys).filter((k) => k.accountId === acct.id && k.userName === u.name);
      // Reference §7: two keys per user, inactive ones included.
      if (existing.length >= 2) throw new AwsError('LimitExceeded', AWS_MESSAGES.accessKeysPerUser);
      const k: AccessKey = { id: newKeyId('AKIA'), secret: newSecret(), accountId: acct.id, userName: u.name, status: 'Active', createDate: iso, usableFrom: state.now() + state.data.iamPropagationDelayMs };
      state.data.keys[k.id] = k;
      return done(`<AccessKey>${el('UserName', u.name)}${el('AccessKeyId', k.id)}${el('Status', k.status)}${el('SecretAccessKey', k.secret)}${el('CreateDate', k.createDate)}</AccessKey>`);
    }
    case 'ListAccessKeys': {
      const u = userParam();
      c.authorize('iam:ListAccessKeys', u.arn);
      const keys = Object.values(state.data.keys).filter((k) => k.accountId === acct.id && k.userName === u.name);
      const pg = paged(keys, { user: u.name });
      return done(`<AccessKeyMetadata>${pg.items.map(keyMetaXml).join('')}</AccessKeyMetadata>${pg.tail}`);
    }
    case 'UpdateAccessKey': {
      const u = userParam();
      const k = findKey(need(params, 'AccessKeyId'), u);
      const status = need(params, 'Status');
      c.authorize('iam:UpdateAccessKey', u.arn);
      if (status !== 'Active' && status !== 'Inactive') throw new AwsError('InvalidInput', `1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`);
      k.status = status;
      return done(null);
    }
    case 'DeleteAccessKey': {
      const u = userParam();
      const k = findKey(need(params, 'AccessKeyId'), u);
      c.authorize('iam:DeleteAccessKey', u.arn);
      delete state.data.keys[k.id];
      return done(null);
    }
    case 'CreateServiceSpecificCredential': {
      const u = findUser(need(params, 'UserName'));
      const serviceName = need(params, 'ServiceName');
      // credentialAgeDays (integer 1..36600) was checked with the other constraints (validateIam).
      const ageText = params.get('CredentialAgeDays');
      const age = ageText === null ? undefined : Number(ageText);
      // Condition keys of iam:CreateServiceSpecificCredential (Bedrock user guide, "Control permissions
      // for generating and using Amazon Bedrock API keys").
      c.authorize('iam:CreateServiceSpecificCredential', u.arn, { 'iam:ServiceSpecificCredentialServiceName': serviceName, ...(age !== undefined ? { 'iam:ServiceSpecificCredentialAgeDays': String(age) } : {}) });
      // NotSupportedService (404) is the model's error; the text is its documentation's (UNCONFIRMED as the message).
      if (!SSC_SERVICES.includes(serviceName)) throw new AwsError('NotSupportedService', 'The specified service does not support service-specific credentials.');
      const mine = Object.values((state.data.serviceCredentials ??= dict())).filter((x) => x.accountId === acct.id && x.userName === u.name && x.serviceName === serviceName);
      // "You can have a maximum of two sets of service-specific credentials for each supported service
      // per user" (CreateServiceSpecificCredential documentation); the message is UNCONFIRMED.
      if (mine.length >= 2) throw new AwsError('LimitExceeded', 'Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2');
      // One clock reading for CreateDate and ExpirationDate: their difference is exactly the age in days.
      const now = state.now();
      // The alias: "the IAM user name and a suffix containing version and creation information"; its exact form is UNCONFIRMED.
      const alias = `${u.name}+1-${Math.floor(now / 1000)}`.replace(/[^\w+=,.@-]/g, '-');
      const cred: ServiceCredential = { id: newId('ACCA'), accountId: acct.id, userName: u.name, serviceName, alias, secret: newServiceSecret(alias), status: 'Active', createDate: new Date(now).toISOString(), ...(age !== undefined ? { expiresAt: now + age * 86_400_000 } : {}) };
      state.data.serviceCredentials[cred.id] = cred;
      return done(sscXml(cred, now));
    }
    case 'ListServiceSpecificCredentials': {
      const all = params.get('AllUsers') === 'true';
      const u = all ? undefined : userParam();
      const serviceName = params.get('ServiceName');
      c.authorize('iam:ListServiceSpecificCredentials', u ? u.arn : `arn:aws:iam::${acct.id}:user/*`);
      const now = state.now();
      const list = Object.values(state.data.serviceCredentials ?? {}).filter((x) => x.accountId === acct.id && (!u || x.userName === u.name) && (serviceName === null || serviceName === '' || x.serviceName === serviceName));
      // Paged like the other List operations (the model has MaxItems, Marker, IsTruncated); oldest first.
      const pg = paged(list, { user: u ? u.name : '*', service: serviceName ?? '' });
      return done(`<ServiceSpecificCredentials>${pg.items.map((x) => `<member>${sscCommon(x, now)}</member>`).join('')}</ServiceSpecificCredentials>${pg.tail}`);
    }
    case 'UpdateServiceSpecificCredential':
    case 'ResetServiceSpecificCredential':
    case 'DeleteServiceSpecificCredential': {
      const u = userParam();
      const id = need(params, 'ServiceSpecificCredentialId');
      const cred = state.data.serviceCredentials?.[id];
      // NoSuchEntity is the model's error; the message is UNCONFIRMED (the access-key wording).
      if (!cred || cred.accountId !== acct.id || cred.userName !== u.name) throw new AwsError('NoSuchEntity', `The Service Specific Credential with id ${id} cannot be found.`);
      c.authorize(`iam:${op.replace('ServiceSpecificCredential', '')}ServiceSpecificCredential`, u.arn);
      if (op === 'UpdateServiceSpecificCredential') {
        const status = need(params, 'Status');
        // 'Expired' is in the model's enum but is the service's to set, not the caller's. The model lists
        // no InvalidInput for this operation (as it does for UpdateAccessKey), so the refusal is the
        // protocol's ValidationError; what AWS answers here is UNCONFIRMED.
        if (status !== 'Active' && status !== 'Inactive') throw new AwsError('ValidationError', `1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`);
        cred.status = status;
        return done(null);
      }
      if (op === 'ResetServiceSpecificCredential') {
        // "Resetting the password immediately invalidates the previous password" (ResetServiceSpecificCredential).
        cred.secret = newServiceSecret(cred.alias);
        return done(sscXml(cred, state.now()));
      }
      delete state.data.serviceCredentials![id];
      return done(null);
    }
    default:
      throw new AwsError('InvalidAction', `Could not find operation ${op} for version 2010-05-08`);
  }
}

export { randomRequestId };
