// For `input: 'table'` handlers: rebuilds the batch as an Arrow Table from its argument columns.
import { Bool, Field, Float64, List, Table, Utf8, vectorFromArray, type DataType, type Vector } from 'apache-arrow';
import type { ArgType } from '../../protocol/define-function';

/**
 * defineFunction's argument types → Arrow column types. (io/csv-columns.ts' arrowTypeOf looks alike
 * but maps the kinds inferred from CSV text; the two vocabularies are different things.)
 */
const ARROW_TYPE: Record<ArgType, () => DataType> = {
  'string[]': () => new Utf8(),
  'json[]': () => new Utf8(), // each value as JSON text
  'number[]': () => new Float64(),
  'boolean[]': () => new Bool(),
  'number[][]': () => new List(new Field('item', new Float64(), true)),
};

export function columnsToTable(names: string[], types: Record<string, ArgType>, columns: unknown[][]): Table {
  const vectors: Record<string, Vector> = {};
  names.forEach((name, i) => {
    const type = types[name];
    const values = type === 'json[]' ? columns[i].map((v) => (v === null ? null : JSON.stringify(v))) : columns[i];
    vectors[name] = vectorFromArray(values as never[], ARROW_TYPE[type]());
  });
  return new Table(vectors);
}
