/**
 * The subset of Grafana's dashboard JSON model the Sunshare dashboards use
 * (schemaVersion 39, Grafana 10.4-11.x). Only what we set is typed; Grafana
 * fills the rest with its defaults when it loads a provisioned dashboard.
 */
export interface DatasourceRef {
  type: string;
  uid: string;
}

export interface InfluxTarget {
  refId: string;
  datasource: DatasourceRef;
  query: string;
  rawQuery: true;
  resultFormat: 'time_series' | 'table';
  alias?: string;
}

export interface SqlTarget {
  refId: string;
  datasource: DatasourceRef;
  rawSql: string;
  rawQuery: true;
  editorMode: 'code';
  format: 'time_series' | 'table';
}

export type Target = InfluxTarget | SqlTarget;

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: GridPos;
  datasource: DatasourceRef;
  targets: Target[];
  /** Relative time override, e.g. "now/d" for "today so far". */
  timeFrom?: string;
  fieldConfig: { defaults: Record<string, unknown>; overrides: unknown[] };
  options: Record<string, unknown>;
  transformations?: unknown[];
}

export interface RowPanel {
  id: number;
  type: 'row';
  title: string;
  gridPos: GridPos;
  collapsed: false;
  panels: [];
}

export interface Variable {
  name: string;
  label: string;
  type: 'query' | 'textbox' | 'custom';
  datasource?: DatasourceRef;
  query: string;
  definition?: string;
  multi: boolean;
  includeAll: boolean;
  /** What "All" sends instead of every value: '.*' keeps InfluxQL regexes cheap on big fleets. */
  allValue?: string;
  refresh?: 1 | 2;
  sort?: number;
  current: Record<string, unknown>;
  options: unknown[];
  hide: 0;
  description?: string;
}

export interface DashboardLink {
  title: string;
  type: 'dashboards';
  tags: string[];
  asDropdown: boolean;
  includeVars: boolean;
  keepTime: boolean;
}

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  /** 'browser', 'utc' or an IANA time zone name. */
  timezone: string;
  editable: boolean;
  graphTooltip: 1;
  refresh: string;
  schemaVersion: 39;
  version: 1;
  time: { from: string; to: string };
  templating: { list: Variable[] };
  annotations: { list: unknown[] };
  links: DashboardLink[];
  panels: (Panel | RowPanel)[];
}
