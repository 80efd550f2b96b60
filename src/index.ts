// byok as a library: `import { openByok } from 'byok'`. The app layer's front door for the gateway,
// CI scripts and any Node program — the same workflows the CLI runs, without a terminal: nothing is
// printed, prompted or exited; results are typed values and failures are ByokError subclasses with
// the CLI's exit code on them (`exitCode`: 2 bad input, 3 local state, 4 AWS refused).
import { userInfo } from 'node:os';
import { runConnectionChecks, type ConnectionReport } from './app/checks.js';
import { runDoctorChecks, type DoctorReport } from './app/doctor.js';
import { invoke as runInvoke, type EngineOutcome, type InvokeReply, type InvokeRequest, type OperationFacts } from './app/invoke.js';
import { checkModels, type ModelsCheckReport } from './app/models.js';
import { evaluatePolicy, type PolicyEvaluation, type PolicyQuery } from './app/policy.js';
import { routeFor, type RouteQuery, type RouteResult } from './app/route.js';
import { createRuntime, type Runtime } from './app/runtime.js';
import { validateUserName } from './core/config-doc.js';
import type { Env } from './core/env.js';
import { UsageError } from './core/errors.js';
import type { KeyringBackend } from './store/key-providers.js';

export { ByokError, UsageError, LocalStateError, AwsRefusedError, CheckFailedError, CancelledError, EXIT } from './core/errors.js';
export { runWithFallback } from './app/invoke.js';
export type { Attempt, CallTarget, EngineOutcome, EngineRequest, InvokeReply, InvokeRequest, OperationFacts } from './app/invoke.js';
export type { CheckResult, ConnectionReport } from './app/checks.js';
export type { DoctorReport } from './app/doctor.js';
export type { ModelsCheckReport } from './app/models.js';
export type { PolicyEvaluation, PolicyQuery } from './app/policy.js';
export type { RouteQuery, RouteResult } from './app/route.js';
export type { Runtime } from './app/runtime.js';
export type { FallbackDecision } from './core/fallback.js';
export type { Route } from './core/routing.js';
export type { Geography, PolicyMode } from './core/config-doc.js';
export type { ModelKey } from './core/geography.js';
export type { KeyringBackend } from './store/key-providers.js';

export interface OpenByokOptions {
  /** The config directory (default: BYOK_CONFIG_DIR from `env`, else the platform's config directory for byok). */
  configDir?: string;
  /** The environment byok reads: BYOK_KEY / BYOK_KEYRING, AWS endpoints and proxies (default: process.env). */
  env?: Env;
  /** The acting user, as written in the audit log (default: BYOK_USER, else the operating-system user). */
  user?: string;
  /** The workspace to act on (default: the config's current one). */
  workspace?: string;
  /** A keyring in place of the OS one. */
  keyring?: KeyringBackend;
  /** The clock (default: the system's). */
  now?: () => Date;
  /** Notes byok would print as warnings (default: dropped). */
  warn?: (message: string) => void;
}

/** One request through routing, the payload guard, the fallback policy and the audit log. */
export interface InvokeOptions {
  prompt: string;
  task?: string;
  model?: RouteQuery['model'];
  /** Facts about the operation the fallback rules read (default: a read). */
  operation?: OperationFacts;
  conversation?: string;
  maxTokens?: number;
  /** Stream the reply (ConverseStream): `onText` receives it as it arrives; no retry follows once it has. */
  onText?: (text: string) => void;
  /** The warn policy's re-confirmation: true continues (audited). Absent: a pending confirmation refuses. */
  confirm?: (why: string) => Promise<boolean>;
  workspace?: string;
}

export interface Byok {
  /** The runtime the workflows run on (env, clock, store, acting user): for runWithFallback. */
  readonly runtime: Runtime;
  /** What the fallback policy would decide for a failed call (no call is made). */
  evaluatePolicy(query: PolicyQuery): Promise<PolicyEvaluation>;
  /** Which model, inference profile and source region a task would use, and why. */
  route(query?: RouteQuery): Promise<RouteResult>;
  /** One request, BYOK first, falling back only as the policy allows (audited first). */
  invoke(options: InvokeOptions): Promise<EngineOutcome<InvokeReply>>;
  /** The connection test: credentials, both models through the profile, permissions. Never throws for an AWS failure. */
  checks(options?: { workspace?: string; stream?: boolean }): Promise<ConnectionReport>;
  /** `byok models check`: destinations read before any prompt, both models through the profile, model access. */
  modelsCheck(options?: { workspace?: string; refreshCatalog?: boolean }): Promise<ModelsCheckReport>;
  /** `byok doctor`: the troubleshooting checks, each failure with the product document's steps. */
  doctor(options?: { workspace?: string }): Promise<DoctorReport>;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Opens a byok configuration. Nothing is read until a method needs it. */
export function openByok(options: OpenByokOptions = {}): Byok {
  const env = options.env ?? process.env;
  const user = options.user ?? (env.BYOK_USER?.trim() || osUser());
  // The same rule as BYOK_USER and --owner: the name is written into the config and the audit log.
  const checked = validateUserName(user);
  if (!checked.ok) throw new UsageError('invalid-byok-user', `"${user.slice(0, 64)}" is not a valid user name.`, `${checked.reason}. Pass a valid \`user\` to openByok.`);
  const rt = createRuntime({ env, user, configDir: options.configDir, workspace: options.workspace, keyring: options.keyring, now: options.now, warn: options.warn });
  return {
    runtime: rt,
    evaluatePolicy: (query) => evaluatePolicy(rt, query),
    route: (query = {}) => routeFor(rt, query),
    invoke(o) {
      const req: InvokeRequest = {
        prompt: o.prompt,
        workspace: o.workspace,
        task: o.task,
        model: o.model,
        operation: o.operation ?? { kind: 'read' },
        conversation: o.conversation,
        stream: o.onText !== undefined,
        maxTokens: o.maxTokens ?? 512,
        onText: o.onText,
        confirm: o.confirm,
      };
      return runInvoke(rt, req);
    },
    checks: (o = {}) => runConnectionChecks(rt, { workspace: o.workspace, stream: o.stream }),
    modelsCheck: (o = {}) => checkModels(rt, { workspace: o.workspace, refreshCatalog: o.refreshCatalog }),
    doctor: (o = {}) => runDoctorChecks(rt, { workspace: o.workspace }),
  };
}
