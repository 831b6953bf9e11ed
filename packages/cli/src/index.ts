export { type Command, type CommandEntry, type CommandFamily, wantsHelp } from './command.js';
export { EXIT, type ExitCode } from './exit-codes.js';
export { type Io, processIo } from './io.js';
export { COMMANDS, main } from './main.js';
export { UsageError } from './usage-error.js';
