/**
 * What the foreign-content detector reports (docs/FOREIGN-CONTENT.md): content the page showed that no response
 * the servers sent explains. Every flag names the moment, the element (rrweb node id, a CSS path, its short text as
 * stored, so already masked) and why.
 */

/**
 * - `extension-resource`: a script, frame, stylesheet, image or link whose URL is a browser extension's
 *   (`chrome-extension://`, `moz-extension://`, …): no server sent it.
 * - `foreign-resource`: a script, frame or stylesheet with an http(s) source that no capture holds (this session
 *   or any other), or from an origin nothing the site sent names (site origins, below), on a page whose document the
 *   proxy saw.
 * - `foreign-form-action`: a form (or a submit button's `formaction`) that sends to an origin that is not one of the
 *   site's: the pages' own origins and every origin their captured bodies name, closed over what those send.
 * - `foreign-overlay`: a fixed (or high z-index absolute) element whose content no capture explains, or an empty
 *   one nothing in the site's captures names.
 * - `unexplained-content`: elements and text no captured body explains (HTML, scripts, JSON, templates).
 * - `text-replaced`: the text of an element already on the page changed to text no captured body explains.
 */
export const FOREIGN_REASONS = [
  'extension-resource', 'foreign-resource', 'foreign-form-action', 'foreign-overlay', 'unexplained-content', 'text-replaced',
] as const;
export type ForeignReason = (typeof FOREIGN_REASONS)[number];

export interface ForeignFlag {
  reason: ForeignReason;
  /** Epoch ms of the event that showed it. */
  at: number;
  /** The recorded page (EventBatch.page.id) and its URL. */
  pageId: string;
  pageUrl: string;
  /** rrweb node id of the flagged element, in that page's recording. */
  nodeId: number;
  /** A CSS path to it (tag, id, first classes per level). */
  path: string;
  /** Its text, short, as stored (masked by policy where the policy masks). */
  text: string;
  /** What does not come from the site: the URL, the origin, or the words no capture holds. */
  source: string;
  /** For text rules: the phrases no captured body holds (lower-cased, as stored), for the player to mark. */
  words?: string[];
}

export interface ForeignContentReport {
  flags: ForeignFlag[];
  /** Counts per reason. */
  counts: Record<ForeignReason, number>;
  /** Pages checked, and pages skipped because the proxy never saw their document (nothing to compare with). */
  pagesChecked: number;
  pagesUnchecked: number;
  /** Bytes of captured bodies read as evidence. */
  evidenceBytes: number;
  /** More flags than MAX_FLAGS, or more evidence than the cap: the rest was not checked or listed. */
  capped?: boolean;
}
