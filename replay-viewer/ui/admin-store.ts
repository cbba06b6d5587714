/**
 * The Store health section of /admin: state, size on disk, the last signed checkpoint, the search index's lag behind
 * the change feed, and "Verify now" (the checks of `verbatim verify`, on the running store) with its progress,
 * polled once a second while it runs, and the last result.
 */
import { getStoreHealth, startVerify, type StoreHealthView, type VerifyState } from './admin-api';
import { feedback } from './admin-feedback';
import { clear, h } from './dom';
import { formatBytes, formatDateTime, formatDuration } from './format';

const POLL_MS = 1000;

export function storeSection(): { el: HTMLElement; refresh(): Promise<void> } {
  const fb = feedback();
  const facts = h('div', {});
  const verifyBox = h('div', { class: 'admin-verify' });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const button = h('button', { class: 'button', type: 'button', onclick: async () => {
    await fb.run(() => startVerify(), 'Verify started.', refresh);
  } }, 'Verify now');

  const refresh = async (): Promise<void> => {
    clearTimeout(timer);
    try {
      const s = await getStoreHealth();
      clear(facts);
      facts.append(factList(s));
      clear(verifyBox);
      verifyBox.append(verifyView(s.verify));
      button.disabled = !s.verify || s.verify.state === 'running';
      if (s.verify?.state === 'running') timer = setTimeout(() => void refresh(), POLL_MS);
    } catch (err) {
      fb.fail(err);
    }
  };

  const el = h('section', { class: 'admin-section', 'aria-labelledby': 'admin-store' },
    h('h2', { id: 'admin-store' }, 'Store health'), fb.el, facts,
    h('h3', {}, 'Verification'), h('p', { class: 'muted' }, 'Checks every hash chain, signed checkpoint and the witness log, as verbatim verify does, while recording goes on.'),
    button, verifyBox);
  return { el, refresh };
}

function factList(s: StoreHealthView): HTMLElement {
  const cp = s.lastCheckpoint;
  const state = s.state.state === 'degraded' ? `degraded since ${formatDateTime(s.state.since)}: ${s.state.reason}` : s.state.state;
  const search = s.search
    ? (s.search.lagChanges === 0 ? 'up to date' : `${s.search.lagChanges} change${s.search.lagChanges === 1 ? '' : 's'} behind`
      + (s.search.oldestUnindexedAt ? ` (oldest waiting ${formatDuration(s.at - s.search.oldestUnindexedAt)})` : ''))
    : 'search is off';
  return h('dl', { class: 'admin-facts', 'data-store-health': '' },
    h('dt', {}, 'State'), h('dd', { 'data-fact': 'state' }, state),
    h('dt', {}, 'Size on disk'), h('dd', { 'data-fact': 'size' }, formatBytes(s.sizeBytes)),
    h('dt', {}, 'Last checkpoint'), h('dd', { 'data-fact': 'checkpoint' }, cp
      ? `#${cp.seq} at ${formatDateTime(cp.time)}, ${cp.records} records${cp.signatureValid ? ', signature valid' : ', SIGNATURE DOES NOT VERIFY'}`
      : s.sealing ? 'none yet' : 'not sealing (no integrity keys)'),
    h('dt', {}, 'Change feed'), h('dd', { 'data-fact': 'feed' }, `${s.feed.lastSeq} changes`),
    h('dt', {}, 'Search index'), h('dd', { 'data-fact': 'search' }, search));
}

function verifyView(v: VerifyState | null): HTMLElement {
  if (!v) return h('p', { class: 'muted' }, 'Not available: this store has no integrity keys.');
  if (v.state === 'never') return h('p', { 'data-verify': 'never' }, 'Never run from here.');
  const started = `started ${formatDateTime(v.startedAt!)} by ${v.by ?? '?'}`;
  if (v.state === 'running') {
    const p = v.progress;
    return h('div', { 'data-verify': 'running' },
      h('p', {}, `Running (${started}): ${p ? `${p.phase} ${p.done} of ${p.total}` : 'starting'}.`),
      h('progress', { max: p?.total || 1, value: p?.done ?? 0, 'aria-label': 'Verify progress' }));
  }
  if (v.state === 'failed') return h('p', { class: 'error', 'data-verify': 'failed' }, `Could not finish (${started}): ${v.error ?? ''}`);
  const r = v.result!;
  return h('div', { 'data-verify': r.ok ? 'ok' : 'problems' },
    h('p', { class: r.ok ? 'admin-ok' : 'error' }, r.ok
      ? `Verified: no problems. ${r.stats.chains} chains, ${r.stats.records} records, ${r.stats.checkpoints} checkpoints (${started}, finished ${formatDateTime(v.finishedAt!)}).`
      : `${r.problems} problem${r.problems === 1 ? '' : 's'} found (${started}, finished ${formatDateTime(v.finishedAt!)}).`),
    r.firstProblems.length ? h('ul', {}, ...r.firstProblems.map((p) => h('li', {}, h('code', {}, p.code), ` ${p.message}`))) : null,
    r.notes.length ? h('ul', { class: 'muted' }, ...r.notes.map((n) => h('li', {}, n))) : null);
}
