// stdout when it is not a terminal: a file, a pipe, a socket or /dev/null. byok writes it straight to
// the descriptor. Node's process.stdout would build a stream for it first (for a pipe or a socket,
// node:net with it), which costs a local command more start-up than its own work (bench/startup.mjs).
// Node's streams stay where they do work: a terminal, and a descriptor that would block.
import { fstatSync, statSync, writeSync } from 'node:fs';

/** What byok writes its output through: the part of a Node writable stream it uses. */
export interface Output {
  write(chunk: string | Uint8Array, callback?: (error?: Error | null) => void): boolean;
  write(chunk: string | Uint8Array, encoding?: BufferEncoding, callback?: (error?: Error | null) => void): boolean;
}

type Callback = (error?: Error | null) => void;

export class DirectStdout implements Output {
  /**
   * The write error that lost output (ENOSPC on a full disk, EFBIG past `ulimit -f`, EIO), if any;
   * `onFailure` hears of it at once. The exit code must say so: output that was lost is not a
   * success. Everything after it is dropped.
   */
  failure: NodeJS.ErrnoException | undefined;
  /** Node's own stream for the descriptor, once a write would have blocked (EAGAIN): every later write goes there, in order. */
  private stream: NodeJS.WriteStream | undefined;
  /** The reader went away (EPIPE): not an error; what is left goes nowhere. */
  private gone = false;

  private constructor(
    private readonly fd: number,
    private readonly fallback: () => NodeJS.WriteStream,
    private readonly onFailure?: (error: NodeJS.ErrnoException) => void,
  ) {}

  private fail(error: NodeJS.ErrnoException): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.onFailure?.(error);
  }

  /**
   * A direct writer for `fd`, or undefined when it is a terminal or cannot be read (Node's stream
   * handles those). A terminal is a character device, and so are /dev/null and /dev/full: /dev/null
   * is told by its device number, without node:tty (which loads node:net); any other device asks
   * node:tty, which a terminal's stream would load anyway.
   */
  static open(fd: number, fallback: () => NodeJS.WriteStream, onFailure?: (error: NodeJS.ErrnoException) => void): DirectStdout | undefined {
    try {
      const st = fstatSync(fd);
      if (st.isFile() || st.isFIFO() || st.isSocket()) return new DirectStdout(fd, fallback, onFailure);
      if (st.isCharacterDevice() && (st.rdev === statSync('/dev/null').rdev || !(require('node:tty') as typeof import('node:tty')).isatty(fd))) return new DirectStdout(fd, fallback, onFailure);
    } catch {
      // A closed or unknown descriptor: Node's stream decides what it is.
    }
    return undefined;
  }

  write(chunk: string | Uint8Array, encodingOrCallback?: BufferEncoding | Callback, callback?: Callback): boolean {
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    const encoding = typeof encodingOrCallback === 'string' ? encodingOrCallback : 'utf8';
    if (this.stream) return this.stream.write(chunk, encoding, done);
    let rest = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    if (!this.gone && this.failure === undefined) {
      try {
        // A short write (a pipe's buffer, a file size limit) writes the rest next; the limit's second write fails with EFBIG.
        while (rest.length > 0) rest = rest.subarray(writeSync(this.fd, rest));
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === 'EAGAIN') {
          // A descriptor in non-blocking mode that is full: Node's stream waits for it.
          this.stream = this.fallback().on('error', (e: NodeJS.ErrnoException) => {
            if (e.code !== 'EPIPE') this.fail(e);
          });
          return this.stream.write(rest, done);
        }
        if (err.code === 'EPIPE') this.gone = true;
        else this.fail(err);
      }
    }
    if (done) process.nextTick(done);
    return true;
  }

  /** Resolves when everything written has reached the descriptor (at once, unless Node's stream took over). */
  flush(): Promise<void> {
    const stream = this.stream;
    return stream ? new Promise((resolve) => stream.write('', () => resolve())) : Promise.resolve();
  }
}
