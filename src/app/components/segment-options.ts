// The options of a <Segmented> toggle, from one record of value → label: the keys are checked
// against the value type (none missing, none extra), and the record's order is the display order.
export function segmentOptions<T extends string>(labels: Record<T, string>): Array<{ value: T; label: string }> {
  return (Object.keys(labels) as T[]).map((value) => ({ value, label: labels[value] }));
}
