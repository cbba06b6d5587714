/**
 * The evidence file's player (page-player.ts, rrweb's Replayer) and rrweb's
 * stylesheet. `npm run build` writes both into dist/export/, so exporting needs
 * neither esbuild nor node_modules at run time; only when there is no build
 * (tests run from source) is the player bundled on the spot.
 */
import { copyFile, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';
import { VerbatimError } from '../../store/errors';
import { distDir } from '../dist-dir';

const here = path.dirname(fileURLToPath(import.meta.url));
const resolvePackage = createRequire(import.meta.url).resolve;

export const PLAYER_DIR = path.join(distDir, 'export');
const SCRIPT_FILE = 'page-player.js';
const CSS_FILE = 'rrweb.css';
const RRWEB_CSS = 'rrweb/dist/style.css';

const OPTIONS = {
  entryPoints: [path.join(here, 'page-player.ts')], bundle: true, format: 'iife', minify: true,
  platform: 'browser', target: 'es2020', legalComments: 'none', logLevel: 'warning',
} satisfies BuildOptions;

/** `npm run build`: the player and rrweb's stylesheet into `out` (dist/export). */
export async function buildPlayer(out = PLAYER_DIR): Promise<void> {
  const { build } = await import('esbuild');
  await build({ ...OPTIONS, outfile: path.join(out, SCRIPT_FILE) });
  await copyFile(resolvePackage(RRWEB_CSS), path.join(out, CSS_FILE));
}

/** The player script and stylesheet an evidence file embeds: the prebuilt ones, else bundled now. */
export async function loadPlayer(): Promise<{ script: string; css: string }> {
  try {
    const [script, css] = await Promise.all([
      readFile(path.join(PLAYER_DIR, SCRIPT_FILE), 'utf8'), readFile(path.join(PLAYER_DIR, CSS_FILE), 'utf8'),
    ]);
    return { script, css };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // esbuild is a development dependency: imported only here, never by the bundled CLI's start-up.
  const esbuild = await import('esbuild').catch((err: unknown) => {
    throw new VerbatimError('CONFIG_INVALID', `the evidence player is not built (${path.join(PLAYER_DIR, SCRIPT_FILE)}): run npm run build`, {}, { cause: err });
  });
  const result = await esbuild.build({ ...OPTIONS, write: false });
  return { script: result.outputFiles[0]!.text, css: await readFile(resolvePackage(RRWEB_CSS), 'utf8') };
}
