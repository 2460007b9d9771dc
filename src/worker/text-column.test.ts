import { Table, vectorFromArray } from 'apache-arrow';
import { expect, test } from 'vitest';
import type { ColumnInfo } from './api';
import { defaultTextColumn } from './text-column';

const col = (name: string, isText: boolean): ColumnInfo => ({ name, type: isText ? 'Utf8' : 'Int32', nullCount: 0, isText });

test('prefers a familiar name, else the longest text, else null', () => {
  const t = new Table({ id: vectorFromArray([1, 2]), tag: vectorFromArray(['a', 'b']), note: vectorFromArray(['a long sentence', 'another one']) });
  expect(defaultTextColumn(t, [col('id', false), col('tag', true), col('note', true)])).toBe('note');
  const named = new Table({ Text: vectorFromArray(['x', 'y']), note: vectorFromArray(['a long sentence', 'another one']) });
  expect(defaultTextColumn(named, [col('Text', true), col('note', true)])).toBe('Text');
  expect(defaultTextColumn(t, [col('id', false)])).toBeNull();
});
