/** Notes as the seek bar's markers and the activity feed's items (session-notes.ts keeps the list). Pure: no DOM. */
import type { ActivityItem } from './activity-items';
import type { ApiNote } from './notes-api';
import type { TimelineMarker } from './timeline';

const MAX_TEXT = 120;

const clip = (text: string): string => {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > MAX_TEXT ? `${one.slice(0, MAX_TEXT - 1)}…` : one;
};

export function noteMarkers(notes: readonly ApiNote[], first: number, total: number): TimelineMarker[] {
  return notes.map((n) => ({ offset: Math.min(total, Math.max(0, n.at - first)), kind: 'note', title: `Note by ${n.author}: ${clip(n.text)}` }));
}

export function noteItems(notes: readonly ApiNote[], first: number): ActivityItem[] {
  return notes.map((n) => ({ kind: 'note', offset: n.at - first, label: clip(n.text), detail: n.author }));
}
