// The gateway's pure rules (issue 13): its bearer tokens (shown once, kept as SHA-256 only) and
// what a client's model ID means for a workspace — a model byok serves, inside the workspace's
// geography; one outside it (refused, naming the geography); or one byok does not serve.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Geography, GatewayTokenRecord } from './config-doc.js';
import { arnOutsideGeography, geographyName, isRegionInGeography } from './geography.js';
import { MODELS, type ModelKey } from './models.js';

/** Tokens look like this, so a leaked one is recognisable (and scrubbed) as byok's. */
export const TOKEN_PREFIX = 'byok_gw_';
const TOKEN_SHAPE = /^byok_gw_[A-Za-z0-9_-]{43}$/;

export function newGatewayToken(): { token: string; id: string; sha256: string } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, id: `gwt-${randomBytes(4).toString('hex')}`, sha256: tokenHash(token) };
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The live (not revoked) token record a presented token matches, if any. */
export function findToken(records: readonly GatewayTokenRecord[] | undefined, presented: string): GatewayTokenRecord | null {
  if (!TOKEN_SHAPE.test(presented)) return null;
  const h = Buffer.from(tokenHash(presented), 'hex');
  for (const r of records ?? []) {
    if (r.revokedAt !== undefined) continue;
    const stored = Buffer.from(r.sha256, 'hex');
    if (stored.length === h.length && timingSafeEqual(stored, h)) return r;
  }
  return null;
}

/**
 * Inference-profile prefixes AWS uses and the geography each keeps requests in (reference aws.md
 * §2.1). `us-gov` is in no byok geography (GovCloud is not a commercial region).
 */
const PREFIX_GEOGRAPHY: Readonly<Record<string, Geography | 'us-gov'>> = { global: 'global', us: 'us', eu: 'eu', apac: 'apac', jp: 'apac', au: 'apac', 'us-gov': 'us-gov' };

export type ClientModel =
  /** A model byok routes; `profileId` is the profile the client named (null: a base model ID). */
  | { kind: 'served'; model: ModelKey; profileId: string | null }
  /** Named a place outside the workspace's geography: refused, never forwarded. */
  | { kind: 'outside'; reason: string }
  /** A model byok does not serve (Haiku, other providers): answered as AWS answers an unavailable model. */
  | { kind: 'unserved'; reason: string };

const ARN = /^arn:aws[a-z-]*:bedrock:([^:]*):(\d{12})?:(inference-profile|foundation-model|application-inference-profile)\/(.+)$/;

/** What a client's model identifier (profile ID, base model ID or ARN; reference §2.1) means for a workspace in `geography`. */
export function classifyClientModel(raw: string, geography: Geography): ClientModel {
  const where = geographyName(geography);
  let id = raw;
  const arn = ARN.exec(raw);
  if (arn) {
    const outside = arnOutsideGeography(geography, raw);
    if (outside !== null) return { kind: 'outside', reason: `${raw} names ${outside === '' ? 'no region (the global model)' : outside}, outside ${where}` };
    if (arn[3] === 'application-inference-profile') return { kind: 'unserved', reason: 'application inference profiles are not served by the byok gateway' };
    id = arn[4]!;
  } else if (raw.startsWith('arn:')) {
    return { kind: 'unserved', reason: 'not a Bedrock model or inference-profile ARN' };
  }
  const dot = id.indexOf('.');
  const first = dot > 0 ? id.slice(0, dot) : '';
  const prefixGeo = PREFIX_GEOGRAPHY[first];
  let base = id;
  let profileId: string | null = null;
  if (prefixGeo !== undefined) {
    const inside = prefixGeo !== 'us-gov' && (geography === 'global' || prefixGeo === geography);
    if (!inside) return { kind: 'outside', reason: `${id} is AWS's ${first}. inference profile, which routes outside ${where}` };
    base = id.slice(dot + 1);
    profileId = id;
  } else if (arn && arn[3] === 'inference-profile') {
    return { kind: 'unserved', reason: `${id} is not an inference profile byok knows` };
  }
  const model = (Object.keys(MODELS) as ModelKey[]).find((k) => MODELS[k].modelId === base);
  if (!model) return { kind: 'unserved', reason: `${base} is not a model byok serves (${MODELS.sonnet.name}, ${MODELS.opus.name})` };
  return { kind: 'served', model, profileId };
}

/** The region in a Bedrock ARN, when it is inside the geography (for the control plane's answers). */
export function regionInside(geography: Geography, region: string): boolean {
  return isRegionInGeography(geography, region);
}
