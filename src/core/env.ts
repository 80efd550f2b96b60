// The process environment as byok reads it: injected, never read from `process` below the CLI.
export type Env = Readonly<Record<string, string | undefined>>;
