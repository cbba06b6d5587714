/**
 * A funnel: ordered steps, each a page (URL pattern, `*` a wildcard; ids already read `:id`, url-pattern.ts), a click
 * on an element (its stable selector, as search names it), a submit (a click on that selector that sent a write
 * request, page-views.ts), a marker (the site's own performance.mark or dataLayer event name, `*` a wildcard;
 * index/markers.ts) or a request (`METHOD /path-pattern [2xx|201]`, a capture of the proxy; index/requests.ts).
 * Plain data: saved as JSON (funnel-repository.ts), sent by the API, checked here.
 */
import { VerbatimError } from '../../../store/errors';

export const STEP_KINDS = ['page', 'click', 'submit', 'marker', 'request'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export interface FunnelStep { kind: StepKind; match: string; label: string }

export interface FunnelDefinition { name: string; steps: FunnelStep[] }

export interface Funnel extends FunnelDefinition {
  id: string;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

export const MIN_STEPS = 2;
export const MAX_STEPS = 10;
const MAX_NAME = 120;
const MAX_MATCH = 300;
const MAX_LABEL = 120;
const MAX_MARKER = 100;
/**
 * `POST /api/transfers`, `* /api/*`, `POST bank.example/api/transfers` (only that host, a name with a dot: a third
 * party's `/collect` is not the bank's), with an optional status class (`2xx`) or status (`201`).
 */
const REQUEST_MATCH = /^([A-Za-z]{1,16}|\*)\s+((?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z0-9-]{1,63}(?::\d{1,5})?)?(\/\S*)(?:\s+([1-5](?:xx|XX|\d\d)))?$/;

export interface RequestMatch { method: string | null; host: string | null; path: string; status: { from: number; to: number } | null }

/** A request step's match, read; undefined when it is not `METHOD /path [status]`. */
export function parseRequestMatch(match: string): RequestMatch | undefined {
  const m = REQUEST_MATCH.exec(match.trim());
  if (!m) return undefined;
  const status = m[4]?.toLowerCase();
  const from = status === undefined ? 0 : status.endsWith('xx') ? Number(status[0]) * 100 : Number(status);
  return {
    method: m[1] === '*' ? null : m[1]!.toUpperCase(),
    host: m[2] ? m[2].toLowerCase() : null,
    path: m[3]!,
    status: status === undefined ? null : { from, to: status.endsWith('xx') ? from + 100 : from + 1 },
  };
}

/** A request match written the one way (`POST /api/transfers 2xx`): saved funnels read the same. */
function canonicalRequest(r: RequestMatch, raw: string): string {
  const status = raw.trim().split(/\s+/)[2]?.toLowerCase();
  return [r.method ?? '*', `${r.host ?? ''}${r.path}`, ...(status ? [status] : [])].join(' ');
}

/** A definition from a request body, or a 400 that says what is wrong with it. */
export function parseDefinition(body: Record<string, unknown>): FunnelDefinition {
  const name = typeof body.name === 'string' ? body.name.trim() : '';
  if (!name || name.length > MAX_NAME) throw bad(`name must be 1 to ${MAX_NAME} characters`);
  if (!Array.isArray(body.steps) || body.steps.length < MIN_STEPS || body.steps.length > MAX_STEPS) {
    throw bad(`steps must be a list of ${MIN_STEPS} to ${MAX_STEPS} steps`);
  }
  const steps = body.steps.map((raw, i): FunnelStep => {
    const s = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    if (!STEP_KINDS.includes(s.kind as StepKind)) throw bad(`step ${i + 1}: kind must be one of ${STEP_KINDS.join(', ')}`);
    const kind = s.kind as StepKind;
    let match = typeof s.match === 'string' ? s.match.trim() : '';
    if (!match || match.length > MAX_MATCH || /[\u0000-\u001f]/.test(match)) throw bad(`step ${i + 1}: match must be 1 to ${MAX_MATCH} printable characters`);
    if (kind === 'page' && !match.startsWith('/')) throw bad(`step ${i + 1}: a page pattern starts with / (e.g. /payments/* or /accounts/:id)`);
    if (kind === 'marker' && match.length > MAX_MARKER) throw bad(`step ${i + 1}: a marker name is at most ${MAX_MARKER} characters (the recorder cuts longer ones)`);
    if (kind === 'request') {
      const r = parseRequestMatch(match);
      if (!r) throw bad(`step ${i + 1}: a request is METHOD /path-pattern, optionally with its host and a status (e.g. POST /api/transfers 2xx, GET bank.example/accounts/* 200)`);
      match = canonicalRequest(r, match);
    }
    const label = typeof s.label === 'string' && s.label.trim() ? s.label.trim().slice(0, MAX_LABEL) : `${kind === 'page' ? '' : `${kind} `}${match}`;
    return { kind, match, label };
  });
  return { name, steps };
}

function bad(message: string): VerbatimError {
  return new VerbatimError('BAD_REQUEST', `Funnel definition: ${message}`);
}
