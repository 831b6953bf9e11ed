/**
 * Everything a command touches outside its arguments. `main` runs against the real
 * process by default; tests pass their own to capture output and feed stdin.
 */
export interface Io {
  /** Writes to standard output (human or JSON result). */
  stdout(text: string): void;
  /** Writes to standard error (failures of the command itself, warnings). */
  stderr(text: string): void;
  /** Standard input as a byte stream, for the `-` file argument. */
  stdin(): AsyncIterable<Uint8Array>;
  /** Environment variables (for example TRADEWIND_SECRET). */
  env: Record<string, string | undefined>;
}

/** The Io of the running process. */
export function processIo(): Io {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdin: () => process.stdin,
    env: process.env,
  };
}
