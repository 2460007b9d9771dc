// Prometheus text exposition, hand-written (no client library): counters, gauges and histograms
// labelled by function. https://prometheus.io/docs/instrumenting/exposition_formats/
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: number[]) {
    this.counts = new Array(buckets.length).fill(0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]) this.counts[i]++;
  }
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export interface FunctionCounters {
  calls: number;
  rows: number;
  doneRows: number;
  failedRows: number;
  retries: number;
  batches: number;
  batchSize: Histogram;
  handlerSeconds: Histogram;
}

export class Metrics {
  readonly perFunction = new Map<string, FunctionCounters>();
  workerRestarts = 0;
  rejectedFull = 0;

  fn(name: string): FunctionCounters {
    let c = this.perFunction.get(name);
    if (!c) {
      c = { calls: 0, rows: 0, doneRows: 0, failedRows: 0, retries: 0, batches: 0, batchSize: new Histogram(BATCH_BUCKETS), handlerSeconds: new Histogram(LATENCY_BUCKETS) };
      this.perFunction.set(name, c);
    }
    return c;
  }

  /**
   * Renders everything; `depth` gives queued rows per function (empty while the store is down),
   * `workers` the pool's state and `store` whether the queue store answers.
   */
  render(depth: Map<string, number>, workers: { size: number; busy: number; queuedBatches: number }, store?: { up: boolean; errors: number; outages: number }): string {
    const out: string[] = [];
    const metric = (name: string, type: string, help: string, lines: string[]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
    };
    const fns = [...new Set([...this.perFunction.keys(), ...depth.keys()])].sort();
    const each = (pick: (c: FunctionCounters) => number) => fns.map((f) => `{function="${esc(f)}"} ${pick(this.fn(f))}`);
    metric('embedbook_queue_depth_rows', 'gauge', 'Rows accepted and not finished (waiting or in a running batch).', fns.map((f) => `embedbook_queue_depth_rows{function="${esc(f)}"} ${depth.get(f) ?? 0}`));
    metric('embedbook_calls_total', 'counter', 'Calls accepted.', each((c) => c.calls).map((l) => `embedbook_calls_total${l}`));
    metric('embedbook_rows_total', 'counter', 'Rows accepted.', each((c) => c.rows).map((l) => `embedbook_rows_total${l}`));
    metric('embedbook_rows_done_total', 'counter', 'Rows finished (ok or failed).', each((c) => c.doneRows).map((l) => `embedbook_rows_done_total${l}`));
    metric('embedbook_rows_failed_total', 'counter', 'Rows that ended with an error status.', each((c) => c.failedRows).map((l) => `embedbook_rows_failed_total${l}`));
    metric('embedbook_retries_total', 'counter', 'Batch invocations retried after a failure.', each((c) => c.retries).map((l) => `embedbook_retries_total${l}`));
    const hist = (name: string, help: string, pick: (c: FunctionCounters) => Histogram) => {
      const lines: string[] = [];
      for (const f of fns) {
        const h = pick(this.fn(f));
        h.buckets.forEach((b, i) => lines.push(`${name}_bucket{function="${esc(f)}",le="${b}"} ${h.counts[i]}`));
        lines.push(`${name}_bucket{function="${esc(f)}",le="+Inf"} ${h.count}`, `${name}_sum{function="${esc(f)}"} ${h.sum}`, `${name}_count{function="${esc(f)}"} ${h.count}`);
      }
      metric(name, 'histogram', help, lines);
    };
    hist('embedbook_batch_size_rows', 'Rows per handler invocation.', (c) => c.batchSize);
    hist('embedbook_handler_seconds', 'Time inside the handler per invocation, measured in the worker.', (c) => c.handlerSeconds);
    metric('embedbook_worker_restarts_total', 'counter', 'Workers replaced after a crash or a hang.', [`embedbook_worker_restarts_total ${this.workerRestarts}`]);
    metric('embedbook_rejected_queue_full_total', 'counter', 'Calls answered 429 because the queue was full.', [`embedbook_rejected_queue_full_total ${this.rejectedFull}`]);
    metric('embedbook_workers', 'gauge', 'Worker threads in the pool.', [`embedbook_workers ${workers.size}`]);
    metric('embedbook_workers_busy', 'gauge', 'Workers running a batch.', [`embedbook_workers_busy ${workers.busy}`]);
    metric('embedbook_batches_waiting', 'gauge', 'Cut batches waiting for a free worker.', [`embedbook_batches_waiting ${workers.queuedBatches}`]);
    if (store) {
      metric('embedbook_store_up', 'gauge', 'Whether the queue store (e.g. Redis) answered the last call (1) or is failing (0).', [`embedbook_store_up ${store.up ? 1 : 0}`]);
      metric('embedbook_store_errors_total', 'counter', 'Queue store calls that failed.', [`embedbook_store_errors_total ${store.errors}`]);
      metric('embedbook_store_outages_total', 'counter', 'Times the queue store went from answering to failing.', [`embedbook_store_outages_total ${store.outages}`]);
    }
    return out.join('\n') + '\n';
  }
}
