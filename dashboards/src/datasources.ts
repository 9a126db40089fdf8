import type { DatasourceRef, InfluxTarget, SqlTarget, Variable } from './model.ts';

/**
 * The two provisioned datasources (grafana/provisioning/datasources/sunshare.yaml).
 * Dashboards refer to them by these fixed uids, never by name.
 */
export const INFLUX: DatasourceRef = { type: 'influxdb', uid: 'sunshare-influxdb' };
export const LEDGER: DatasourceRef = { type: 'grafana-postgresql-datasource', uid: 'sunshare-ledger' };
/** Grafana's built-in "Mixed" datasource: each target names its own. */
export const MIXED: DatasourceRef = { type: 'datasource', uid: '-- Mixed --' };

export function influxql(refId: string, query: string, resultFormat: InfluxTarget['resultFormat'] = 'time_series', alias?: string): InfluxTarget {
  return { refId, datasource: INFLUX, query, rawQuery: true, resultFormat, ...(alias ? { alias } : {}) };
}

export function sql(refId: string, rawSql: string, format: SqlTarget['format'] = 'table'): SqlTarget {
  return { refId, datasource: LEDGER, rawSql, rawQuery: true, editorMode: 'code', format };
}

interface VariableOptions {
  label: string;
  multi?: boolean;
  description?: string;
}

/** A variable filled from the InfluxDB tag values (e.g. sites that reported). */
export function influxVariable(name: string, query: string, opts: VariableOptions): Variable {
  const multi = opts.multi ?? false;
  return {
    name,
    label: opts.label,
    type: 'query',
    datasource: INFLUX,
    query,
    definition: query,
    multi,
    includeAll: multi,
    ...(multi ? { allValue: '.*' } : {}),
    refresh: 1,
    sort: 1,
    current: multi ? { selected: true, text: ['All'], value: ['$__all'] } : {},
    options: [],
    hide: 0,
    ...(opts.description ? { description: opts.description } : {}),
  };
}

/** A variable filled from the ledger (e.g. the registered sites); "All" sends every value, for `IN (...)`. */
export function sqlVariable(name: string, query: string, opts: VariableOptions): Variable {
  const { allValue: _regexOnly, ...v } = influxVariable(name, query, opts);
  return { ...v, datasource: LEDGER };
}

/** A free-text variable with a default, for parameters such as the expected yield. */
export function textVariable(name: string, value: string, opts: VariableOptions): Variable {
  return {
    name,
    label: opts.label,
    type: 'textbox',
    query: value,
    multi: false,
    includeAll: false,
    current: { text: value, value },
    options: [{ selected: true, text: value, value }],
    hide: 0,
    ...(opts.description ? { description: opts.description } : {}),
  };
}
