/** Entry of the viewer UI (bundled to dist/viewer/app.js): routes on the path. */
import { h } from './dom';
import { renderAccountBar } from './account-bar';
import { renderPlayer } from './player';
import { renderSessionList } from './session-list';

function main(): void {
  const root = document.getElementById('app');
  if (!root) return;
  const player = /^\/sessions\/([^/]+)\/?$/.exec(location.pathname);
  if (player) {
    void renderPlayer(root, decodeURIComponent(player[1]!), new URLSearchParams(location.search));
  } else if (location.pathname === '/') {
    renderSessionList(root);
  } else {
    root.append(h('p', { class: 'player-status error' }, 'Page not found. '), h('a', { href: '/' }, 'All sessions'));
  }
}

main();
void renderAccountBar();
