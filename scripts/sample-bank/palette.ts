/**
 * The two looks of the sample bank. Version 2 changes every colour by a wide
 * margin (not a subtle tint) so a replay that leaked a live resource shows up
 * as a large pixel difference, not one hidden under pixelmatch's threshold.
 */
export type SiteVersion = 1 | 2;

export type Rgb = readonly [number, number, number];

export interface Palette {
  brand: Rgb;
  brandDark: Rgb;
  accent: Rgb;
  ink: Rgb;
  paper: Rgb;
  /** Two tones of the page background tile. */
  tileA: Rgb;
  tileB: Rgb;
  /** Product card illustration. */
  cardA: Rgb;
  cardB: Rgb;
  chip: Rgb;
}

const PALETTES: Record<SiteVersion, Palette> = {
  1: {
    brand: [11, 61, 107],
    brandDark: [6, 36, 66],
    accent: [20, 163, 139],
    ink: [28, 39, 51],
    paper: [255, 255, 255],
    tileA: [226, 236, 247],
    tileB: [205, 220, 238],
    cardA: [16, 84, 148],
    cardB: [32, 140, 190],
    chip: [222, 190, 92],
  },
  2: {
    brand: [122, 31, 43],
    brandDark: [74, 14, 22],
    accent: [224, 122, 16],
    ink: [43, 26, 18],
    paper: [255, 248, 232],
    tileA: [250, 226, 180],
    tileB: [238, 196, 130],
    cardA: [40, 40, 40],
    cardB: [150, 60, 160],
    chip: [200, 200, 210],
  },
};

export function paletteFor(version: SiteVersion): Palette {
  return PALETTES[version];
}

export function hex([r, g, b]: Rgb): string {
  return '#' + [r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('');
}
