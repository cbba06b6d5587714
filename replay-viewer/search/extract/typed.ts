/**
 * What the customer typed, one hit per field per burst: rrweb sends an Input event per value (the recorder
 * throttles them to one per field every 0.4 s), and only a burst's final value matters. A burst ends at another
 * field's input, a click, the page going away, TYPING_BURST_GAP_MS without input, or the end of the batch (a hit
 * must not wait for a batch that may never come; a burst split across two uploads gives two hits).
 * The value is the one recorded: masked stays masked, and a masked value is never replaced by a label.
 */
import type { Hit } from '../types';
import { fieldName, labelText } from './field-names';
import { MAX_HIT_TEXT, MAX_LABEL_TEXT, TYPING_BURST_GAP_MS } from './limits';
import type { MapNode, NodeMap } from './node-map';
import { textUnder } from './passages';
import { clean, cut, isMasked, isObject, nodeId, str } from '../../../recorder/rrweb-wire';

interface Burst {
  id: number;
  at: number;
  /** Resolved at each input, while the field is surely in the map (a submit may remove the form before the burst ends). */
  hit: Hit | undefined;
}

export class TypingBursts {
  private open: Burst | undefined;

  constructor(private readonly map: NodeMap, private readonly pageId: string | undefined) {}

  /** One Input event's data; returns the hit of the burst it ended, if any. */
  push(data: unknown, at: number): Hit | undefined {
    if (!isObject(data)) return undefined;
    const id = nodeId(data.id);
    const text = str(data.text);
    if (id === undefined || text === undefined) return undefined;
    const isChecked = typeof data.isChecked === 'boolean' ? data.isChecked : undefined;
    const hit = typedHit(this.map, { id, text: cut(text, MAX_HIT_TEXT), isChecked, at }, this.pageId);
    const open = this.open;
    if (open && open.id === id && at - open.at <= TYPING_BURST_GAP_MS && at >= open.at) {
      open.at = at;
      open.hit = hit;
      return undefined;
    }
    const ended = this.close();
    this.open = { id, at, hit };
    return ended;
  }

  close(): Hit | undefined {
    const hit = this.open?.hit;
    this.open = undefined;
    return hit;
  }
}

interface Value {
  id: number;
  text: string;
  isChecked?: boolean;
  at: number;
}

function typedHit(map: NodeMap, burst: Value, pageId: string | undefined): Hit | undefined {
  const field = map.get(burst.id);
  const text = field && !isMasked(burst.text) ? chosen(map, field, burst) : burst.text;
  if (text === undefined || !text.trim()) return undefined;
  const name = field && fieldName(map, field);
  return { kind: 'typed', at: burst.at, ...(pageId ? { pageId } : {}), text, ...(name ? { field: name } : {}) };
}

/** A checkbox or radio says which option (its label), a select the chosen option's text; other fields their value. */
function chosen(map: NodeMap, field: MapNode, burst: Value): string | undefined {
  const type = (field.attrs?.type ?? '').toLowerCase();
  if (field.tag === 'input' && (type === 'checkbox' || type === 'radio')) {
    const label = labelText(map, field) || clean(field.attrs?.value ?? burst.text, MAX_LABEL_TEXT) || 'on';
    if (type === 'radio') return burst.isChecked ? label : undefined; // the unchecked siblings of a choice
    return burst.isChecked === false ? `${label} (unchecked)` : label;
  }
  if (field.tag === 'select') {
    for (const option of map.descendants(field)) {
      if (option.tag === 'option' && (option.attrs?.value ?? textUnder(map, option, MAX_LABEL_TEXT)) === burst.text) {
        return textUnder(map, option, MAX_LABEL_TEXT) || burst.text;
      }
    }
  }
  return burst.text;
}
