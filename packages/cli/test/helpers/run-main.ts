import type { CommandEntry } from '../../src/command.js';
import type { Io } from '../../src/io.js';
import { main } from '../../src/main.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tradewind …` in-process with captured output and the given stdin and environment. */
export async function runMain(
  argv: string[],
  options: { stdin?: string; env?: Record<string, string>; commands?: readonly CommandEntry[]; terminal?: boolean } = {},
): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    async *stdin() {
      if (options.stdin !== undefined) yield new TextEncoder().encode(options.stdin);
    },
    env: options.env ?? {},
    stderrIsTerminal: options.terminal === true,
  };
  const code = options.commands ? await main(argv, io, options.commands) : await main(argv, io);
  return { code, stdout, stderr };
}
