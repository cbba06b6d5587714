/**
 * Policy selectors applied to a captured HTML document, so text the page masks
 * (or blocks) in the recording is not left readable in the stored document
 * either. Only runs when the policy has selectors; the document is re-serialized
 * only when a selector matched.
 */
import { load } from 'cheerio';
import { MASK_CHAR } from './detectors';
import type { MaskingPolicy } from './policy';

const PRIVACY = '.verbatim-mask,[data-verbatim-mask],.verbatim-block,[data-verbatim-block]';

export function maskHtmlSelectors(policy: MaskingPolicy, html: string, bullet = MASK_CHAR): string {
  const maskWhole = (v: string) => v.replace(/\S/gu, bullet);
  const selector = [PRIVACY, ...policy.maskSelectors, ...policy.blockSelectors].join(',');
  // Cheap pre-check for the built-in markers when no policy selectors are set.
  if (!policy.maskSelectors.length && !policy.blockSelectors.length && !/verbatim-(mask|block)/.test(html)) return html;
  let $;
  try {
    $ = load(html);
  } catch {
    return html;
  }
  let matched;
  try {
    matched = $(selector);
  } catch {
    return html;
  }
  if (!matched.length) return html;
  matched.each((_i, el) => {
    const all = $(el).find('*').addBack();
    all.contents().each((_j, node) => {
      if (node.type === 'text') node.data = maskWhole(node.data);
    });
    all.filter('input,textarea,option').each((_j, field) => {
      const value = $(field).attr('value');
      if (value) $(field).attr('value', maskWhole(value));
    });
  });
  return $.html();
}
