/** Facts from a page's context (recorder/page-context.ts + ingest point) for the session panel. */
import type { PageContext } from '../../store/records';

export function pageContextFacts(c: PageContext): [string, string][] {
  const s = c.source;
  const utm = s ? [s.utmSource, s.utmMedium, s.utmCampaign].filter(Boolean).join(' / ') : '';
  const source = !s ? '' : s.kind === 'campaign' ? `Campaign: ${utm}` : s.kind === 'referral' ? `Referral: ${s.referrerHost ?? ''}` : s.kind === 'internal' ? 'Internal link' : 'Direct';
  const items: [string, string | undefined][] = [
    ['Traffic source', source || undefined],
    ['Referrer', c.referrer],
    ['Screen', c.screen ? `${c.screen.width} × ${c.screen.height}${c.devicePixelRatio ? ` @${c.devicePixelRatio}x` : ''}` : undefined],
    ['Language', c.languages?.length ? c.languages.join(', ') : c.language],
    ['Time zone', c.timeZone],
    ['Client IP', c.clientIp],
  ];
  return items.filter((i): i is [string, string] => Boolean(i[1]));
}
