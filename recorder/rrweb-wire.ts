/**
 * rrweb 2.x's wire format, as the recorder sends it and the proxy's masking, the extractor, the replay library and the
 * player read it: one home, beside the recorder's protocol. rrweb is not imported (the extractor stays dependency-free
 * and may run in a worker): the numbers below are its EventType, IncrementalSource, MouseInteractions and NodeType.
 * The guards read untrusted JSON: anything of the wrong shape reads as absent.
 */

export const EventType = { FullSnapshot: 2, IncrementalSnapshot: 3, Meta: 4, Custom: 5 } as const;
export const Source = {
  Mutation: 0, MouseMove: 1, MouseInteraction: 2, Scroll: 3, Input: 5, TouchMove: 6, MediaInteraction: 7, StyleSheetRule: 8,
  CanvasMutation: 9, Drag: 12, StyleDeclaration: 13, Selection: 14, AdoptedStyleSheet: 15,
} as const;
export const MouseInteraction = { Click: 2, Focus: 5, Blur: 6 } as const;
export const NodeType = { Document: 0, DocumentType: 1, Element: 2, Text: 3, CDATA: 4, Comment: 5 } as const;

/** Incremental sources a customer's hand makes (what counts as activity); others are the page's own doing. */
export const ACTIVITY_SOURCES: ReadonlySet<number> = new Set([
  Source.MouseMove, Source.MouseInteraction, Source.Scroll, Source.Input, Source.TouchMove, Source.Drag, Source.Selection,
]);

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A finite number, or undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** rrweb node ids are positive integers; anything else (a forged id) resolves to nothing. */
export function nodeId(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The recorder writes '*' per masked character, the server-side masker '•'. */
const MASK_ONLY = /^[*\u2022\s]+$/;

/** True for a value that is nothing but mask characters: it must never be replaced by a label or looked up. */
export function isMasked(text: string): boolean {
  return MASK_ONLY.test(text) && /[*\u2022]/.test(text);
}

/** Collapses whitespace and cuts to `max` characters (never splitting a surrogate pair). */
export function clean(text: string, max: number): string {
  const collapsed = text.length > max * 4 ? text.slice(0, max * 4) : text;
  const out = collapsed.replace(/\s+/g, ' ').trim();
  return cut(out, max);
}

export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text[max - 1] ?? '') ? max - 1 : max;
  return text.slice(0, end);
}
