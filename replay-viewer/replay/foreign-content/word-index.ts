/**
 * Word sequences of the evidence, indexed: each body's words in order (word ids, bodies kept apart), and for each word
 * where it occurs. "Does the evidence hold these words in a row?" then costs the rarest word's occurrences, not a
 * scan of megabytes of scripts per question (a substring search per phrase took minutes on 20 MB of evidence).
 * Words are whole: "card" is not found inside "discard".
 */

/** Letters, marks, apostrophes, hyphens and mask characters: what a shown phrase's words are made of. */
const WORD = /[\p{L}\p{M}'’*•\-]+/gu;

export function wordsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(WORD)) {
    const w = m[0].replace(/^['’\-]+|['’\-]+$/g, '');
    if (w) out.push(w);
  }
  return out;
}

export class WordIndex {
  private readonly ids = new Map<string, number>();
  private seq = new Int32Array(1024);
  private length = 0;
  private postings: { offsets: Int32Array; positions: Int32Array } | undefined;

  add(text: string): void {
    for (const w of wordsOf(text)) this.push(this.idOf(w));
    this.push(-1); // bodies never join into one sequence
    this.postings = undefined;
  }

  /** The words occur in this order, one after the other, in one body. */
  contains(words: readonly string[]): boolean {
    if (!words.length) return true;
    const ids = words.map((w) => this.ids.get(w));
    if (ids.some((id) => id === undefined)) return false;
    if (ids.length === 1) return true;
    const { offsets, positions } = (this.postings ??= this.buildPostings());
    // Anchor on the rarest word.
    let k = 0;
    for (let j = 1; j < ids.length; j++) if (count(offsets, ids[j]!) < count(offsets, ids[k]!)) k = j;
    for (let p = offsets[ids[k]!]!; p < offsets[ids[k]! + 1]!; p++) {
      const start = positions[p]! - k;
      if (start < 0 || start + ids.length > this.length) continue;
      let j = 0;
      while (j < ids.length && this.seq[start + j] === ids[j]) j++;
      if (j === ids.length) return true;
    }
    return false;
  }

  private idOf(word: string): number {
    let id = this.ids.get(word);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(word, id);
    }
    return id;
  }

  private push(id: number): void {
    if (this.length === this.seq.length) {
      const bigger = new Int32Array(this.seq.length * 2);
      bigger.set(this.seq);
      this.seq = bigger;
    }
    this.seq[this.length++] = id;
  }

  private buildPostings(): { offsets: Int32Array; positions: Int32Array } {
    const offsets = new Int32Array(this.ids.size + 1);
    for (let i = 0; i < this.length; i++) if (this.seq[i]! >= 0) offsets[this.seq[i]! + 1]! += 1;
    for (let i = 1; i < offsets.length; i++) offsets[i]! += offsets[i - 1]!;
    const fill = offsets.slice(0, -1);
    const positions = new Int32Array(offsets[offsets.length - 1]!);
    for (let i = 0; i < this.length; i++) {
      const id = this.seq[i]!;
      if (id >= 0) positions[fill[id]!++] = i;
    }
    return { offsets, positions };
  }
}

function count(offsets: Int32Array, id: number): number {
  return offsets[id + 1]! - offsets[id]!;
}
