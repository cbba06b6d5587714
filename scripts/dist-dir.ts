/**
 * Where the built bundles are: dist/ itself when running the bundled CLI
 * (dist/verbatim.js, every module then shares its import.meta.url), <repo>/dist
 * when running from source (this file sits in scripts/).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export const distDir = path.basename(here) === 'dist' ? here : path.join(here, '..', 'dist');
