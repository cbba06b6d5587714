/**
 * Whether a document request may be a person's browser loading a page, which is what a session is for. Crawlers,
 * monitoring probes, health checks and scripts that name themselves (isbot's list: curl, kube-probe,
 * ELB-HealthChecker, Googlebot, python-requests, …) get their page untouched: captured, no recorder, no session,
 * counted in the status as `sessions.notStarted`. Otherwise each of their cookieless requests would be a session
 * with nothing to replay. A browser that sends Fetch Metadata (`Sec-Fetch-Dest`; current browsers do, but only to
 * HTTPS and loopback origins) counts whatever its user agent says; so does a headless or automated browser (isbot's
 * `headless`, `playwright`, `selenium` patterns are left out): it runs the recorder like any other browser, and a
 * bank's own synthetic journeys are worth replaying.
 */
import type { IncomingMessage } from 'node:http';
import { createIsbotFromList, list } from 'isbot';

const BROWSERS_DRIVEN_BY_SCRIPTS = new Set(['headless', 'playwright', 'selenium']);
const isNamedBot = createIsbotFromList(list.filter((pattern) => !BROWSERS_DRIVEN_BY_SCRIPTS.has(pattern)));

export function isBrowserPageLoad(req: IncomingMessage): boolean {
  if (req.headers['sec-fetch-dest'] !== undefined) return true;
  const ua = req.headers['user-agent'];
  return !(typeof ua === 'string' && isNamedBot(ua));
}
