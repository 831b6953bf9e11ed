import { fstatSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';

/**
 * Everything a command touches outside its arguments. `main` runs against the real
 * process by default; tests pass their own to capture output and feed stdin.
 */
export interface Io {
  /** Writes to standard output (human or JSON result). Throws when the output cannot be written. */
  stdout(text: string): void;
  /** Writes to standard error (failures of the command itself, warnings). */
  stderr(text: string): void;
  /** Standard input as a byte stream, for the `-` file argument. */
  stdin(): AsyncIterable<Uint8Array>;
  /** Environment variables (for example TRADEWIND_SECRET). */
  env: Record<string, string | undefined>;
  /** Standard error is a terminal: a progress bar may redraw itself in place there. */
  stderrIsTerminal?: boolean;
  /** Standard input is a terminal: a command may ask the user there (`wallet respond`). */
  stdinIsTerminal?: boolean;
}

/** The Io of the running process. */
export function processIo(): Io {
  return {
    stdout: writerFor(1, process.stdout),
    stderr: quiet(writerFor(2, process.stderr)),
    stdin: () => process.stdin,
    env: process.env,
    stderrIsTerminal: process.stderr.isTTY === true,
    stdinIsTerminal: process.stdin.isTTY === true,
  };
}

/** Standard error is where failures are reported: when it cannot be written either, there is nowhere left to say so. */
function quiet(write: (text: string) => void): (text: string) => void {
  return (text) => {
    try {
      write(text);
    } catch {
      // the exit status still tells
    }
  };
}

/**
 * Output redirected to a file or a device (`> cred.jwt`, `> /dev/full`) is written
 * with write(2) in a loop: Node's own stream for it drops the rest of a short write
 * (a file size limit, a full disk) and exits 0 with half a credential in the file, or
 * dies on an unhandled error event. Here the failure is thrown (EFBIG, ENOSPC, …) and
 * the command reports STORAGE_ERROR, exit 2. Terminals and pipes keep Node's stream.
 */
function writerFor(fd: number, stream: NodeJS.WriteStream): (text: string) => void {
  let direct = false;
  try {
    const stat = fstatSync(fd);
    direct = !isatty(fd) && (stat.isFile() || stat.isCharacterDevice());
  } catch {
    // a closed descriptor: leave it to the stream
  }
  if (!direct) return (text) => void stream.write(text);
  return (text) => {
    const bytes = Buffer.from(text, 'utf8');
    let offset = 0;
    while (offset < bytes.byteLength) offset += writeSync(fd, bytes, offset, bytes.byteLength - offset);
  };
}
