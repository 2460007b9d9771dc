// Runs async jobs in arrival order, `slots` at a time (default one). One per session: a second
// concurrent run() on the same onnxruntime session would only contend for the same threads (or, on
// WebGPU, the same queue) and make per-batch latency unpredictable; a session made of several
// inference workers (src/worker/inference-pool.ts) takes as many as its `concurrency`.
export class SerialQueue {
  private readonly waiting: Array<() => void> = [];
  private running = 0;
  private pending = 0;

  constructor(private readonly slots = 1) {}

  /** Jobs queued or running. */
  get size(): number {
    return this.pending;
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    this.pending++;
    if (this.running >= this.slots) await new Promise<void>((start) => this.waiting.push(start));
    else this.running++;
    try {
      return await job();
    } finally {
      this.pending--;
      // The slot passes straight to the next job in line (running stays counted), else frees up.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
