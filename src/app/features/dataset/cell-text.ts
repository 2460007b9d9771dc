/** One table cell as display text: nulls visible, whitespace flattened, long text cut. */
export function cellText(v: unknown, max = 160): string {
  if (v === null || v === undefined) return '∅';
  const s = typeof v === 'bigint' ? v.toString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
