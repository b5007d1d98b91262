// Class and target names become parts of MLflow metric keys (`val_recall/<class>`). MLflow accepts letters,
// digits, `_ - . / space` in keys; `/` would nest and spaces read badly in its UI, so only the first four are kept.

/**
 * Names made safe for metric keys, one per input and all distinct: other characters become `_`, an empty
 * result becomes `_`, and a name that collides with an earlier one gets `_<index>` appended.
 */
export function metricKeyNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((name, i) => {
    let key = name.replace(/[^A-Za-z0-9_.-]/g, '_') || '_';
    if (seen.has(key)) key = `${key}_${i}`;
    seen.add(key);
    return key;
  });
}
