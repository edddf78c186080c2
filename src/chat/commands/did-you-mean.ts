function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

/**
 * The known word the input most likely meant: a typo (small edit distance) or a longer or
 * shorter form ("acknowledge" for "ack", "post" for "postmortem").
 */
export function didYouMean(input: string, known: readonly string[]): string | undefined {
  const word = input.toLowerCase();
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(word, candidate);
    const close = distance <= Math.max(1, Math.floor(candidate.length / 3));
    const affix = (word.length >= 3 && word.startsWith(candidate) && candidate.length >= 3) || (word.length >= 2 && candidate.startsWith(word));
    if (!close && !affix) continue;
    const score = close ? distance : 100 + Math.abs(candidate.length - word.length);
    if (!best || score < best.score) best = { candidate, score };
  }
  return best?.candidate;
}
