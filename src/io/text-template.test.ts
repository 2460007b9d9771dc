import { vectorFromArray, Int32, Table, Utf8 } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { isTextTemplate, parseTextTemplate, renderTextTemplate } from './text-template';
import { textReader, textVector } from './text-column';

const table = new Table({
  package: vectorFromArray(['python3-sklearn', 'ripgrep', null, null], new Utf8()),
  description: vectorFromArray(['machine learning in Python', null, 'orphan text', null], new Utf8()),
  size: vectorFromArray([1200, 830, 5, null], new Int32()),
});

describe('text templates', () => {
  test('placeholders, literal text and {{ }} escapes parse into parts', () => {
    const t = parseTextTemplate('{{pkg}} {package}: {description} ({package})');
    expect(t.columns).toEqual(['package', 'description']);
    expect(t.parts).toEqual([{ text: '{pkg} ' }, { column: 'package' }, { text: ': ' }, { column: 'description' }, { text: ' (' }, { column: 'package' }, { text: ')' }]);
  });

  test('a template is told apart from a column name by its placeholders', () => {
    expect(isTextTemplate('{package}: {description}')).toBe(true);
    expect(isTextTemplate('description')).toBe(false);
    expect(isTextTemplate('{{literal}}')).toBe(false);
  });

  test('syntax errors say where and what to write', () => {
    expect(() => parseTextTemplate('{package: x')).toThrow(/Text template "\{package: x": the '\{' at character 1 is not closed/);
    expect(() => parseTextTemplate('a } b {c}')).toThrow(/a lone '\}' at character 3; write '\}\}'/);
    expect(() => parseTextTemplate('x {} y')).toThrow(/empty placeholder/);
    expect(() => parseTextTemplate('just text')).toThrow(/no \{column\} placeholder/);
    expect(() => parseTextTemplate('{a{b}')).toThrow(/not closed/);
    expect(() => parseTextTemplate('{a}')).not.toThrow();
    try {
      parseTextTemplate('{x');
    } catch (e) {
      expect((e as Error).name).toBe('TextTemplateError');
    }
  });

  test('rows render with their values; a null cell is empty; a row with every cell null has no text', () => {
    const out = renderTextTemplate(parseTextTemplate('{package}: {description} [{size}]'), table);
    expect(out.toArray()).toEqual(['python3-sklearn: machine learning in Python [1200]', 'ripgrep:  [830]', ': orphan text [5]', null]);
  });

  test('an unknown column is named with the template and the columns there are', () => {
    expect(() => textVector(table, '{package}: {descr}', 'pkgs.csv')).toThrow(
      '"pkgs.csv" has no column "descr", named by the text template "{package}: {descr}". Available columns: "package", "description", "size".',
    );
    expect(() => textVector(table, '{package}: {descr}', 'pkgs.csv')).toThrow(expect.objectContaining({ name: 'UnknownColumnError' }));
  });

  test('textVector / textReader take a column name or a template alike', () => {
    expect(textVector(table, 'package').toArray()).toEqual(['python3-sklearn', 'ripgrep', null, null]);
    expect(textVector(table, '{package} — {description}').get(0)).toBe('python3-sklearn — machine learning in Python');
    expect(textReader(table, '{package} — {description}')(2)).toBe(' — orphan text');
    expect(textReader(table, 'description')(1)).toBeNull();
    // A column whose name looks like a template is still that column.
    const odd = new Table({ '{a}': vectorFromArray(['x'], new Utf8()), a: vectorFromArray(['y'], new Utf8()) });
    expect(textVector(odd, '{a}').get(0)).toBe('x');
    expect(() => textVector(new Table({ a: vectorFromArray([null, null], new Utf8()) }), '{a}')).toThrow(/AllNull|no text|empty|null/i);
  });
});
