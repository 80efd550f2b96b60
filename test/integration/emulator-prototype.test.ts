// Identifiers that are also JavaScript property names, sent to the emulator over HTTP (its control
// API, and IAM through the real SDK client): refused or treated as ordinary names, never written
// onto Object.prototype or looked up on it.
import { CreateUserCommand, GetUserCommand, GetUserPolicyCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import { sdkConfig, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
beforeAll(async () => (emu = await startTestEmulator()));
afterAll(async () => emu.close());
const admin = () => new IAMClient(sdkConfig(emu, 'us-east-1', emu.admin));

const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype'];

async function control(method: string, route: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${emu.url}/_emulator/${route}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as unknown };
}

/** Object.prototype and Object itself carry none of the emulator's account or fault fields. */
function prototypesUntouched(): void {
  const probe = {} as Record<string, unknown>;
  for (const key of ['useCaseForm', 'subscribed', 'requireMarketplacePermissions', 'unavailable', 'users', 'id']) {
    expect(probe[key], `Object.prototype.${key}`).toBeUndefined();
    expect((Object as unknown as Record<string, unknown>)[key], `Object.${key}`).toBeUndefined();
  }
}

describe('control API', () => {
  for (const id of PROTO_NAMES) {
    it(`model-access for account ${JSON.stringify(id)} is a 400 and changes no prototype`, async () => {
      const r = await control('POST', 'model-access', { accountId: id, useCaseSubmitted: true, marketplaceSubscribed: true, requireMarketplacePermissions: false });
      prototypesUntouched();
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body)).toMatch(/accountId/);
    });

    it(`a fault for account or access key ${JSON.stringify(id)} is a 400`, async () => {
      expect((await control('POST', 'faults', { accountId: id, error: { code: 'ThrottlingException' } })).status).toBe(400);
      expect((await control('POST', 'faults', { accessKeyId: id, error: { code: 'ThrottlingException' } })).status).toBe(400);
      expect(((await control('GET', 'faults', undefined)).body as { faults: unknown[] }).faults).toHaveLength(0);
    });
  }

  it('a well-formed account ID that does not exist is still a 404, a real one a 200', async () => {
    expect((await control('POST', 'model-access', { accountId: '000000000000', useCaseSubmitted: true })).status).toBe(404);
    expect((await control('POST', 'model-access', { accountId: emu.admin.accountId, useCaseSubmitted: true })).status).toBe(200);
  });
});

describe('IAM user and policy names', () => {
  it('"constructor" and "toString" are unknown users until created, then ordinary users', async () => {
    const iam = admin();
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      await expect(iam.send(new GetUserCommand({ UserName: name }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
      await iam.send(new CreateUserCommand({ UserName: name }));
      expect((await iam.send(new GetUserCommand({ UserName: name }))).User?.UserName).toBe(name);
    }
    prototypesUntouched();
  });

  it('an inline policy named "constructor" or "__proto__" is not found before it is put', async () => {
    const iam = admin();
    for (const policyName of ['constructor', '__proto__', 'toString']) {
      await expect(iam.send(new GetUserPolicyCommand({ UserName: 'admin', PolicyName: policyName }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    }
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }] });
    await iam.send(new PutUserPolicyCommand({ UserName: 'admin', PolicyName: '__proto__', PolicyDocument: doc }));
    expect(decodeURIComponent((await iam.send(new GetUserPolicyCommand({ UserName: 'admin', PolicyName: '__proto__' }))).PolicyDocument ?? '')).toBe(doc);
  });
});

describe('a persisted emulator state', () => {
  it('read back from its file still has only its own users', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'byok-emu-state-'));
    const stateFile = join(dir, 'state.json');
    try {
      const first = await startEmulator({ port: 0, stateFile });
      await first.close();
      const again = await startEmulator({ port: 0, stateFile });
      try {
        const client = new IAMClient(sdkConfig(again, 'us-east-1', again.admin));
        await expect(client.send(new GetUserCommand({ UserName: 'constructor' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
        expect((await client.send(new GetUserCommand({ UserName: 'admin' }))).User?.UserName).toBe('admin');
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
