/** Collects one batch's hits up to MAX_HITS_PER_BATCH and MAX_TEXT_PER_BATCH characters; the rest is dropped. */
import type { Hit } from '../types';
import { MAX_HITS_PER_BATCH, MAX_TEXT_PER_BATCH } from './limits';

export class HitBudget {
  readonly hits: Hit[] = [];
  private chars = 0;

  add(hit: Hit | undefined): void {
    if (!hit || this.hits.length >= MAX_HITS_PER_BATCH || this.chars + hit.text.length > MAX_TEXT_PER_BATCH) return;
    this.chars += hit.text.length;
    this.hits.push(hit);
  }
}
