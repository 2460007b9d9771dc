// Runs async jobs one at a time in arrival order. One per session: a second concurrent run() on
// the same onnxruntime session would only contend for the same threads (or, on WebGPU, the same
// queue) and make per-batch latency unpredictable.
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** Jobs queued or running. */
  get size(): number {
    return this.pending;
  }

  run<T>(job: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(() => job());
    // The chain continues whether the job fulfils or rejects; callers see their own outcome.
    this.tail = result.then(
      () => this.pending--,
      () => this.pending--,
    );
    return result;
  }
}
