/** Where a keyframe's HTML (serialize-html.ts) tells the viewer's page an element's recorded scroll (ui/keyframe-view.ts): "x y". */
export const SCROLL_ATTRIBUTE = 'data-verbatim-scroll';
