// A failed row's status as data: `{ code, message }`. `code` is stable (switch on it: the code of
// the error class that failed the row, or one of the codes below); `message` is for people. One
// normalisation for whatever a batch function or a wire answer gives (a plain string stays allowed
// for handler authors), so no caller ever parses a message to learn what happened.
import { describeError, EmbedbookError, errorCode } from './errors';
import type { RowError } from './types';

/** A row error given as plain text (a handler's `errors: ['too long']`): no more specific code. */
export const ROW_ERROR_CODE = 'ROW_ERROR';
/** A value that does not fit the call's output type (core/output-type.ts valueProblem). */
export const OUTPUT_TYPE_CODE = 'OUTPUT_TYPE';
/** A row whose input text is a true null/undefined (Parquet/JSONL null): nothing to embed; the notebook does not count it as failed. */
export const NULL_TEXT_CODE = 'NULL_TEXT';
/** A row whose input cell is not text (a number, an object…): the embedder cannot read it. */
export const NOT_TEXT_CODE = 'NOT_TEXT';
/** The tokenizer threw on a row's text. */
export const TOKENIZER_FAILED_CODE = 'TOKENIZER_FAILED';

/** Longest code kept from outside (a handler or a wire answer); codes are short identifiers. */
const MAX_CODE_LENGTH = 64;
/**
 * Longest message kept per row: a handler's error text is outside input and is stored once per
 * failed row (result tables, stores, Parquet), so a runaway message cannot multiply into memory.
 */
export const MAX_ROW_MESSAGE_LENGTH = 4_000;

function capMessage(text: string): string {
  return text.length <= MAX_ROW_MESSAGE_LENGTH ? text : `${text.slice(0, MAX_ROW_MESSAGE_LENGTH)}… (${text.length - MAX_ROW_MESSAGE_LENGTH} more characters cut)`;
}

export function isRowError(e: unknown): e is RowError {
  return typeof e === 'object' && e !== null && typeof (e as RowError).code === 'string' && typeof (e as RowError).message === 'string';
}

/**
 * A per-row error as given by a batch function (string, `{ code, message }`, or anything else a
 * loose handler returns) → RowError; null/undefined/'' stay null (= the row is ok). A code that is
 * not a short non-empty string becomes ROW_ERROR, an empty message a message that says so.
 */
export function toRowError(e: unknown): RowError | null {
  if (e === null || e === undefined || e === '') return null;
  if (typeof e === 'string') return { code: ROW_ERROR_CODE, message: capMessage(e) };
  if (typeof e === 'object' && 'message' in e) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    const okCode = typeof code === 'string' && code.length > 0 && code.length <= MAX_CODE_LENGTH;
    const text = typeof message === 'string' ? message : String(message);
    return { code: okCode ? code : ROW_ERROR_CODE, message: capMessage(text) || 'failed (the batch function gave an empty error message)' };
  }
  return { code: ROW_ERROR_CODE, message: capMessage(String(e)) };
}

/** The row error for a thrown value: its class's code (TimeoutError → TIMEOUT), the one-line description. */
export function rowErrorFrom(err: unknown): RowError {
  let code = 'ERROR';
  if (err instanceof EmbedbookError) code = err.code;
  else if (typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string') code = (err as { code: string }).code;
  else if (err instanceof Error) code = errorCode(err.name || 'Error');
  return { code, message: describeError(err) };
}
