// Contract between the emulator's framework (server, SigV4, IAM, STS, faults, clock) and its
// Bedrock / Bedrock Runtime handlers. The framework authenticates the request, finds the
// service and operation, and hands the handler an EmuRequest; handlers return an EmuResponse
// or throw an AwsError (src/emulator/errors.ts), which the framework renders in the service's
// protocol (query/XML for IAM and STS, REST-JSON with x-amzn-errortype for Bedrock).

import type { Message } from '@smithy/types';

export type ServiceName = 'iam' | 'sts' | 'bedrock' | 'bedrock-runtime';

/** The caller, as established by SigV4 verification against the emulator's key store. */
export interface Principal {
  accountId: string;
  /** IAM user name; for session credentials, the user the session was issued to. */
  userName: string;
  /** arn:aws:iam::ACCOUNT:user/NAME (GetCallerIdentity reports this for both key kinds). */
  arn: string;
  userId: string;
  accessKeyId: string;
  kind: 'long-term' | 'session';
  /** Epoch ms; session credentials only. */
  sessionExpiresAt?: number;
}

/** A JSON IAM policy document as stored (the parsed form of PolicyDocument). */
export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean | number>>;
}

export type Decision = 'allow' | 'implicit-deny' | 'explicit-deny';

/** One authorization question: action, resource and the request's condition-key values. */
export interface AuthzRequest {
  action: string;
  resource: string;
  /** e.g. { 'aws:RequestedRegion': 'us-east-1', 'bedrock:InferenceProfileArn': 'arn:...' } */
  context: Record<string, string>;
}

export interface EmuRequest {
  service: ServiceName;
  /** Operation name as AWS spells it, e.g. "Converse", "GetInferenceProfile", "CreateUser". */
  operation: string;
  /** The region from the SigV4 credential scope. */
  region: string;
  method: string;
  /** URL path, percent-decoded per segment is the handler's job (model IDs contain ':'). */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  principal: Principal;
  /** The emulator's clock (moved by the control API), not the host's. */
  now: Date;
  /** Adds what a runtime call was about to the request log: the model or profile, and where it ran. */
  record?: (r: { modelId?: string; routedTo?: string[] }) => void;
}

export interface EmuResponse {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** For ConverseStream / InvokeModelWithResponseStream: messages encoded with the SDK's codec. */
  eventStream?: AsyncIterable<Message>;
}

/** What the framework gives Bedrock handlers: the policy check and per-account model state. */
export interface HandlerDeps {
  /** Evaluates the principal's identity policies (inline + attached managed). */
  authorize(principal: Principal, request: AuthzRequest): Decision;
  /** Per-account state bag the Bedrock handlers own (model access, use-case form, ...). */
  accountState(accountId: string): Record<string, unknown>;
}

export type Handler = (req: EmuRequest, deps: HandlerDeps) => Promise<EmuResponse>;
