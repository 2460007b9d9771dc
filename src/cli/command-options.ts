// Flags that several long-running commands share, declared once so their names, forms and parsing
// stay the same: where to listen and who may deploy (serve, start), and the worker pool (serve,
// worker). Each command passes only the help text that differs. Imports nothing heavy: main.ts
// builds every command's help from these.
import { Option, type Command } from 'commander';

/** --host, --port, --admin-key[-file], --allowed-hosts, --insecure-no-auth. */
export function addListenOptions(cmd: Command, help: { port: [text: string, fallback: string]; adminKey: string; insecureNoAuth: string; between?: (cmd: Command) => Command }): Command {
  cmd.option('--host <host>', 'interface to listen on', '127.0.0.1').option('--port <port>', ...help.port);
  help.between?.(cmd);
  return cmd
    .option('--admin-key <key>', help.adminKey)
    .option('--admin-key-file <file>', 'read the admin key from this file')
    .addOption(new Option('--allowed-hosts <host...>', 'Host names to answer besides the bind address and localhost/127.0.0.1/[::1] (name or name:port; * = any)'))
    .option('--insecure-no-auth', help.insecureNoAuth);
}

/** --workers, --gpus, --device, --threads-per-worker, --allow-cpu-fallback. */
export function addPoolOptions(cmd: Command, help: { workers: string; device: string; allowCpuFallback: string }): Command {
  return cmd
    .option('--workers <n>', help.workers)
    .option('--gpus <n|kinds>', 'one worker per GPU: a count (kind "gpu") or kinds, e.g. nvidia-l4,nvidia-l4 (exclusive with --workers)')
    .option('--device <device>', help.device)
    .option('--threads-per-worker <n>', 'onnxruntime intra-op threads per worker (default: cores / workers)')
    .option('--allow-cpu-fallback', help.allowCpuFallback);
}
