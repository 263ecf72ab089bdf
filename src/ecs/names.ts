import { distance } from 'fastest-levenshtein';

/** The existing names closest to `wanted` (prefix and substring matches first, then edit distance). */
export function closestNames(wanted: string, candidates: string[], max = 5): string[] {
  const w = wanted.toLowerCase();
  return [...new Set(candidates)]
    .map((c) => {
      const l = c.toLowerCase();
      const bonus = l === w ? -100 : l.startsWith(w) || w.startsWith(l) ? -10 : l.includes(w) || w.includes(l) ? -5 : 0;
      return { c, score: distance(w, l) + bonus };
    })
    .sort((a, b) => a.score - b.score || a.c.localeCompare(b.c))
    .slice(0, max)
    .map((x) => x.c);
}
