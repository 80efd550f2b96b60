// 200 concurrent signed requests from several accounts, in this process and in child processes:
// every answer right, nothing mixed between accounts.
import { spawn } from 'node:child_process';
import { CreateUserCommand, GetUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sdkConfig, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => emu.close());

it('answers 200 concurrent requests across accounts and processes correctly', async () => {
  const accounts = [{ accountId: emu.admin.accountId, admin: emu.admin }, ...(await Promise.all([1, 2, 3].map(() => emu.control.createAccount())))];
  const calls: Promise<void>[] = [];
  for (let i = 0; i < 160; i++) {
    const a = accounts[i % accounts.length]!;
    const creds = { accessKeyId: a.admin.accessKeyId, secretAccessKey: a.admin.secretAccessKey };
    if (i % 2 === 0) {
      calls.push(new STSClient(sdkConfig(emu, 'us-east-1', creds)).send(new GetCallerIdentityCommand({})).then((r) => expect(r.Account).toBe(a.accountId)));
    } else {
      const name = `user-${i}`;
      const iam = new IAMClient(sdkConfig(emu, 'us-east-1', creds));
      calls.push(iam.send(new CreateUserCommand({ UserName: name })).then(async (r) => {
        expect(r.User?.Arn).toBe(`arn:aws:iam::${a.accountId}:user/${name}`);
        expect((await iam.send(new GetUserCommand({ UserName: name }))).User?.Arn).toContain(a.accountId);
      }));
    }
  }
  // 40 more from two child processes, each as a different account.
  const child = (a: (typeof accounts)[number]) =>
    new Promise<string>((resolve, reject) => {
      const script = `const {STSClient,GetCallerIdentityCommand}=require('@aws-sdk/client-sts');const c=new STSClient({region:'us-east-1',endpoint:process.env.E,maxAttempts:1,credentials:{accessKeyId:process.env.K,secretAccessKey:process.env.S}});Promise.all(Array.from({length:20},()=>c.send(new GetCallerIdentityCommand({})))).then(r=>console.log(JSON.stringify(r.map(x=>x.Account))),e=>{console.error(e);process.exit(1)})`;
      const p = spawn(process.execPath, ['-e', script], { env: { ...process.env, E: emu.url, K: a.admin.accessKeyId, S: a.admin.secretAccessKey }, cwd: process.cwd() });
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d));
      p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}`))));
    });
  const [r1, r2] = await Promise.all([child(accounts[1]!), child(accounts[2]!), Promise.all(calls)]);
  expect(JSON.parse(r1 as string)).toEqual(Array(20).fill(accounts[1]!.accountId));
  expect(JSON.parse(r2 as string)).toEqual(Array(20).fill(accounts[2]!.accountId));
  const state = await emu.control.state();
  for (const a of state.accounts) for (const u of a.users) if (u.name.startsWith('user-')) expect(Number(u.name.slice(5)) % accounts.length).toBe(accounts.findIndex((x) => x.accountId === a.accountId));
}, 60_000);
