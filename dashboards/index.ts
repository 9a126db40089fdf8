/**
 * Grafana dashboards and provisioning for Sunshare. The dashboards are
 * defined in TypeScript (src/) and committed as JSON (grafana/dashboards/);
 * grafana/provisioning/ holds the datasources and the dashboard provider.
 */
export { allDashboards, renderDashboard } from './src/render.ts';
export { INFLUX, LEDGER } from './src/datasources.ts';
export type { Dashboard, Panel, Target, Variable } from './src/model.ts';
export { siteDashboard } from './src/site.ts';
export type { InfluxTarget } from './src/model.ts';
