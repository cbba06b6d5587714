/**
 * The sample bank's web font comes from the system's font files (no font
 * package is installed). Version 1 prefers a serif, version 2 a monospace, so
 * a replay that fetched the live font reflows text and differs in pixels.
 * If nothing suitable exists the font URL answers 404 and pages fall back to
 * the generic family named in the CSS.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SiteVersion } from './palette';

const FONT_ROOT = '/usr/share/fonts';

const PREFERRED: Record<SiteVersion, readonly string[]> = {
  1: ['truetype/dejavu/DejaVuSerif.ttf', 'truetype/liberation/LiberationSerif-Regular.ttf'],
  2: ['truetype/dejavu/DejaVuSansMono.ttf', 'truetype/liberation/LiberationMono-Regular.ttf'],
};

export interface FontFile {
  file: string;
  body: Buffer;
}

let systemTtfs: string[] | undefined;
/** Read once per process: the files are large and do not change. */
const chosen = new Map<SiteVersion, FontFile | null>();

function listSystemTtfs(): string[] {
  if (systemTtfs) return systemTtfs;
  const found: string[] = [];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.toLowerCase().endsWith('.ttf')) found.push(full);
    }
  };
  walk(FONT_ROOT);
  systemTtfs = found.sort();
  return systemTtfs;
}

function tryRead(file: string): FontFile | null {
  try {
    return { file, body: readFileSync(file) };
  } catch {
    return null;
  }
}

/**
 * The font served for a version, or null when the system has none. When the
 * preferred files are missing, any two distinct .ttf files are used so the
 * versions still differ.
 */
export function fontFor(version: SiteVersion): FontFile | null {
  if (!chosen.has(version)) chosen.set(version, findFont(version));
  return chosen.get(version) ?? null;
}

function findFont(version: SiteVersion): FontFile | null {
  for (const rel of PREFERRED[version]) {
    const hit = tryRead(path.join(FONT_ROOT, rel));
    if (hit) return hit;
  }
  const any = listSystemTtfs();
  const taken = version === 2 ? fontFor(1)?.file : undefined;
  const pick = any.find((f) => f !== taken) ?? any[0];
  return pick ? tryRead(pick) : null;
}
