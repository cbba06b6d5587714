/** Entry of the viewer UI (bundled to dist/viewer/app.js): routes on the path. */
import { h } from './dom';
import { renderAccountBar } from './account-bar';
import { renderFunnelsPage } from './funnels-page';
import { renderJourneysPage } from './journeys-page';
import { renderPlayer } from './player';
import { renderReviewRunPage } from './review-run-page';
import { renderReviewsPage } from './reviews-page';
import { renderSessionList } from './session-list';

function main(): void {
  const root = document.getElementById('app');
  if (!root) return;
  const player = /^\/sessions\/([^/]+)\/?$/.exec(location.pathname);
  if (player) {
    void renderPlayer(root, decodeURIComponent(player[1]!), new URLSearchParams(location.search));
  } else if (/^\/reviews\/?$/.test(location.pathname)) {
    void renderReviewsPage(root);
  } else if (/^\/reviews\/runs\/([^/]+)\/?$/.test(location.pathname)) {
    void renderReviewRunPage(root, decodeURIComponent(/^\/reviews\/runs\/([^/]+)/.exec(location.pathname)![1]!));
  } else if (/^\/analytics\/funnels\/?$/.test(location.pathname)) {
    void renderFunnelsPage(root);
  } else if (/^\/analytics\/journeys\/?$/.test(location.pathname)) {
    void renderJourneysPage(root);
  } else if (location.pathname === '/') {
    renderSessionList(root);
  } else {
    root.append(h('p', { class: 'player-status error' }, 'Page not found. '), h('a', { href: '/' }, 'All sessions'));
  }
}

main();
void renderAccountBar();
