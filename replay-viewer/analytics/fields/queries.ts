/**
 * Reads of the field-analytics and click-map tables (tables.ts) through the index's connection, the same SQL on
 * SQLite and PostgreSQL (`?` placeholders numbered for PostgreSQL). Aggregates the database can do (counts, sums,
 * means) are done there; medians and the per-field shares from the rows of one form, here.
 */
import type { AnalyticsDb } from '../../search/search-index';
import type { ClickMap, ClickMapPage, FieldSummary, FieldsReport, FormSummary, Period } from './report-types';

const MAX_FORMS = 200;
const MAX_PAGES = 300;
const MAX_HOTSPOTS = 500;
/** Rows read for one form's report: a bound on memory; the report says so when it was reached. */
const MAX_FIELD_ROWS = 500_000;
const SESSIONS_PER_LEAVE = 20;

type Row = Record<string, unknown>;

export async function query(db: AnalyticsDb, sql: string, params: unknown[]): Promise<Row[]> {
  if (db.kind === 'sqlite') return db.db.prepare(sql).all(...params) as Row[];
  let n = 0;
  return (await db.pool.query(sql.replace(/\?/g, () => `$${++n}`), params)).rows as Row[];
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const period = (p: Period) => [p.from ?? 0, p.to ?? Number.MAX_SAFE_INTEGER];

export async function listForms(db: AnalyticsDb, p: Period): Promise<FormSummary[]> {
  const rows = await query(db, `
    SELECT host, url, form, COUNT(*) AS views, SUM(sent) AS submitted FROM (
      SELECT sid, page_id, host, url, form, MAX(submitted) AS sent FROM form_fields WHERE at >= ? AND at < ? GROUP BY sid, page_id, host, url, form
    ) v GROUP BY host, url, form ORDER BY views DESC, host, url, form LIMIT ${MAX_FORMS}`, period(p));
  return rows.map((r) => ({ host: String(r.host), url: String(r.url), form: String(r.form), views: num(r.views), submitted: num(r.submitted) }));
}

export async function fieldsReport(db: AnalyticsDb, form: { host: string; url: string; form: string }, p: Period): Promise<FieldsReport> {
  const rows = await query(db, `
    SELECT s.id AS session, f.sid, f.page_id, f.field, f.label, f.fill_ms, f.hesitations, f.corrections, f.errors, f.submitted, f.drop_off, f.left_at
    FROM form_fields f JOIN sessions s ON s.sid = f.sid
    WHERE f.host = ? AND f.url = ? AND f.form = ? AND f.at >= ? AND f.at < ? ORDER BY f.at, f.sid, f.page_id LIMIT ${MAX_FIELD_ROWS}`,
  [form.host, form.url, form.form, ...period(p)]);
  const views = new Map<string, boolean>();
  const byField = new Map<string, Row[]>();
  for (const r of rows) {
    const view = `${r.sid} ${r.page_id}`;
    views.set(view, (views.get(view) ?? false) || num(r.submitted) === 1);
    const list = byField.get(String(r.field)) ?? [];
    list.push(r);
    byField.set(String(r.field), list);
  }
  const total = views.size;
  const share = (n: number, of: number) => (of ? n / of : 0);
  const fields: FieldSummary[] = [...byField].map(([field, list]) => {
    const fills = list.filter((r) => r.fill_ms !== null && r.fill_ms !== undefined).map((r) => num(r.fill_ms));
    const dropOffs = list.filter((r) => num(r.drop_off) === 1).length;
    return {
      field, label: String(list[0]!.label ?? ''), touched: list.length, medianFillMs: median(fills),
      hesitationRate: share(list.filter((r) => num(r.hesitations) > 0).length, list.length),
      correctionRate: share(list.filter((r) => num(r.corrections) > 0).length, list.length),
      errorRate: share(list.filter((r) => num(r.errors) > 0).length, list.length),
      corrections: list.reduce((n, r) => n + num(r.corrections), 0),
      dropOffs, dropOffRate: share(dropOffs, total),
    };
  });
  const leaves = fields.filter((f) => f.dropOffs > 0).sort((a, b) => b.dropOffs - a.dropOffs || a.field.localeCompare(b.field)).map((f) => ({
    field: f.field, label: f.label, count: f.dropOffs,
    sessions: byField.get(f.field)!.filter((r) => num(r.drop_off) === 1).slice(-SESSIONS_PER_LEAVE).reverse()
      .map((r) => ({ sessionId: String(r.session), at: num(r.left_at) })),
  }));
  const submitted = [...views.values()].filter(Boolean).length;
  return { form: { ...form, views: total, submitted }, fields, leaves };
}

export async function clickMapPages(db: AnalyticsDb, p: Period): Promise<ClickMapPage[]> {
  const rows = await query(db, `
    SELECT host, url, version, COUNT(*) AS clicks, MIN(at) AS first_at, MAX(at) AS last_at FROM click_points
    WHERE at >= ? AND at < ? GROUP BY host, url, version ORDER BY host, url, first_at, version LIMIT ${MAX_PAGES}`, period(p));
  return rows.map((r) => ({ host: String(r.host), url: String(r.url), version: String(r.version), clicks: num(r.clicks), firstAt: num(r.first_at), lastAt: num(r.last_at) }));
}

export async function clickMap(db: AnalyticsDb, page: { host: string; url: string; version: string }, p: Period): Promise<ClickMap> {
  const where = 'host = ? AND url = ? AND version = ? AND at >= ? AND at < ?';
  const args = [page.host, page.url, page.version, ...period(p)];
  const spots = await query(db, `
    SELECT selector, COUNT(*) AS clicks, SUM(dead) AS dead, SUM(rage) AS rage, AVG(fx) AS fx, AVG(fy) AS fy
    FROM click_points WHERE ${where} GROUP BY selector ORDER BY clicks DESC, selector LIMIT ${MAX_HOTSPOTS}`, args);
  const depths = await query(db, `SELECT max_pct / 10 AS band, COUNT(*) AS n FROM scroll_depths WHERE ${where} GROUP BY max_pct / 10`, args);
  const latest = await query(db, `
    SELECT s.id AS session, c.sid, c.page_id FROM click_points c JOIN sessions s ON s.sid = c.sid
    WHERE c.host = ? AND c.url = ? AND c.version = ? AND c.at >= ? AND c.at < ? ORDER BY c.at DESC LIMIT 1`, args);
  let snapshot: ClickMap['snapshot'];
  if (latest[0]) {
    const first = await query(db, 'SELECT MIN(at) AS at FROM click_points WHERE sid = ? AND page_id = ? AND url = ?', [latest[0].sid, latest[0].page_id, page.url]);
    // Just before the page view's first click there: the page as the customer saw it when clicking.
    snapshot = { sessionId: String(latest[0].session), at: num(first[0]?.at) - 1 };
  }
  const bands = new Array<number>(11).fill(0);
  let views = 0;
  for (const d of depths) {
    const band = Math.min(10, Math.max(0, Math.floor(num(d.band))));
    bands[band]! += num(d.n);
    views += num(d.n);
  }
  // reached[i]: views whose deepest point is in band i or deeper.
  const reached = bands.map((_, i) => (views ? bands.slice(i).reduce((a, b) => a + b, 0) / views : 0));
  return {
    page,
    hotspots: spots.map((r) => ({
      selector: String(r.selector), clicks: num(r.clicks), dead: num(r.dead), rage: num(r.rage),
      fx: mean(r.fx), fy: mean(r.fy),
    })),
    scroll: { views, reached },
    ...(snapshot ? { snapshot } : {}),
  };
}

/** A mean position to 3 decimals: the backends sum floats in different orders. */
const mean = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 1000) / 1000);

function median(values: number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
}
