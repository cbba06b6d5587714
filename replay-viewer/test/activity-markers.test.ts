/**
 * The player's activity feed lists the site's own analytics markers (recorder/markers.ts) as funnels read them: the
 * name, its source, a mark at its own moment; a forged or empty one is skipped.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { eventItems } from '../ui/activity-items';
import { custom, full, Tree } from '../search/test/extract-fixtures';

it('lists markers with their name, source and moment', () => {
  const t0 = 1_000_000;
  const tree = new Tree();
  const items = eventItems([
    full(t0, tree.page('Checkout', tree.el('p', {}, 'x')).root),
    custom(t0 + 2_000, 'verbatim:marker', { name: 'purchase', source: 'dataLayer' }),
    // Buffered before the recorder ran: its own moment.
    custom(t0 + 3_000, 'verbatim:marker', { name: 'hero-visible', source: 'mark', time: t0 + 500 }),
    custom(t0 + 4_000, 'verbatim:marker', { name: '\u0007 ', source: 'mark' }),
    custom(t0 + 5_000, 'verbatim:marker', { name: 42 }),
  ], t0);
  assert.deepEqual(items.map((i) => [i.kind, i.offset, i.label, i.detail]), [
    ['marker', 2_000, 'purchase', 'dataLayer event'],
    ['marker', 500, 'hero-visible', 'performance.mark'],
  ]);
});
