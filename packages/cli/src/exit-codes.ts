/**
 * Exit codes shared by every `tradewind` command. Scripts branch on these, so they
 * never change meaning.
 */
export const EXIT = {
  /** The command did what was asked (for `verify`: the input verified). */
  OK: 0,
  /** A negative result: not verified, not found, refused. The output says why. */
  NEGATIVE: 1,
  /** The command could not run as asked: bad flags, unreadable files, invalid values. */
  USAGE: 2,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
