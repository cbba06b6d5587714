/**
 * A keyframe carried in the player page's own HTML (ui-routes.ts writes it, ui/keyframe-view.ts paints it): the
 * moment is on screen without a round trip for the events. Recorded content is hostile: the JSON is written into a
 * non-executed `<script type="application/json">` with every `<` escaped, so nothing in it can end that element.
 */
import type { Keyframe } from './index';

/** The element's id in the player page. */
export const PAGE_KEYFRAME_ID = 'verbatim-keyframe';

export interface PageKeyframe {
  keyframe: Keyframe;
  /** The moment it shows (epoch ms), as the event stream's head says. */
  shown: number;
}

/** The page's element holding it. `<`, U+2028 and U+2029 escaped: the text stays one JSON value inside the element. */
export function pageKeyframeElement(frame: PageKeyframe): string {
  const json = JSON.stringify(frame).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return `<script type="application/json" id="${PAGE_KEYFRAME_ID}">${json}</script>`;
}
