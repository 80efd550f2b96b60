// Prompts behind an interface (STYLE §4). The inquirer implementation is loaded by dynamic
// import so commands that never prompt never load @inquirer/prompts.
import { CancelledError, UsageError } from '../core/errors.js';
import type { Io } from './io.js';

export interface Choice<T extends string> {
  value: T;
  name: string;
  description?: string;
}

export interface Prompter {
  input(message: string, opts?: { default?: string; validate?: (v: string) => true | string; flag: string }): Promise<string>;
  password(message: string, opts?: { validate?: (v: string) => true | string; flag?: string }): Promise<string>;
  select<T extends string>(message: string, choices: Choice<T>[], opts?: { default?: T; flag: string }): Promise<T>;
  confirm(message: string, opts?: { default?: boolean; flag: string }): Promise<boolean>;
}

/** Used whenever prompting is not allowed: a missing answer names the flag that supplies it. */
export function nonInteractivePrompter(): Prompter {
  const refuse = (flag: string | undefined, message: string): never => {
    throw new UsageError(
      'missing-input',
      `${message.replace(/[:?]\s*$/, '')}: no value given and byok cannot prompt here (stdin is not a terminal, CI is set, or --non-interactive).`,
      flag ? `Pass ${flag}.` : 'Run it in a terminal, or pass the value as a flag.',
    );
  };
  return {
    input: async (m, o) => refuse(o?.flag, m),
    password: async (m, o) => refuse(o?.flag, m),
    select: async (m, _c, o) => refuse(o?.flag, m),
    confirm: async (m, o) => refuse(o?.flag, m),
  };
}

function isExitPromptError(e: unknown): boolean {
  return e instanceof Error && (e.name === 'ExitPromptError' || e.name === 'AbortPromptError');
}

export async function inquirerPrompter(io: Io): Promise<Prompter> {
  const inq = await import('@inquirer/prompts');
  const context = { input: io.stdin as NodeJS.ReadableStream, output: io.stderr as NodeJS.WritableStream, clearPromptOnDone: false };
  const wrap = async <T>(p: () => Promise<T>): Promise<T> => {
    try {
      return await p();
    } catch (e) {
      if (isExitPromptError(e)) throw new CancelledError();
      throw e;
    }
  };
  return {
    input: (message, o) =>
      wrap(() => inq.input({ message, default: o?.default, validate: o?.validate ? (v: string) => o.validate!(v) : undefined }, context)),
    password: (message, o) =>
      wrap(() => inq.password({ message, mask: '*', validate: o?.validate ? (v: string) => o.validate!(v) : undefined }, context)),
    select: <T extends string>(message: string, choices: Choice<T>[], o?: { default?: T }) =>
      wrap(() => inq.select<T>({ message, choices, default: o?.default }, context)),
    confirm: (message, o) => wrap(() => inq.confirm({ message, default: o?.default }, context)),
  };
}
