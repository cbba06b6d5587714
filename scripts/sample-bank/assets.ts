/**
 * Every public, cacheable resource of one site version, built once and kept:
 * body, type, validators. Version 2 changes every one of them, which the
 * self-test checks path by path.
 */
import { createHash } from 'node:crypto';
import { accountsJs, homeJs } from './client-scripts';
import { offersFor } from './data';
import { fontFor } from './fonts';
import { backgroundTile, favicon, heroBanner, iconSprite, productCard } from './images';
import { homePage, ratesWidget, termsPage } from './pages';
import type { SiteVersion } from './palette';
import { siteCss, themeCss, widgetCss } from './styles';

export interface Asset {
  body: Buffer;
  contentType: string;
  /** Weak: one validator for the identity and gzip representations. */
  etag: string;
  lastModified: string;
  /** Text that is gzip-encoded when the client accepts it. */
  compressible: boolean;
  /** HTML documents get the CSP header. */
  html: boolean;
}

/** Fixed per version so validators never depend on the clock. */
const LAST_MODIFIED: Record<SiteVersion, string> = {
  1: new Date(Date.UTC(2024, 0, 15, 9, 0, 0)).toUTCString(),
  2: new Date(Date.UTC(2024, 5, 1, 9, 0, 0)).toUTCString(),
};

/** Paths of the public static resources (pages, CSS, JS, images, font, iframe, offers JSON). */
export const STATIC_PATHS = [
  '/',
  '/terms',
  '/widgets/rates.html',
  '/css/site.css',
  '/css/theme.css',
  '/css/widget.css',
  '/js/home.js',
  '/js/accounts.js',
  '/img/bg.png',
  '/img/hero.png',
  '/img/product.png',
  '/img/favicon.png',
  '/img/icons.svg',
  '/fonts/bank-text.ttf',
  '/api/offers',
] as const;

const HTML = 'text/html; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const PNG = 'image/png';

export function makeAsset(version: SiteVersion, body: Buffer | string, contentType: string): Asset {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const hash = createHash('sha256').update(bytes).digest('base64url').slice(0, 22);
  return {
    body: bytes,
    contentType,
    etag: `W/"${hash}"`,
    lastModified: LAST_MODIFIED[version],
    compressible: /^text\/|^application\/json/.test(contentType),
    html: contentType.startsWith('text/html'),
  };
}

/** Builds the static resources of a version; the font is absent when the system has none. */
export function buildAssets(version: SiteVersion): Map<string, Asset> {
  const a = (body: Buffer | string, type: string): Asset => makeAsset(version, body, type);
  const entries: [string, Asset][] = [
    ['/', a(homePage(version), HTML)],
    ['/terms', a(termsPage(version), HTML)],
    ['/widgets/rates.html', a(ratesWidget(version), HTML)],
    ['/css/site.css', a(siteCss(version), CSS)],
    ['/css/theme.css', a(themeCss(version), CSS)],
    ['/css/widget.css', a(widgetCss(version), CSS)],
    ['/js/home.js', a(homeJs(version), JS)],
    ['/js/accounts.js', a(accountsJs(version), JS)],
    ['/img/bg.png', a(backgroundTile(version), PNG)],
    ['/img/hero.png', a(heroBanner(version), PNG)],
    ['/img/product.png', a(productCard(version), PNG)],
    ['/img/favicon.png', a(favicon(version), PNG)],
    // SVG is an image: served plain like the PNGs.
    ['/img/icons.svg', a(iconSprite(version), 'image/svg+xml; charset=utf-8')],
    ['/api/offers', a(JSON.stringify(offersFor(version), null, 2), JSON_TYPE)],
  ];
  const font = fontFor(version);
  if (font) entries.push(['/fonts/bank-text.ttf', a(font.body, 'font/ttf')]);
  // Browsers ask for /favicon.ico unprompted on some paths; answer it rather than 404.
  entries.push(['/favicon.ico', entries.find(([p]) => p === '/img/favicon.png')![1]]);
  return new Map(entries);
}

export const CONTENT_TYPES = { HTML, JSON: JSON_TYPE } as const;
