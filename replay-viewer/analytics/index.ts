/** Analytics' public door: the routes over the search index's analytics tables and the saved funnels in <data>/analytics. */
import path from 'node:path';
import type { SearchIndex } from '../search/search-index';
import { AnalyticsRoutes } from './analytics-routes';
import type { CustomerOf } from './funnels/customer-funnel';
import { FunnelRepository } from './funnels/funnel-repository';

export { AnalyticsRoutes } from './analytics-routes';
export const ANALYTICS_DIR = 'analytics';

export function openAnalytics(o: { dataDir: string; index: SearchIndex; now?: () => number; customerOf?: CustomerOf }): AnalyticsRoutes {
  return new AnalyticsRoutes(o.index, new FunnelRepository(path.join(o.dataDir, ANALYTICS_DIR)), o.now, o.customerOf);
}
