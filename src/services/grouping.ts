/** `rows` in groups by `keyOf`, each group holding `valueOfRow` of its rows in the order they came. */
export function groupBy<Row, Key, Value>(
  rows: Iterable<Row>,
  keyOf: (row: Row) => Key,
  valueOfRow: (row: Row) => Value,
): Map<Key, Value[]> {
  const groups = new Map<Key, Value[]>()
  for (const row of rows) {
    const key = keyOf(row)
    const group = groups.get(key)
    if (group) group.push(valueOfRow(row))
    else groups.set(key, [valueOfRow(row)])
  }
  return groups
}
