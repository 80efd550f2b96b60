// A small client for the emulator's control API (/_emulator/), for tests and `byok emulator ...`.
import type { RequestRecord } from './state.js';
export interface FaultSpec {
  service?: 'iam' | 'sts' | 'bedrock' | 'bedrock-runtime';
  operation?: string;
  accessKeyId?: string;
  accountId?: string;
  region?: string;
  count?: number;
  durationMs?: number;
  error?: { code: string; message?: string };
  latencyMs?: number;
  drop?: boolean;
  midStream?: boolean;
  eventDelayMs?: number;
}

export interface NewAccount { accountId: string; admin: { accessKeyId: string; secretAccessKey: string; accountId: string; userName: string; arn: string } }

/** The control API refused a request; status 400 means the input was wrong. */
export class ControlError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'ControlError';
  }
}

export class EmulatorControl {
  constructor(readonly url: string) {}

  private async call<T>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url.replace(/\/$/, '')}/_emulator/${route}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new ControlError(res.status, `emulator ${method} ${route}: HTTP ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  addFault(f: FaultSpec): Promise<{ id: string }> { return this.call('POST', 'faults', f); }
  listFaults(): Promise<{ faults: unknown[] }> { return this.call('GET', 'faults'); }
  clearFaults(): Promise<unknown> { return this.call('DELETE', 'faults'); }
  /** The AWS requests the emulator received, oldest first (read-only; cleared by reset). */
  requests(): Promise<{ requests: RequestRecord[] }> { return this.call('GET', 'requests'); }
  advanceClock(ms: number): Promise<{ now: string; offsetMs: number }> { return this.call('POST', 'clock', { advanceMs: ms }); }
  clock(): Promise<{ now: string; offsetMs: number }> { return this.call('GET', 'clock'); }
  reset(): Promise<unknown> { return this.call('POST', 'reset'); }
  createAccount(o: { useCaseSubmitted?: boolean; requireMarketplacePermissions?: boolean } = {}): Promise<NewAccount> { return this.call('POST', 'accounts', o); }
  modelAccess(o: { accountId: string; useCaseSubmitted?: boolean; marketplaceSubscribed?: boolean; requireMarketplacePermissions?: boolean; /** How long a first invocation's Marketplace subscription takes (ms; 0 = instant). */ subscriptionDelayMs?: number; availability?: { modelId: string; region: string; status: 'AVAILABLE' | 'NOT_AVAILABLE' } }): Promise<unknown> { return this.call('POST', 'model-access', o); }
  /** AWS changes a profile: the destinations from one source region ([] = no longer a source; null undoes the change). */
  changeProfile(o: { profileId: string; sourceRegion: string; destinations: string[] | null }): Promise<unknown> { return this.call('POST', 'profiles', o); }
  clearProfileChanges(): Promise<unknown> { return this.call('DELETE', 'profiles'); }
  /** The service control policies that apply to an account (AWS Organizations attaches them); [] or null: none. */
  setServiceControlPolicies(o: { accountId: string; policies: object[] | null }): Promise<{ accountId: string; scps: string[] }> { return this.call('POST', 'service-control-policies', o); }
  /** A user's permissions boundary (a policy document); null removes it. */
  setPermissionsBoundary(o: { accountId: string; userName: string; policy: object | null }): Promise<unknown> { return this.call('POST', 'permissions-boundary', o); }
  iamPropagationDelay(ms: number): Promise<unknown> { return this.call('POST', 'iam-propagation-delay', { ms }); }
  state(): Promise<{ now: string; accounts: { accountId: string; users: { name: string; inlinePolicies: string[]; attached: string[]; accessKeys: { id: string; status: string }[] }[]; policies: { arn: string; versions: { id: string; isDefault: boolean }[] }[]; useCaseSubmitted: boolean; subscribed: string[] }[] }> { return this.call('GET', 'state'); }
}
