// Settings for other tools pinned to the workspace (`byok export claude-code|env`), and the check of
// a Claude Code settings file against it (`byok doctor --claude-code-settings`). The rules are pure
// (core/claude-code.ts); this reads the workspace, the settings file and the AWS config file.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pickWorkspace, requireAccess } from '../core/access.js';
import { checkClaudeCodeSettings, checkGatewayUrl, claudeCodeExport, type ClaudeCodeExport, type SettingsFileFacts } from '../core/claude-code.js';
import { workspaceCatalog, type Geography, type Workspace } from '../core/config-doc.js';
import { UsageError } from '../core/errors.js';
import { findCredentials } from '../core/payload-guard.js';
import { printable } from '../core/text.js';
import type { CheckResult } from './checks.js';
import type { Runtime } from './runtime.js';

/** A settings file larger than this is not a settings file. */
const MAX_SETTINGS_BYTES = 1024 * 1024;

interface Routed { ws: Workspace; geography: Geography; region: string }

function routed(ws: Workspace): Routed {
  if (!ws.geography) throw new UsageError('geography-not-set', `Workspace ${ws.name} has no geography, so byok cannot say which profiles and region another tool may use.`, 'Run: byok config set geography global|us|eu|apac, then byok config set region REGION');
  if (!ws.region) throw new UsageError('region-not-set', `Workspace ${ws.name} has no region.`, 'Run: byok config set region REGION');
  return { ws, geography: ws.geography, region: ws.region };
}

/** The workspace's Bedrock API key provider (kind only), if it has one (issue 14). */
function apiKeyProvider(ws: Workspace): { kind: 'short-term' | 'long-term'; minted: boolean } | undefined {
  return ws.apiKey ? { kind: ws.apiKey.kind, minted: 'minted' in ws.apiKey } : undefined;
}

function gatewayOption(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const g = checkGatewayUrl(raw);
  if (!g.ok) throw new UsageError(g.error.code, g.error.reason, g.error.hint);
  return g.value;
}

export interface WorkspaceExport extends ClaudeCodeExport {
  workspace: string;
  geography: Geography;
  region: string;
  gateway: string | null;
}

/** The settings another tool needs to stay inside the workspace's geography. */
export async function exportSettings(rt: Runtime, o: { workspace?: string; gateway?: string }): Promise<WorkspaceExport> {
  const gateway = gatewayOption(o.gateway);
  const { doc } = await rt.store().read();
  const { ws, geography, region } = routed(pickWorkspace(rt, doc, o.workspace));
  requireAccess(rt, ws);
  const r = claudeCodeExport({ workspace: ws.name, geography, region, catalog: workspaceCatalog(ws), gateway, apiKey: apiKeyProvider(ws), configDir: rt.env.BYOK_CONFIG_DIR?.trim() || undefined });
  if (!r.ok) throw new UsageError(r.error.code, r.error.reason, r.error.hint);
  return { ...r.value, workspace: ws.name, geography, region, gateway: gateway ?? null };
}

export interface SettingsReport {
  ok: boolean;
  workspace: string;
  geography: Geography;
  region: string;
  file: string;
  checks: CheckResult[];
}

function readSettingsText(path: string): { text: string; readableByOthers: boolean } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError('settings-unreadable', `Cannot read the Claude Code settings file ${path} (${code}).`, 'Give the path of a settings.json (~/.claude/settings.json, .claude/settings.json or .claude/settings.local.json in a project).');
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UsageError('settings-unreadable', `${path} is not a file.`, 'Give the path of a Claude Code settings.json.');
    if (st.size > MAX_SETTINGS_BYTES) throw new UsageError('settings-too-large', `${path} is ${st.size} bytes; a Claude Code settings file is far smaller.`, 'Give the path of a Claude Code settings.json.');
    const buf = Buffer.alloc(st.size);
    let at = 0;
    while (at < st.size) {
      const n = readSync(fd, buf, at, st.size - at, at);
      if (n === 0) break;
      at += n;
    }
    return { text: buf.subarray(0, at).toString('utf8'), readableByOthers: (st.mode & 0o044) !== 0 };
  } finally {
    closeSync(fd);
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * Where JSON.parse stopped, and what it expected, without the piece of the file V8 quotes in some
 * messages (`Unexpected token 'w', ..."KEY": wJalrXUtnF"... is not valid JSON`): it may be a secret.
 * V8 quotes up to 10 characters either side of the error, with "..." where it cut the text.
 */
function jsonErrorAt(text: string, msg: string): { what: string; offset: number | null } {
  const pos = /at position (\d+)/.exec(msg)?.[1];
  // These messages quote only JSON's own punctuation ("Expected property name or '}'"): kept; from
  // any other quote on, the text is cut (it could be the file's).
  if (pos !== undefined) {
    const what = msg.replace(/\s*\(line \d+ column \d+\)/, '').replace(/ in JSON at position \d+.*$/, '').replace(/'([{}[\],:])'/g, '\u0000$1\u0001').replace(/["'].*$/, '').replace(/\u0000(.)\u0001/g, "'$1'").trim();
    return { what, offset: Number(pos) };
  }
  const q = /^(Unexpected [a-z ]+?)(?: '(.)')?, (\.\.\.)?"([\s\S]*?)"(?:\.\.\.)? is not valid JSON$/.exec(msg);
  if (q) {
    const snippet = q[4]!;
    const at = text.indexOf(snippet);
    const within = q[3] ? 10 : q[2] !== undefined ? Math.max(0, snippet.indexOf(q[2])) : 0;
    return { what: q[1]!, offset: at >= 0 ? at + within : null };
  }
  // Any other wording: keep only what comes before a quote.
  return { what: msg.replace(/["'].*$/, '').replace(/[,:]\s*$/, '').trim(), offset: null };
}

function parseSettings(path: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    const { what, offset } = jsonErrorAt(text, e instanceof Error ? e.message : String(e));
    const where = offset !== null ? (() => {
      const { line, column } = lineColumn(text, offset);
      return ` at line ${line}, column ${column}`;
    })() : text.trim() === '' ? ': the file is empty' : '';
    throw new UsageError('malformed-settings', `${path} is not valid JSON${where}${what ? ` (${printable(what, 120)})` : ''}.`, 'Fix the JSON (a trailing comma or a missing quote is the usual cause; comments are not allowed), then run this again. byok export claude-code prints a valid settings object.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError('malformed-settings', `${path} is valid JSON but not a settings object: its top level is ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}.`, 'A Claude Code settings file is one JSON object, e.g. {"env": {...}}.');
  }
  return value as Record<string, unknown>;
}

function envOf(path: string, settings: Record<string, unknown>): Record<string, string> {
  const env = settings.env;
  if (env === undefined) return {};
  if (env === null || typeof env !== 'object' || Array.isArray(env)) throw new UsageError('malformed-settings', `${path}: "env" must be an object of variable names to strings.`, 'Write it as "env": {"AWS_REGION": "..."}.');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env as Record<string, unknown>)) {
    if (typeof v !== 'string') throw new UsageError('malformed-settings', `${path}: env.${printable(k, 60)} is ${v === null ? 'null' : `a ${typeof v}`}, not a string.`, `Quote the value: "${printable(k, 60)}": "..." (Claude Code's env values are strings).`);
    out[k] = v;
  }
  return out;
}

/** The credential_process of one profile in the AWS config file (INI: [profile NAME], or [default]). */
function awsProfileFacts(rt: Runtime, name: string): NonNullable<SettingsFileFacts['awsProfile']> {
  const file = rt.env.AWS_CONFIG_FILE || join(rt.env.HOME || homedir(), '.aws', 'config');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { name, file, credentialProcess: null, found: false };
  }
  const header = name === 'default' ? /^\s*\[\s*(?:profile\s+)?default\s*\]\s*$/ : new RegExp(`^\\s*\\[\\s*profile\\s+${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\]\\s*$`);
  let inside = false;
  let found = false;
  let credentialProcess: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*\[/.test(line)) {
      inside = header.test(line);
      if (inside) found = true;
      continue;
    }
    const m = inside ? /^\s*credential_process\s*=\s*(.*?)\s*$/.exec(line) : null;
    if (m) credentialProcess = m[1]!;
  }
  return { name, file, credentialProcess, found };
}

function insideBearerValue(text: string, offset: number): boolean {
  const re = /"AWS_BEARER_TOKEN_BEDROCK"\s*:\s*"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const start = m.index + m[0].length - m[1]!.length - 1;
    if (offset >= start && offset < start + m[1]!.length) return true;
  }
  return false;
}

/** Checks a Claude Code settings file against the workspace: one check per mismatch, never a secret. */
export async function checkSettingsFile(rt: Runtime, o: { path: string; workspace?: string; gateway?: string }): Promise<SettingsReport> {
  const gateway = gatewayOption(o.gateway);
  const { text, readableByOthers } = readSettingsText(o.path);
  const settings = parseSettings(o.path, text);
  const env = envOf(o.path, settings);
  const { doc } = await rt.store().read();
  const { ws, geography, region } = routed(pickWorkspace(rt, doc, o.workspace));
  requireAccess(rt, ws);
  const facts: SettingsFileFacts = {
    path: o.path,
    readableByOthers,
    // A bearer token is judged by where it is sent (the gateway-token check), not by its shape.
    credentialFindings: findCredentials(text).filter((f) => !insideBearerValue(text, f.offset)).map((f) => ({ kind: f.kind, line: lineColumn(text, f.offset).line })),
    ...(env.AWS_PROFILE !== undefined ? { awsProfile: awsProfileFacts(rt, env.AWS_PROFILE) } : {}),
  };
  const findings = checkClaudeCodeSettings(settings, env, { workspace: ws.name, geography, region, catalog: workspaceCatalog(ws), gateway, apiKey: apiKeyProvider(ws) }, facts);
  const checks: CheckResult[] = findings.map((f) => ({ ...f }));
  return { ok: checks.every((c) => c.ok), workspace: ws.name, geography, region, file: o.path, checks };
}
