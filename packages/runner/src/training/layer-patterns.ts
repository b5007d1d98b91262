// Which layers a `freeze:` / `unfreeze` pattern names: layer names or picomatch globs (`conv_*`, `block?_*`,
// `{conv,dense}_0`), matched against the whole name.
import picomatch from 'picomatch';

/** The layers each pattern matches, and the patterns that match none (a typo or a renamed layer). */
export function matchLayers(layerNames: readonly string[], patterns: readonly string[]): { matched: string[]; unmatched: string[] } {
  const matched = new Set<string>();
  const unmatched: string[] = [];
  for (const p of patterns) {
    const isMatch = picomatch(p);
    const hits = layerNames.filter((n) => isMatch(n));
    if (hits.length === 0) unmatched.push(p);
    hits.forEach((n) => matched.add(n));
  }
  return { matched: layerNames.filter((n) => matched.has(n)), unmatched };
}

/** Marks the layers of `model` that `patterns` match as not trainable; returns the frozen layers and the patterns that matched none. */
export function freezeLayers(model: { layers: { name: string; trainable: boolean }[] }, patterns: readonly string[]): { frozen: string[]; unmatched: string[] } {
  const { matched, unmatched } = matchLayers(
    model.layers.map((l) => l.name),
    patterns,
  );
  for (const l of model.layers) if (matched.includes(l.name)) l.trainable = false;
  return { frozen: matched, unmatched };
}
