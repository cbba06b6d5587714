/**
 * Stylesheets. site.css holds layout and @imports theme.css (a relative URL,
 * so importers must resolve it against the stylesheet); theme.css holds
 * colours, a background image and the web font, both via relative url().
 * Nothing animates: screenshots must be repeatable.
 */
import { hex, paletteFor, type SiteVersion } from './palette';

/** Family name the CSS gives the served web font. */
export const FONT_FAMILY = 'Verbatim Bank Text';

export function siteCss(version: SiteVersion): string {
  const v2 = version === 2;
  return `@import url("theme.css");

/* Sample bank layout, version ${version}. */
*, *::before, *::after { box-sizing: border-box; }
html { font-size: ${v2 ? 17 : 16}px; }
body { margin: 0; line-height: 1.5; }
a { color: var(--brand); }
.skip { position: absolute; left: -9999px; }

.site-header { display: flex; ${v2 ? 'flex-direction: column; align-items: flex-start; gap: 6px; padding: 22px 48px;' : 'align-items: center; justify-content: space-between; padding: 14px 32px;'} }
.logo { display: flex; align-items: center; gap: 10px; font-size: ${v2 ? 1.6 : 1.35}rem; font-weight: bold; text-decoration: none; }
.logo img { width: 32px; height: 32px; }
.nav { display: flex; gap: ${v2 ? 28 : 18}px; margin: 0; padding: 0; list-style: none; }
.nav a { text-decoration: none; padding: 4px 2px; }

.page { max-width: ${v2 ? 1180 : 1080}px; margin: ${v2 ? 0 : 24}px auto; padding: 24px; }
.home-grid { display: grid; grid-template-columns: ${v2 ? '340px 1fr' : '1fr 340px'}; gap: ${v2 ? 36 : 24}px; }
.home-grid .aside { ${v2 ? 'order: -1;' : ''} }

.hero { min-height: ${v2 ? 300 : 240}px; padding: ${v2 ? '48px 40px' : '40px 32px'}; text-align: ${v2 ? 'left' : 'center'}; border-radius: var(--radius); }
.hero h1 { margin: 0 0 12px; font-size: ${v2 ? 2.6 : 2.2}rem; line-height: 1.15; }
.hero p { margin: 0 0 20px; font-size: 1.1rem; }
.form .button { justify-self: start; }
.button { display: inline-block; padding: ${v2 ? '12px 28px' : '10px 22px'}; border-radius: var(--radius); border: 0; font: inherit; font-weight: bold; text-decoration: none; cursor: pointer; }

.panel { margin-top: 24px; padding: 20px 24px; border-radius: var(--radius); }
.panel h2 { margin-top: 0; }
.offers { display: grid; grid-template-columns: repeat(${v2 ? 2 : 3}, 1fr); gap: 16px; margin: 0; padding: 0; list-style: none; }
.offer { padding: 16px; border-radius: var(--radius); }
.offer h3 { margin: 0 0 6px; font-size: 1.05rem; }
.offer .rate { display: block; font-size: 1.4rem; font-weight: bold; }
.offer p { margin: 6px 0 0; font-size: 0.9rem; }

.product { margin: 0; }
.product img { display: block; width: 100%; height: auto; border-radius: var(--radius); }
.rates-frame { display: block; width: 100%; height: 230px; border: 0; border-radius: var(--radius); }

.form { display: grid; gap: 14px; max-width: ${v2 ? 520 : 420}px; }
.form label { display: grid; gap: 4px; font-weight: bold; }
.form input, .form select, .form textarea { font: inherit; padding: 8px 10px; border-radius: var(--radius); }
.form textarea { min-height: 90px; resize: vertical; }
.notice { padding: 10px 14px; border-radius: var(--radius); }

.accounts-table { width: 100%; border-collapse: collapse; }
.accounts-table th, .accounts-table td { padding: ${v2 ? '14px 12px' : '10px 12px'}; text-align: left; }
.accounts-table td.amount, .accounts-table th.amount { text-align: right; }
.icon { width: ${v2 ? 28 : 24}px; height: ${v2 ? 28 : 24}px; vertical-align: middle; margin-right: 8px; }

.terms section { margin-bottom: 18px; }
.site-footer { padding: 24px 32px; font-size: 0.85rem; }
`;
}

export function themeCss(version: SiteVersion): string {
  const p = paletteFor(version);
  const v2 = version === 2;
  return `/* Sample bank theme, version ${version}. */
@font-face {
  font-family: "${FONT_FAMILY}";
  src: url("../fonts/bank-text.ttf") format("truetype");
  font-display: block;
}
:root {
  --brand: ${hex(p.brand)};
  --brand-dark: ${hex(p.brandDark)};
  --accent: ${hex(p.accent)};
  --ink: ${hex(p.ink)};
  --paper: ${hex(p.paper)};
  --radius: ${v2 ? 0 : 8}px;
}
body {
  font-family: "${FONT_FAMILY}", ${v2 ? 'monospace' : 'serif'};
  color: var(--ink);
  background: var(--paper) url("../img/bg.png") repeat;
}
.site-header { background: var(--brand); color: #fff; }
.site-header a, .logo { color: #fff; }
.nav a[aria-current="page"] { border-bottom: 3px solid var(--accent); }
.hero { background: var(--brand-dark) url("../img/hero.png") center / cover no-repeat; color: #fff; }
.button { background: var(--accent); color: ${v2 ? '#fff' : hex(p.brandDark)}; }
.panel { background: var(--paper); box-shadow: 0 1px ${v2 ? 0 : 4}px rgba(0, 0, 0, 0.25); ${v2 ? 'border: 2px solid var(--brand);' : ''} }
.offer { background: ${v2 ? 'var(--brand)' : '#eef4fa'}; color: ${v2 ? '#fff' : 'var(--ink)'}; border-left: 6px solid var(--accent); }
.offers { list-style-image: url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='8' height='8'%3E%3Crect width='8' height='8' fill='%23${hex(p.accent).slice(1)}'/%3E%3C/svg%3E"); }
.accounts-table th { background: var(--brand); color: #fff; }
.accounts-table tr:nth-child(even) td { background: ${v2 ? '#f6e6c8' : '#eef4fa'}; }
.amount.negative { color: ${v2 ? '#b00020' : '#a4262c'}; }
.form input, .form select, .form textarea { border: 1px solid var(--brand); background: #fff; color: var(--ink); }
.notice { background: ${v2 ? '#fde3b5' : '#dff3ee'}; border: 1px solid var(--accent); }
.notice.error { background: #fbe3e4; border-color: #a4262c; }
.site-footer { background: var(--brand-dark); color: #fff; }
`;
}

/** Stylesheet of the same-origin rates widget shown in an iframe on the home page. */
export function widgetCss(version: SiteVersion): string {
  const p = paletteFor(version);
  return `/* Rates widget, version ${version}. */
@import url("theme.css");
body { margin: 0; padding: 12px 16px; background: ${hex(version === 1 ? [232, 242, 238] : [58, 20, 28])}; color: ${version === 1 ? hex(p.ink) : '#fff'}; }
h2 { margin: 0 0 8px; font-size: 1.05rem; color: ${version === 1 ? 'var(--brand)' : 'var(--accent)'}; }
table { width: 100%; border-collapse: collapse; font-size: 0.95rem; }
td { padding: 5px 0; border-bottom: 1px ${version === 1 ? 'solid' : 'dashed'} ${hex(p.accent)}; }
td:last-child { text-align: right; font-weight: bold; }
`;
}
