// Thin IAM adapters → plain values. Writes run with maxAttempts 1: the SDK classes IAM's
// LimitExceededException as throttling (reference aws.md §5.4) and would retry the 2-key limit.
import type { Env } from '../core/env.js';
import { iamClient, type CredentialSource } from './clients.js';

export type IamApi = Awaited<ReturnType<typeof openIam>>;

export async function openIam(env: Env, credentials: CredentialSource, clockOffsetMs?: number) {
  const sdk = await import('@aws-sdk/client-iam');
  const reads = await iamClient(env, { region: 'us-east-1', credentials, clockOffsetMs });
  const writes = await iamClient(env, { region: 'us-east-1', credentials, clockOffsetMs, maxAttempts: 1 });
  const notFound = (e: unknown) => (e as { name?: string }).name === 'NoSuchEntityException';
  return {
    async getUser(userName: string): Promise<{ arn: string; tags: { Key: string; Value: string }[] } | null> {
      try {
        const r = await reads.send(new sdk.GetUserCommand({ UserName: userName }));
        return { arn: r.User!.Arn!, tags: (r.User!.Tags ?? []).map((t) => ({ Key: t.Key!, Value: t.Value ?? '' })) };
      } catch (e) {
        if (notFound(e)) return null;
        throw e;
      }
    },
    async createUser(userName: string, tags: { Key: string; Value: string }[]): Promise<string> {
      const r = await writes.send(new sdk.CreateUserCommand({ UserName: userName, Tags: tags }));
      return r.User!.Arn!;
    },
    tagUser: (userName: string, tags: { Key: string; Value: string }[]) => writes.send(new sdk.TagUserCommand({ UserName: userName, Tags: tags })),
    async inlinePolicies(userName: string): Promise<Record<string, string>> {
      const names = (await reads.send(new sdk.ListUserPoliciesCommand({ UserName: userName }))).PolicyNames ?? [];
      const out: Record<string, string> = {};
      for (const n of names) out[n] = decodeURIComponent((await reads.send(new sdk.GetUserPolicyCommand({ UserName: userName, PolicyName: n }))).PolicyDocument ?? '');
      return out;
    },
    putUserPolicy: (userName: string, policyName: string, doc: string) => writes.send(new sdk.PutUserPolicyCommand({ UserName: userName, PolicyName: policyName, PolicyDocument: doc })),
    deleteUserPolicy: (userName: string, policyName: string) => writes.send(new sdk.DeleteUserPolicyCommand({ UserName: userName, PolicyName: policyName })),
    async managedPolicy(arn: string): Promise<{ defaultDocument: string; versions: { id: string; isDefault: boolean; created: Date }[] } | null> {
      try {
        const p = await reads.send(new sdk.GetPolicyCommand({ PolicyArn: arn }));
        const def = p.Policy!.DefaultVersionId!;
        const v = await reads.send(new sdk.GetPolicyVersionCommand({ PolicyArn: arn, VersionId: def }));
        const versions = (await reads.send(new sdk.ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions ?? [];
        return { defaultDocument: decodeURIComponent(v.PolicyVersion!.Document ?? ''), versions: versions.map((x) => ({ id: x.VersionId!, isDefault: x.IsDefaultVersion === true, created: x.CreateDate ?? new Date(0) })) };
      } catch (e) {
        if (notFound(e)) return null;
        throw e;
      }
    },
    createPolicy: (name: string, doc: string) => writes.send(new sdk.CreatePolicyCommand({ PolicyName: name, PolicyDocument: doc, Description: 'byok: invoke Claude on Bedrock through the workspace inference profile only' })).then((r) => r.Policy!.Arn!),
    createPolicyVersion: (arn: string, doc: string) => writes.send(new sdk.CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc, SetAsDefault: true })),
    deletePolicyVersion: (arn: string, id: string) => writes.send(new sdk.DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: id })),
    async attachedPolicies(userName: string): Promise<string[]> {
      return ((await reads.send(new sdk.ListAttachedUserPoliciesCommand({ UserName: userName }))).AttachedPolicies ?? []).map((p) => p.PolicyArn!);
    },
    attachUserPolicy: (userName: string, arn: string) => writes.send(new sdk.AttachUserPolicyCommand({ UserName: userName, PolicyArn: arn })),
    detachUserPolicy: (userName: string, arn: string) => writes.send(new sdk.DetachUserPolicyCommand({ UserName: userName, PolicyArn: arn })),
    async accessKeys(userName: string): Promise<{ id: string; status: string; created: Date }[]> {
      return ((await reads.send(new sdk.ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? []).map((k) => ({ id: k.AccessKeyId!, status: k.Status!, created: k.CreateDate ?? new Date(0) }));
    },
    async createAccessKey(userName: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
      const r = await writes.send(new sdk.CreateAccessKeyCommand({ UserName: userName }));
      return { accessKeyId: r.AccessKey!.AccessKeyId!, secretAccessKey: r.AccessKey!.SecretAccessKey! };
    },
    updateAccessKey: (userName: string, id: string, status: 'Active' | 'Inactive') => writes.send(new sdk.UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: id, Status: status })),
    deleteAccessKey: (userName: string, id: string) => writes.send(new sdk.DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: id })),
    destroy() {
      reads.destroy();
      writes.destroy();
    },
  };
}
