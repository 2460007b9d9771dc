import type { ColumnInfo } from '../../../worker/api';
import { formatCount } from '../../lib/format';

interface SchemaTableProps {
  columns: ColumnInfo[];
  textColumn: string | null;
}

/** Column names, Arrow types and null counts. */
export function SchemaTable({ columns, textColumn }: SchemaTableProps) {
  return (
    <table className="table table--compact" data-testid="dataset-schema">
      <thead>
        <tr>
          <th>Column</th>
          <th>Type</th>
          <th className="num">Nulls</th>
        </tr>
      </thead>
      <tbody>
        {columns.map((c) => (
          <tr key={c.name} className={c.name === textColumn ? 'is-selected' : undefined}>
            <td>
              <code>{c.name}</code>
              {c.name === textColumn ? <span className="tag">text</span> : null}
            </td>
            <td className="muted">{c.type}</td>
            <td className="num">{formatCount(c.nullCount)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
