/**
 * Whether a document request may be a person's browser loading a page, which is what a session is for. Crawlers,
 * monitoring probes, health checks and scripts that name themselves (isbot's list: curl, kube-probe,
 * ELB-HealthChecker, Googlebot, python-requests, …) get their page untouched: captured, no recorder, no session,
 * counted in the status as `sessions.notStarted`. Otherwise each of their cookieless requests would be a session
 * with nothing to replay. Every current browser sends Fetch Metadata (`Sec-Fetch-Dest`) with a navigation, and so
 * counts whatever its user agent says (automation on headless Chrome is recorded); a client without it counts
 * unless its user agent names a bot.
 */
import type { IncomingMessage } from 'node:http';
import { isbot } from 'isbot';

export function isBrowserPageLoad(req: IncomingMessage): boolean {
  if (req.headers['sec-fetch-dest'] !== undefined) return true;
  const ua = req.headers['user-agent'];
  return !(typeof ua === 'string' && isbot(ua));
}
