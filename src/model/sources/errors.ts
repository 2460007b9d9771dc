// Error classes for loading a model's file set. Each has a stable `name`.
import { EmbedbookError, registerErrorClasses } from '../../core/errors';

/** Required files are missing (or could not be fetched): lists what was found and what is expected. */
export class ModelFilesMissingError extends EmbedbookError {
  override readonly name = 'ModelFilesMissingError';
  constructor(
    message: string,
    readonly missing: string[],
    readonly found: string[],
  ) {
    super(message);
  }
}

/** A file is not what its name says (model.onnx is not ONNX, tokenizer.json is not JSON…). */
export class ModelFormatError extends EmbedbookError {
  override readonly name = 'ModelFormatError';
}

/** The ONNX graph's inputs do not match a BERT layout: one class, defined with the session's checks. */
export { ModelSignatureError } from '../pipeline/errors';

/** HTTP failure other than a missing file (401, 500, network error). */
export class ModelDownloadError extends EmbedbookError {
  override readonly name = 'ModelDownloadError';
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number,
    /** The HTTP status text, when the server answered. */
    readonly statusText?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

registerErrorClasses({ ModelFilesMissingError, ModelFormatError, ModelDownloadError });
