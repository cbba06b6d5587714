/**
 * Reads of the field-analytics and click-map tables (tables.ts) through the index's connection, the same SQL on
 * SQLite and PostgreSQL (`?` placeholders numbered for PostgreSQL). Everything is aggregated in the database (counts,
 * sums, means; a median is an OFFSET into a field's fill times in index order), so an answer's cost does not grow
 * with rows copied into Node.
 */
import type { AnalyticsDb } from '../../search/search-index';
import type { ClickMap, ClickMapPage, FieldSummary, FieldsReport, FormSummary, Period } from './report-types';

const MAX_FORMS = 200;
const MAX_PAGES = 300;
const MAX_HOTSPOTS = 500;
const MAX_FIELDS = 200;
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
  const where = 'host = ? AND url = ? AND form = ? AND at >= ? AND at < ?';
  const args = [form.host, form.url, form.form, ...period(p)];
  const [views, perField, leavers] = await Promise.all([
    query(db, `SELECT COUNT(*) AS views, SUM(sent) AS submitted FROM (SELECT MAX(submitted) AS sent FROM form_fields WHERE ${where} GROUP BY sid, page_id) v`, args),
    query(db, `
      SELECT field, MAX(label) AS label, COUNT(*) AS touched, SUM(CASE WHEN hesitations > 0 THEN 1 ELSE 0 END) AS hesitated,
        SUM(CASE WHEN corrections > 0 THEN 1 ELSE 0 END) AS corrected, SUM(corrections) AS corrections,
        SUM(CASE WHEN errors > 0 THEN 1 ELSE 0 END) AS erred, SUM(drop_off) AS drop_offs, COUNT(fill_ms) AS filled
      FROM form_fields WHERE ${where} GROUP BY field ORDER BY touched DESC, field LIMIT ${MAX_FIELDS}`, args),
    query(db, `
      SELECT session, field, left_at FROM (
        SELECT s.id AS session, f.field, f.left_at, ROW_NUMBER() OVER (PARTITION BY f.field ORDER BY f.left_at DESC, s.id) AS rn
        FROM form_fields f JOIN sessions s ON s.sid = f.sid
        WHERE f.host = ? AND f.url = ? AND f.form = ? AND f.at >= ? AND f.at < ? AND f.drop_off = 1
      ) latest WHERE rn <= ${SESSIONS_PER_LEAVE} ORDER BY field, rn`, args),
  ]);
  const total = num(views[0]?.views);
  // A field's median: the middle one (or the mean of the middle two) of its fill times, read in index order.
  const median = new Map<string, number>();
  for (const r of perField) {
    const n = num(r.filled);
    if (!n) continue;
    const mid = await query(db, `SELECT fill_ms FROM form_fields WHERE ${where} AND field = ? AND fill_ms IS NOT NULL ORDER BY fill_ms LIMIT ? OFFSET ?`,
      [...args, r.field, n % 2 ? 1 : 2, Math.floor((n - 1) / 2)]);
    median.set(String(r.field), Math.round(mid.reduce((a, x) => a + num(x.fill_ms), 0) / Math.max(1, mid.length)));
  }
  const share = (n: number, of: number) => (of ? n / of : 0);
  const fields: FieldSummary[] = perField.map((r) => {
    const touched = num(r.touched);
    const dropOffs = num(r.drop_offs);
    return {
      field: String(r.field), label: String(r.label ?? ''), touched, medianFillMs: median.get(String(r.field)) ?? null,
      hesitationRate: share(num(r.hesitated), touched), correctionRate: share(num(r.corrected), touched), errorRate: share(num(r.erred), touched),
      corrections: num(r.corrections), dropOffs, dropOffRate: share(dropOffs, total),
    };
  });
  const leaves = fields.filter((f) => f.dropOffs > 0).sort((a, b) => b.dropOffs - a.dropOffs || a.field.localeCompare(b.field)).map((f) => ({
    field: f.field, label: f.label, count: f.dropOffs,
    sessions: leavers.filter((r) => String(r.field) === f.field).map((r) => ({ sessionId: String(r.session), at: num(r.left_at) })),
  }));
  return { form: { ...form, views: total, submitted: num(views[0]?.submitted) }, fields, leaves };
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

