// CLI errors: a bad flag or a bad input file. main.ts prints `name: message` and exits 2 (usage)
// or 1 (everything else) without a stack trace, since these are the user's to fix, not bugs.
import { EmbedbookError, registerErrorClasses } from '../core/errors';

/** A flag is missing, malformed or conflicts with another. */
export class CliUsageError extends EmbedbookError {
  override readonly name = 'CliUsageError';
  constructor(message: string, readonly flag?: string) {
    super(message);
  }
  override details(): Record<string, unknown> {
    return { flag: this.flag };
  }
}

/** The input file is missing, unreadable, of an unknown kind, or lacks the asked-for column. */
export class InputFileError extends EmbedbookError {
  override readonly name = 'InputFileError';
  constructor(message: string, readonly file: string, options?: { cause?: unknown }) {
    super(message, options);
  }
  override details(): Record<string, unknown> {
    return { file: this.file };
  }
}

/** Turns a listen() failure into an actionable message (port taken, no permission). */
export function listenError(err: unknown, host: string, port: number): Error {
  const code = (err as { code?: string } | null)?.code;
  if (code === 'EADDRINUSE') return new CliUsageError(`Port ${port} on ${host} is already in use: stop the other server or pass --port <another port> (0 picks a free one).`, 'port');
  if (code === 'EACCES') return new CliUsageError(`No permission to listen on ${host}:${port}: use a port above 1023.`, 'port');
  if (code === 'EADDRNOTAVAIL') return new CliUsageError(`Cannot listen on ${host}: no such local address; use 127.0.0.1 or 0.0.0.0.`, 'host');
  return err instanceof Error ? err : new Error(String(err));
}

registerErrorClasses({ CliUsageError, InputFileError });
