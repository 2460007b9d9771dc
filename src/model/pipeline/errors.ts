// One error class per meaning, each with a stable `name` and a message that names the bad value
// and how to fix it. Thrown by the session adapters, the model registry and the embedder.
import { EmbedbookError, registerErrorClasses } from '../../core/errors';

/** The model file could not be loaded as ONNX (not a model, truncated, unsupported opset…). */
export class InvalidModelError extends EmbedbookError {
  override readonly name = 'InvalidModelError';
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file} is not a loadable ONNX model: ${detail}. Point the model source at an .onnx file (e.g. onnx/model.onnx in a Hugging Face folder).`);
  }
  override details(): Record<string, unknown> {
    return { file: this.file, detail: this.detail };
  }
}

/** A model file that cannot be used as it is: `file: detail`, both kept for the serialized error. */
export abstract class ModelFileProblemError extends EmbedbookError {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
  override details(): Record<string, unknown> {
    return { file: this.file, detail: this.detail };
  }
}

/**
 * The model's inputs/outputs are not what an embedding model needs (the one class for this
 * meaning: the session adapters' signature check and the model sources' BERT-input check).
 */
export class ModelSignatureError extends ModelFileProblemError {
  override readonly name = 'ModelSignatureError';
  constructor(
    file: string,
    detail: string,
    /** The graph's input names, when known. */
    readonly inputNames: readonly string[] = [],
  ) {
    super(file, detail);
  }
  override details(): Record<string, unknown> {
    return { ...super.details(), inputNames: [...this.inputNames] };
  }
}

/** The requested execution device cannot run here. */
export class DeviceUnavailableError extends EmbedbookError {
  override readonly name = 'DeviceUnavailableError';
  constructor(
    readonly device: string,
    readonly reason: string,
  ) {
    super(`device '${device}' is unavailable: ${reason}`);
  }
  override details(): Record<string, unknown> {
    return { device: this.device, reason: this.reason };
  }
}

/** A device name outside the supported set for this runtime. */
export class UnknownDeviceError extends EmbedbookError {
  override readonly name = 'UnknownDeviceError';
  constructor(
    readonly device: unknown,
    readonly allowed: readonly string[],
  ) {
    super(`unknown device ${JSON.stringify(device)} for this runtime; allowed: ${allowed.map((d) => `'${d}'`).join(', ')}`);
  }
  override details(): Record<string, unknown> {
    return { device: String(this.device), allowed: this.allowed };
  }
}

/** The session was used after dispose(). */
export class SessionDisposedError extends EmbedbookError {
  override readonly name = 'SessionDisposedError';
  constructor() {
    super('the embedding session was disposed; create a new runtime to embed again');
  }
}

/**
 * WebGPU (onnxruntime-node's Dawn-over-Vulkan provider) was asked for and no adapter can be had.
 * `missing` names the layer that is absent: the Vulkan loader, a driver (ICD), or an adapter.
 */
export class GpuUnavailableError extends EmbedbookError {
  override readonly name = 'GpuUnavailableError';
  constructor(
    readonly missing: 'vulkan-loader' | 'driver' | 'adapter',
    readonly reason: string,
  ) {
    const what = missing === 'vulkan-loader' ? 'no Vulkan loader' : missing === 'driver' ? 'no Vulkan driver' : 'no WebGPU adapter';
    super(`device 'webgpu' is unavailable (${what}): ${reason}. Use device 'cpu' (or 'auto') to run without a GPU; docs/runtime.md explains the GPU setup.`);
  }
  override details(): Record<string, unknown> {
    return { device: 'webgpu', missing: this.missing, reason: this.reason };
  }
}

registerErrorClasses({ InvalidModelError, ModelSignatureError, DeviceUnavailableError, UnknownDeviceError, SessionDisposedError, GpuUnavailableError });
