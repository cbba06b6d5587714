/**
 * Every analytics module the index keeps: one line per module. A new table is its own module (table + collector)
 * and one line here; the index creates, fills, erases and resets it with no other change.
 */
import type { AnalyticsModule, AnalyticsTable } from './analytics-table';
import { fieldAnalyticsModule } from '../fields/tables';
import { markersModule } from './markers';
import { pageViewsModule } from './page-views';
import { requestsModule } from './requests';
import { sessionPathsModule } from './session-paths';
import { versionsModule } from '../versions/tables';

export const ANALYTICS_MODULES: readonly AnalyticsModule[] = [
  pageViewsModule,
  fieldAnalyticsModule,
  sessionPathsModule,
  versionsModule,
  markersModule,
  requestsModule,
];

export const ANALYTICS_TABLES: readonly AnalyticsTable<any>[] = ANALYTICS_MODULES.flatMap((m) => m.tables);

const BY_NAME = new Map(ANALYTICS_TABLES.map((t) => [t.name, t]));

export function tableNamed(name: string): AnalyticsTable<any> | undefined {
  return BY_NAME.get(name);
}
