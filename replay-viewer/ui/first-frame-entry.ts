/**
 * Entry of dist/viewer/first-frame.js, the one script a player page (`/sessions/<id>`) loads (ui-routes.ts): it
 * starts the player (player-start.ts: the events the page's head already asked for, the first frame drawn from
 * them) and only once that frame is painted imports app.js, which takes the start over (player.ts) and adds the
 * timeline and panels. So the first frame waits for rrweb and this start alone, not for the whole viewer (app.js's
 * own code, ~180 KB, evaluated after the frame). Both import rrweb from one shared chunk (scripts/build.ts).
 */
import { startPlayer } from './player-start';

const PLAYER_PATH = /^\/sessions\/([^/]+)\/?$/;
// Beside this file; a plain string would be bundled by esbuild (and nonce-less scripts are refused: the import is
// allowed by the nonce this module was loaded with, which dynamic imports inherit).
const APP_URL = new URL('./app.js', import.meta.url).href;

function loadApp(): void {
  void import(APP_URL);
}

const root = document.getElementById('app');
const player = PLAYER_PATH.exec(location.pathname);
if (root && player) {
  void startPlayer(root, decodeURIComponent(player[1]!), new URLSearchParams(location.search)).framed.then(loadApp);
} else {
  loadApp();
}
