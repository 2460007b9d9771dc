// CLI errors: a bad flag or a bad input file. main.ts prints `name: message` and exits 2 (usage)
// or 1 (everything else) without a stack trace, since these are the user's to fix, not bugs.
import { EmbedbookError } from '../core/errors';

/** A flag is missing, malformed or conflicts with another. */
export class CliUsageError extends EmbedbookError {
  override readonly name = 'CliUsageError';
  constructor(message: string, readonly flag?: string) {
    super(message);
  }
  details(): Record<string, unknown> {
    return { flag: this.flag };
  }
}

/** The input file is missing, unreadable, of an unknown kind, or lacks the asked-for column. */
export class InputFileError extends EmbedbookError {
  override readonly name = 'InputFileError';
  constructor(message: string, readonly file: string, options?: { cause?: unknown }) {
    super(message, options);
  }
  details(): Record<string, unknown> {
    return { file: this.file };
  }
}
