// `embedbook` command line: serve, worker, deploy, embed, start, bench. Each command lives in its own module and is
// imported lazily, so `embedbook --help` or `embedbook deploy` never loads onnxruntime.
import { Command, CommanderError, Option } from 'commander';
import { describeError } from '../core/errors';
import { addListenOptions, addPoolOptions } from './command-options';
import type { RawEmbedFlags } from './embed-options';

/** Where a command writes; injected so tests capture output without spawning a process. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** True when stderr is a terminal: redraw the progress bar in place. */
  isTTY: boolean;
  /** Resolves when the user asks to stop (Ctrl-C); long-running commands race against it. */
  signal?: AbortSignal;
}

export const processIO = (): CliIO => {
  const ac = new AbortController();
  // First Ctrl-C cancels gracefully (finished chunks are kept); a second one exits at once.
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130);
    ac.abort(new Error('interrupted (Ctrl-C)'));
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    isTTY: Boolean(process.stderr.isTTY),
    signal: ac.signal,
  };
};

/** Exit code 2 for usage errors (like commander's own), 1 for everything else. */
const USAGE_ERRORS = new Set(['CliUsageError', 'InvalidOptionError']);

export function buildProgram(io: CliIO, done: (code: number) => void): Command {
  const program = new Command('embedbook')
    .description('Turn a dataset into embeddings: local model or a function-queue server.')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run `embedbook <command> --help` for the flags)');

  program
    .command('embed')
    .description('Embed one text column of a CSV or Parquet file into a Parquet file (all input columns + `embedding`).')
    .argument('<input>', 'input .csv, .tsv, .jsonl or .parquet file')
    .option('-c, --column <name>', 'text column to embed', 'text')
    .option('--text-template <template>', 'embed a text built from several columns, e.g. "{package}: {description}" (replaces --column)')
    .option('--delimiter <char>', 'CSV delimiter: , ; tab | (default: detected)')
    .option('--chunk-size <rows>', 'rows per chunk (default 50; exclusive with --num-chunks)')
    .option('--num-chunks <n>', 'split the input into this many chunks (exclusive with --chunk-size)')
    .option('--concurrent-chunks <n>', 'chunks in flight at once (default 4)')
    .option('--timeout <seconds>', 'per-chunk timeout in seconds, or "none" (default none)')
    .option('--retries <n>', 'extra attempts for a failed or timed-out chunk (default 0)')
    .option('-o, --output <file>', 'output Parquet file', 'embeddings.parquet')
    .option('--remote <url>', 'run on an embedbook server instead of the local model')
    .option('--api-key <key>', 'API key for --remote (or EMBEDBOOK_API_KEY)')
    .option('--function <name>', 'function on the server (default embed)')
    .option('--model <name|id|dir>', 'local model: "default", a Hugging Face id org/name[@revision] (HF_ENDPOINT, HF_TOKEN) or a folder (default default)')
    .option('--device <device>', 'local device: auto | cpu | cuda | webgpu (default auto)')
    .option('--dtype <dtype>', 'local model file: fp32 | fp16 | q8 | q4 (default fp32, or what the repo has)')
    .option('--prompt <name>', "local model's prompt from its config_sentence_transformers.json, e.g. query (default: the model's default prompt)")
    .option('-q, --quiet', 'no progress bar')
    .option('--force', 'replace an existing output file (and any unfinished run of another command)')
    .option('--resume', 'continue an unfinished run of this command (re-running it does the same)')
    .option('--compression <codec>', 'output Parquet codec: zstd | snappy | none (default zstd; snappy, pyarrow\'s default, is ~3× cheaper for embeddings and ~12% larger)')
    .option('--row-group-rows <n>', 'rows per output row group, also how often finished rows are saved for a resume (default 10000)')
    .action(async (input: string, flags: RawEmbedFlags) => {
      const { runEmbed } = await import('./embed-command');
      if (flags.remote && flags.apiKey === undefined && process.env.EMBEDBOOK_API_KEY) flags.apiKey = process.env.EMBEDBOOK_API_KEY;
      done(await runEmbed(input, flags, io));
    });

  const serve = program.command('serve').description('Run the function-queue server (Ctrl-C drains in-flight calls and stops).');
  addListenOptions(serve, {
    port: ['port (0 picks a free one)', '7711'],
    between: (c) =>
      c
        .option('--api-key <key>', 'require this bearer key on every route (better: --api-key-file or EMBEDBOOK_API_KEY, which `ps` does not show)')
        .option('--api-key-file <file>', 'read the API key from this file'),
    adminKey: 'key for deploy/remove (default: the API key; without either, deploy is off; or EMBEDBOOK_ADMIN_KEY)',
    insecureNoAuth: 'allow a non-loopback --host with no API key (anyone who can reach it can call every function)',
  })
    .addOption(new Option('--cors-origin <origin...>', 'allowed browser origins (repeatable)'))
    .option('--no-default-function', 'do not pre-deploy the built-in "embed" function (default model)')
    .option('--store <memory|redis-url>', 'queue store: memory (default), or redis://host:port (redis-cluster://host:port[,host:port…] for a Redis Cluster) to share one queue across servers (or EMBEDBOOK_STORE)')
    .option('--reclaim-idle-ms <ms>', 'shared store: rows in flight on a server silent this long are taken over by the others (default 30000)');
  addPoolOptions(serve, {
    workers: 'worker threads running handlers (default: one per core; 0 = an API node, with --store redis://…)',
    device: 'what the --gpus workers run models on: auto (CUDA, else a hardware WebGPU adapter, else CPU) | cuda | webgpu',
    allowCpuFallback: 'run functions that ask for a GPU no worker has on CPU workers instead of refusing them',
  })
    .option('--max-queued-rows <n>', 'accepted-but-unfinished rows before submits get 429 (default 100000)')
    .option('--body-limit <bytes>', 'max request body: bytes or 512KiB / 64MiB / 1GiB (default 32MiB)')
    .option('--max-held-results <bytes>', 'finished results held unread before submits get 429: bytes or 512MiB / 4GiB (default 1GiB)')
    .action(async (flags) => {
      const { runServe } = await import('./serve-command');
      done(await runServe(flags, io));
    });

  const worker = program
    .command('worker')
    .description('Run a worker node: no API; runs batches of the functions deployed to the shared store (Ctrl-C finishes running batches and stops).')
    .option('--store <redis-url>', 'the shared store the API nodes use, redis://host:port or redis-cluster://host:port[,…] (or EMBEDBOOK_STORE)');
  addPoolOptions(worker, {
    workers: 'worker threads running handlers (default: one per core)',
    device: 'what the --gpus workers run models on: auto | cuda | webgpu',
    allowCpuFallback: 'run functions that ask for a GPU no worker has on CPU workers',
  })
    .option('--health-port <port>', 'serve GET /health and GET /metrics on this port (0 picks a free one)')
    .option('--health-host <host>', 'interface for --health-port', '127.0.0.1')
    .option('--reclaim-idle-ms <ms>', 'rows in flight on a node silent this long are taken over by the others (default 30000)')
    .action(async (flags) => {
      const { runWorker } = await import('./worker-command');
      done(await runWorker(flags, io));
    });

  program
    .command('deploy')
    .description('Bundle a function definition (e.g. embed.function.ts) and deploy it to a running server.')
    .argument('<file>', 'a module whose default export is defineFunction({...})')
    .option('--url <url>', 'server URL', 'http://127.0.0.1:7711')
    .option('--admin-key <key>', 'admin key (or EMBEDBOOK_ADMIN_KEY)')
    .action(async (file: string, flags) => {
      const { runDeploy } = await import('./deploy-command');
      done(await runDeploy(file, flags, io));
    });

  program
    .command('bench')
    .description('Run a benchmark from bench/ (what `npm run bench -- <name>` runs); with no name, list them.')
    .argument('[name]', 'benchmark to run, or "all"')
    .argument('[args...]', 'its own flags, e.g. --rows 640 (see the top of bench/<name>.bench.ts)')
    .allowUnknownOption()
    .helpOption('-h, --help', 'this help (flags after the name go to the benchmark)')
    .action(async (name: string | undefined, args: string[]) => {
      const { runBenchCommand } = await import('./bench-command');
      done(await runBenchCommand(name, args, io));
    });

  const start = program.command('start').description('Build the app if needed and serve it with an in-process queue under /api (what `npm start` runs).');
  addListenOptions(start, {
    port: ['port', '5173'],
    between: (c) => c.option('--rebuild', 'build the app even if dist/ is up to date'),
    adminKey: 'turn deploy/remove under /api on, with this key (or EMBEDBOOK_ADMIN_KEY; default: off)',
    insecureNoAuth: 'allow a non-loopback --host (the queue under /api has no API key)',
  }).action(async (flags) => {
    const { runStart } = await import('./start-command');
    done(await runStart(flags, io));
  });

  return program;
}

/** Runs the CLI; resolves with the exit code. Never throws: errors are printed as `Name: message`. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed help/version/usage text.
      return err.exitCode === 0 ? 0 : 2;
    }
    io.stderr(`embedbook: ${describeError(err)}\n`);
    return err instanceof Error && USAGE_ERRORS.has(err.name) ? 2 : 1;
  }
}
