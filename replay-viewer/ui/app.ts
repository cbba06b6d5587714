/** Entry of the viewer UI (bundled to dist/viewer/app.js): routes on the path. */
import { h } from './dom';
import { renderAccountBar } from './account-bar';
import { renderAdminPage } from './admin-page';
import { renderAuditPage } from './audit-page';
import { renderClickMapPage } from './clickmap-page';
import { renderFieldAnalyticsPage } from './field-analytics-page';
import { renderLivePage } from './live-page';
import { renderFunnelsPage } from './funnels-page';
import { renderJourneysPage } from './journeys-page';
import { renderPlayer } from './player';
import { renderReviewRunPage } from './review-run-page';
import { renderReviewsPage } from './reviews-page';
import { renderHome } from './role-home';
import { renderVersionsPage } from './versions-page';

function main(): void {
  const root = document.getElementById('app');
  if (!root) return;
  const player = /^\/sessions\/([^/]+)\/?$/.exec(location.pathname);
  const live = /^\/sessions\/([^/]+)\/live\/?$/.exec(location.pathname);
  if (live) {
    void renderLivePage(root, decodeURIComponent(live[1]!));
  } else if (player) {
    void renderPlayer(root, decodeURIComponent(player[1]!), new URLSearchParams(location.search));
  } else if (/^\/reviews\/?$/.test(location.pathname)) {
    void renderReviewsPage(root);
  } else if (/^\/reviews\/runs\/([^/]+)\/?$/.test(location.pathname)) {
    void renderReviewRunPage(root, decodeURIComponent(/^\/reviews\/runs\/([^/]+)/.exec(location.pathname)![1]!));
  } else if (/^\/admin\/?$/.test(location.pathname)) {
    void renderAdminPage(root);
  } else if (/^\/audit\/?$/.test(location.pathname)) {
    void renderAuditPage(root);
  } else if (/^\/analytics\/fields\/?$/.test(location.pathname)) {
    void renderFieldAnalyticsPage(root);
  } else if (/^\/analytics\/clickmap\/?$/.test(location.pathname)) {
    void renderClickMapPage(root);
  } else if (/^\/analytics\/funnels\/?$/.test(location.pathname)) {
    void renderFunnelsPage(root);
  } else if (/^\/analytics\/journeys\/?$/.test(location.pathname)) {
    void renderJourneysPage(root);
  } else if (/^\/versions\/?$/.test(location.pathname)) {
    void renderVersionsPage(root);
  } else if (location.pathname === '/') {
    void renderHome(root);
  } else {
    root.append(h('p', { class: 'player-status error' }, 'Page not found. '), h('a', { href: '/' }, 'All sessions'));
  }
}

main();
void renderAccountBar();
