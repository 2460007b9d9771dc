// The equivalent library call for the current settings ("copy as code").
import type { BackendSpec, ModelChoice } from '../../../worker/api';
import { isTextTemplate } from '../../../io/text-template';
import type { ChunkingValidation } from './validate-chunking';

/**
 * `textColumn` is the Dataset cell's choice: a column's name or a text template such as
 * `{package}: {description}` (a choice that names one of `columns` is that column, as in src/io).
 */
export function chunkedCallCode(v: ChunkingValidation, backend: BackendSpec, textColumn: string | null, fileName: string | null, columns: readonly string[] = []): string {
  const choice = textColumn ?? 'text';
  const template = !columns.includes(choice) && isTextTemplate(choice);
  const chunking = v.chunking ? (v.chunking.mode === 'chunkSize' ? `chunkSize: ${v.chunking.chunkSize}` : `numChunks: ${v.chunking.numChunks}`) : 'chunkSize: 64';
  const opts = [chunking, `concurrentChunks: ${v.concurrentChunks}`, v.timeout === null ? 'timeout: undefined /* wait forever */' : `timeout: ${v.timeout}`, `retries: ${v.retries}`];
  const imports =
    backend.kind === 'remote'
      ? [`import { Remote, readCsv${template ? ', parseTextTemplate, renderTextTemplate' : ''} } from 'embedbook'; // readParquet for .parquet`, `import { Field, Float32, List, Table } from 'apache-arrow';`]
      : [`import { LocalRuntime, readCsv${template ? ', parseTextTemplate, renderTextTemplate' : ''} } from 'embedbook'; // readParquet for .parquet`, `import { Table } from 'apache-arrow';`];
  const text = template
    ? [`// The text of each row: the template ${JSON.stringify(choice)} rendered from its columns.`, `const args = new Table({ text: renderTextTemplate(parseTextTemplate(${JSON.stringify(choice)}), table) });`]
    : [`const args = new Table({ text: table.getChild(${JSON.stringify(choice)})! });`];
  const setup =
    backend.kind === 'remote'
      ? [
          `const remote = new Remote({ url: ${JSON.stringify(backend.url)}${backend.apiKey ? ', apiKey: process.env.EMBEDBOOK_API_KEY' : ''} });`,
          `const fn = remote.function(${JSON.stringify(backend.functionName)}, { outputType: new List(new Field('item', new Float32(), true)) });`,
        ]
      : [
          `const local = new LocalRuntime({ model: ${backend.model.kind === 'hub' ? JSON.stringify(backend.model.id) : backend.model.kind === 'url' ? `{ url: ${JSON.stringify(backend.model.url)} }` : backend.model.kind === 'files' ? "{ folder: './my-bert-model' }" : "'default'"}${dtypeOption(backend.model)} }); // device 'auto': CUDA when present, else CPU`,
          `const fn = local.function('embed');`,
        ];
  return [
    ...imports,
    `import fs from 'node:fs';`,
    ``,
    ...setup,
    `// ${fileName ?? 'your file'}: the function takes one argument column, \`text\`.`,
    `const { table } = await readCsv(fs.createReadStream(${JSON.stringify(fileName ?? 'data.csv')}));`,
    ...text,
    `const { table: out, failedRows } = await fn.chunkedCall(args, {`,
    ...opts.map((o) => `  ${o},`),
    `  onProgress: (e) => console.log(e.status, e.chunk),`,
    `});`,
  ].join('\n');
}

/** The precision picked in the Function cell (the built-in model's int8, a hub model's dtype). */
function dtypeOption(model: ModelChoice): string {
  const dtype = model.kind === 'default' || model.kind === 'hub' ? model.dtype : undefined;
  return dtype ? `, dtype: ${JSON.stringify(dtype)}` : '';
}
