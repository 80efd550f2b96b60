// The direct stdout writer (src/cli/stdout.ts) on real descriptors: a file, a FIFO in non-blocking
// mode that fills up, a FIFO whose reader has gone. What it promises: every byte arrives, in order;
// a reader that goes away is not an error; any other failed write is kept for the exit code.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectStdout } from '../../../src/cli/stdout.js';

let dir: string;
const fds: number[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'byok-stdout-'));
});
afterEach(() => {
  for (const fd of fds.splice(0)) {
    try {
      closeSync(fd);
    } catch {
      // closed by a socket already
    }
  }
  rmSync(dir, { recursive: true, force: true });
});
const open = (path: string, flags: number): number => {
  const fd = openSync(path, flags);
  fds.push(fd);
  return fd;
};
const fifo = (): string => {
  const path = join(dir, 'fifo');
  execFileSync('mkfifo', [path]);
  return path;
};
const noFallback = (): NodeJS.WriteStream => {
  throw new Error('the fallback stream was not expected here');
};

describe('DirectStdout', () => {
  it('writes a file whole, in order, and calls each callback', async () => {
    const path = join(dir, 'out.txt');
    const fd = open(path, constants.O_WRONLY | constants.O_CREAT);
    const out = DirectStdout.open(fd, noFallback)!;
    expect(out).toBeDefined();
    let called = 0;
    out.write('one\n', () => called++);
    out.write(Buffer.from('two\n'), 'utf8', () => called++);
    out.write('drei ü\n');
    await out.flush();
    await new Promise((r) => setImmediate(r));
    expect(readFileSync(path, 'utf8')).toBe('one\ntwo\ndrei ü\n');
    expect(called).toBe(2);
    expect(out.failure).toBeUndefined();
  });

  it('hands over to a stream when a non-blocking pipe is full, and every byte still arrives in order', async () => {
    const path = fifo();
    const readFd = open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeFd = open(path, constants.O_WRONLY | constants.O_NONBLOCK);
    let handedOver = false;
    const out = DirectStdout.open(writeFd, () => {
      handedOver = true;
      return new Socket({ fd: writeFd, readable: false, writable: true }) as unknown as NodeJS.WriteStream;
    })!;
    // Far more than a pipe holds (64 KiB on Linux), in pieces, before anyone reads.
    const pieces = Array.from({ length: 40 }, (_, i) => `${String(i).padStart(3, '0')}:${'x'.repeat(8 * 1024)}\n`);
    for (const p of pieces) out.write(p);
    expect(handedOver).toBe(true);
    const reader = new Socket({ fd: readFd, readable: true, writable: false });
    const received: Buffer[] = [];
    const ended = new Promise<void>((resolve) => reader.on('end', resolve));
    reader.on('data', (c: Buffer) => received.push(c));
    await out.flush();
    (out as unknown as { stream: Socket }).stream.end();
    await ended;
    expect(Buffer.concat(received).toString('utf8')).toBe(pieces.join(''));
    expect(out.failure).toBeUndefined();
  });

  it('treats a reader that went away (EPIPE) as no error: later writes go nowhere, callbacks still run', async () => {
    const path = fifo();
    const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeFd = open(path, constants.O_WRONLY | constants.O_NONBLOCK);
    closeSync(readFd);
    const out = DirectStdout.open(writeFd, noFallback)!;
    let called = 0;
    expect(() => out.write('lost\n', () => called++)).not.toThrow();
    out.write('also lost\n', () => called++);
    await new Promise((r) => setImmediate(r));
    expect(called).toBe(2);
    expect(out.failure).toBeUndefined();
  });

  it('keeps a failed write (ENOSPC on /dev/full) for the exit code and drops what follows', async () => {
    const fd = open('/dev/full', constants.O_WRONLY);
    const out = DirectStdout.open(fd, noFallback);
    // /dev/full is a character device that is no terminal: written directly, like /dev/null.
    expect(out).toBeDefined();
    let called = 0;
    out!.write('first\n', () => called++);
    out!.write('second\n', () => called++);
    await new Promise((r) => setImmediate(r));
    expect(out!.failure?.code).toBe('ENOSPC');
    expect(called).toBe(2);
  });
});
