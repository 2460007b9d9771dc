// For `input: 'table'` handlers: rebuilds the batch as an Arrow Table from its argument columns.
import { Bool, Field, Float64, List, Table, Utf8, vectorFromArray, type DataType, type Vector } from 'apache-arrow';
import type { ArgType } from '../../protocol/define-function';

function arrowType(type: ArgType): DataType {
  switch (type) {
    case 'string[]':
    case 'json[]':
      return new Utf8();
    case 'number[]':
      return new Float64();
    case 'boolean[]':
      return new Bool();
    case 'number[][]':
      return new List(new Field('item', new Float64(), true));
  }
}

export function columnsToTable(names: string[], types: Record<string, ArgType>, columns: unknown[][]): Table {
  const vectors: Record<string, Vector> = {};
  names.forEach((name, i) => {
    const type = types[name];
    const values = type === 'json[]' ? columns[i].map((v) => (v === null ? null : JSON.stringify(v))) : columns[i];
    vectors[name] = vectorFromArray(values as never[], arrowType(type));
  });
  return new Table(vectors);
}
