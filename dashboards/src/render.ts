import { fleetDashboard } from './fleet.ts';
import { inverterDashboard } from './inverter.ts';
import type { Dashboard } from './model.ts';
import { revenueDashboard } from './revenue.ts';
import { siteDashboard } from './site.ts';

/** Every provisioned dashboard, with the file it is written to under grafana/dashboards/. */
export function allDashboards(): { file: string; dashboard: Dashboard }[] {
  return [
    { file: 'fleet-overview.json', dashboard: fleetDashboard() },
    { file: 'site-detail.json', dashboard: siteDashboard() },
    { file: 'inverter-detail.json', dashboard: inverterDashboard() },
    { file: 'revenue.json', dashboard: revenueDashboard() },
  ];
}

/** The exact text committed for a dashboard: stable key order, two-space indent, final newline. */
export function renderDashboard(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
