/**
 * Entry of dist/viewer/first-frame.js, a player page's (`/sessions/<id>`) one script, inlined in it (ui-routes.ts): it
 * starts the player (player-start.ts: the events the page's head already asked for, the first frame drawn from
 * them) and only once that frame is painted imports app.js, which takes the start over (player.ts) and adds the
 * timeline and panels. So the first frame waits for rrweb and this start alone, not for the whole viewer (app.js's
 * own code, ~180 KB, evaluated after the frame). Both import rrweb from one shared chunk (scripts/build.ts).
 */
import { startPlayer } from './player-start';

const PLAYER_PATH = /^\/sessions\/([^/]+)\/?$/;
// Not a literal in import(): esbuild would bundle it. Absolute: this module runs inline in the page (ui-routes.ts),
// and the import is allowed by the nonce it runs with, which dynamic imports inherit (nonce-less scripts are refused).
const APP_URL = '/assets/app.js';

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
