/**
 * A funnel: ordered steps, each a page (URL pattern, `*` a wildcard; ids already read `:id`, url-pattern.ts), a click
 * on an element (its stable selector, as search names it) or a submit (a click on that selector that sent a write
 * request, page-views.ts). Plain data: saved as JSON (funnel-repository.ts), sent by the API, checked here.
 */
import { VerbatimError } from '../../../store/errors';

export const STEP_KINDS = ['page', 'click', 'submit'] as const;
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
    const match = typeof s.match === 'string' ? s.match.trim() : '';
    if (!match || match.length > MAX_MATCH || /[\u0000-\u001f]/.test(match)) throw bad(`step ${i + 1}: match must be 1 to ${MAX_MATCH} printable characters`);
    if (kind === 'page' && !match.startsWith('/')) throw bad(`step ${i + 1}: a page pattern starts with / (e.g. /payments/* or /accounts/:id)`);
    const label = typeof s.label === 'string' && s.label.trim() ? s.label.trim().slice(0, MAX_LABEL) : `${kind === 'page' ? '' : `${kind} `}${match}`;
    return { kind, match, label };
  });
  return { name, steps };
}

function bad(message: string): VerbatimError {
  return new VerbatimError('BAD_REQUEST', `Funnel definition: ${message}`);
}
