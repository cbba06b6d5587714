/**
 * Raster and vector images of the sample bank, generated in memory. Patterns
 * are bold stripes and checkers so that serving the other version's image
 * changes a large share of pixels. Output is byte-for-byte deterministic.
 */
import { PNG } from 'pngjs';
import { hex, paletteFor, type Rgb, type SiteVersion } from './palette';

type Painter = (x: number, y: number) => Rgb;

function png(width: number, height: number, paint: Painter): Buffer {
  const img = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = paint(x, y);
      const i = (y * width + x) * 4;
      img.data[i] = r;
      img.data[i + 1] = g;
      img.data[i + 2] = b;
      img.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(img);
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  const f = (k: 0 | 1 | 2): number => Math.round(a[k] + (b[k] - a[k]) * t);
  return [f(0), f(1), f(2)];
}

/** 24×24 page background tile: checkers in v1, diagonal stripes in v2. */
export function backgroundTile(version: SiteVersion): Buffer {
  const p = paletteFor(version);
  return png(24, 24, (x, y) => {
    const on = version === 1 ? (Math.floor(x / 12) + Math.floor(y / 12)) % 2 === 0 : Math.floor((x + y) / 6) % 2 === 0;
    return on ? p.tileA : p.tileB;
  });
}

/** 960×240 hero banner: diagonal brand/accent stripes over a gradient (v1), horizontal bands (v2). */
export function heroBanner(version: SiteVersion): Buffer {
  const p = paletteFor(version);
  return png(960, 240, (x, y) => {
    const base = mix(p.brandDark, p.brand, x / 959);
    if (version === 1) return Math.floor((x - y) / 40) % 3 === 0 ? mix(base, p.accent, 0.55) : base;
    return Math.floor(y / 30) % 2 === 0 ? mix(base, p.accent, 0.7) : base;
  });
}

/** 320×200 product shot of a payment card on a plain backdrop. */
export function productCard(version: SiteVersion): Buffer {
  const p = paletteFor(version);
  const card = { x0: 30, y0: 25, x1: 290, y1: 175, r: 14 };
  const inCard = (x: number, y: number): boolean => {
    if (x < card.x0 || x > card.x1 || y < card.y0 || y > card.y1) return false;
    const cx = Math.min(Math.max(x, card.x0 + card.r), card.x1 - card.r);
    const cy = Math.min(Math.max(y, card.y0 + card.r), card.y1 - card.r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= card.r ** 2;
  };
  return png(320, 200, (x, y) => {
    if (!inCard(x, y)) return p.paper;
    if (x >= 55 && x <= 100 && y >= 70 && y <= 105) return p.chip;
    if (y >= 140 && y <= 150 && x >= 55 && x <= 250 && Math.floor(x / 12) % 2 === 0) return p.paper;
    const stripe = version === 1 ? Math.floor((x + y) / 18) % 2 === 0 : Math.floor(x / 22) % 2 === 0;
    return stripe ? p.cardA : p.cardB;
  });
}

/** 32×32 favicon (also the header logo): a framed brand square with an accent bar. */
export function favicon(version: SiteVersion): Buffer {
  const p = paletteFor(version);
  return png(32, 32, (x, y) => {
    if (x < 3 || y < 3 || x > 28 || y > 28) return p.paper;
    if (y >= 19 && y <= 24 && x >= 7 && x <= 24) return p.accent;
    return version === 1 || (x + y) % 8 < 4 ? p.brand : p.brandDark;
  });
}

/** SVG sprite with <symbol>s referenced as /img/icons.svg#card etc. */
export function iconSprite(version: SiteVersion): string {
  const p = paletteFor(version);
  const brand = hex(p.brand);
  const accent = hex(p.accent);
  const corner = version === 1 ? 3 : 0;
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg">
  <symbol id="card" viewBox="0 0 24 24">
    <rect x="2" y="5" width="20" height="14" rx="${corner}" fill="${brand}"/>
    <rect x="2" y="8" width="20" height="3" fill="${accent}"/>
    <rect x="5" y="14" width="${version === 1 ? 6 : 10}" height="2" fill="#ffffff"/>
  </symbol>
  <symbol id="savings" viewBox="0 0 24 24">
    <circle cx="12" cy="13" r="8" fill="${brand}"/>
    <rect x="9" y="3" width="6" height="${version === 1 ? 3 : 5}" fill="${accent}"/>
  </symbol>
  <symbol id="transfer" viewBox="0 0 24 24">
    <path d="M3 8h14l-4-4M21 16H7l4 4" fill="none" stroke="${brand}" stroke-width="${version === 1 ? 2 : 3}"/>
  </symbol>
</svg>
`;
}
