/**
 * The injection corpus: which pages get which injections from the rogue-extension fixture
 * (test/fixtures/injector-extension), how a flag is recognised as one of them, and precision/recall over the lot.
 */
import type { ForeignFlag } from '../../replay-viewer/replay/index';

export type Variant = 'form' | 'overlay' | 'shield' | 'iframe' | 'script' | 'text' | 'action';

/** A flag that shows this variant's injection (the extension's own content, as the flag names it). */
export const MATCHES: Record<Variant, (f: ForeignFlag) => boolean> = {
  form: (f) => /Security check|sec-verify/.test(`${f.text} ${f.path}`),
  overlay: (f) => /session was suspended/.test(f.text),
  shield: (f) => f.reason === 'foreign-overlay' && f.text === '' && /div$/.test(f.path),
  iframe: (f) => f.reason === 'extension-resource' && /frame\.html/.test(f.source),
  // The script's own tag, or what it drew.
  script: (f) => (f.reason === 'extension-resource' && /payload\.js/.test(f.source)) || /Action required: confirm your identity/.test(f.text),
  text: (f) => /GB••|GB\*\*|GB33|Urgent: your account/.test(`${f.text} ${f.source}`),
  action: (f) => f.reason === 'foreign-form-action' && /attacker\.invalid/.test(f.source),
};

export interface Visit {
  /** Path on the site (may carry a query). */
  path: string;
  site: 'bank' | 'corpus';
  inject: Variant[];
}

/** Every variant on at least two sites' pages; pages the SPA, fetch, A/B and widget content share. */
export const INJECTED_VISITS: Visit[] = [
  { site: 'corpus', path: '/', inject: ['form', 'shield'] },
  { site: 'corpus', path: '/fetch', inject: ['overlay', 'text'] },
  { site: 'corpus', path: '/payee', inject: ['text', 'action'] },
  { site: 'corpus', path: '/spa', inject: ['form', 'iframe'] },
  { site: 'corpus', path: '/widget', inject: ['script', 'shield'] },
  { site: 'corpus', path: '/ab?variant=b', inject: ['overlay', 'action'] },
  { site: 'bank', path: '/', inject: ['form', 'script'] },
  { site: 'bank', path: '/login', inject: ['action', 'overlay'] },
  { site: 'bank', path: '/terms', inject: ['iframe', 'text', 'shield'] },
];

/** Negatives in the same (extension-carrying) browser: nothing injected. */
export const CLEAN_VISITS: Visit[] = [
  { site: 'corpus', path: '/', inject: [] },
  { site: 'corpus', path: '/spa', inject: [] },
  { site: 'corpus', path: '/fetch', inject: [] },
  { site: 'corpus', path: '/ab', inject: [] },
  { site: 'corpus', path: '/ab?variant=b', inject: [] },
  { site: 'corpus', path: '/widget', inject: [] },
  { site: 'corpus', path: '/payee', inject: [] },
];

export interface Scores {
  injected: number;
  detected: number;
  missed: string[];
  truePositives: number;
  falsePositives: ForeignFlag[];
  recall: number;
  precision: number;
}

/**
 * `flagsByVisit`: the flags of each visited page (by the page URL it recorded), with what was injected there.
 * A flag on an injected page counts as true when it matches one of that page's variants.
 */
export function score(pages: { inject: Variant[]; label: string; flags: ForeignFlag[] }[]): Scores {
  let injected = 0;
  let detected = 0;
  let truePositives = 0;
  const missed: string[] = [];
  const falsePositives: ForeignFlag[] = [];
  for (const p of pages) {
    for (const v of p.inject) {
      injected++;
      if (p.flags.some(MATCHES[v])) detected++;
      else missed.push(`${v} on ${p.label}`);
    }
    for (const f of p.flags) {
      if (p.inject.some((v) => MATCHES[v](f))) truePositives++;
      else falsePositives.push(f);
    }
  }
  const flagged = truePositives + falsePositives.length;
  return { injected, detected, missed, truePositives, falsePositives, recall: injected ? detected / injected : 1, precision: flagged ? truePositives / flagged : 1 };
}
