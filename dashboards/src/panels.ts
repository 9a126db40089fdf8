import { MIXED } from './datasources.ts';
import type { DatasourceRef, Panel, Target } from './model.ts';

/**
 * Panel builders: every Sunshare panel goes through one of these, so units,
 * colours, legends and tooltips look the same on every dashboard.
 * Position (gridPos) and id are assigned by the DashboardBuilder.
 */
export type PanelSpec = Omit<Panel, 'id' | 'gridPos'> & { w: number; h: number };

interface Common {
  title: string;
  description?: string;
  targets: Target[];
  w: number;
  h: number;
  unit?: string;
  decimals?: number;
  timeFrom?: string;
  mappings?: unknown[];
  thresholds?: { color: string; value: number | null }[];
  links?: { title: string; url: string }[];
  overrides?: unknown[];
  transformations?: unknown[];
}

/** Value mappings for text states, e.g. { true: ['Online', 'green'] }. */
export function textMappings(map: Record<string, [string, string]>): unknown[] {
  const options: Record<string, unknown> = {};
  Object.entries(map).forEach(([value, [text, color]], index) => (options[value] = { text, color, index }));
  return [{ type: 'value', options }];
}

const GREEN_ONLY = [{ color: 'green', value: null }];

function datasourceOf(targets: Target[]): DatasourceRef {
  const uids = new Set(targets.map((t) => t.datasource.uid));
  if (uids.size === 1) return targets[0]!.datasource;
  return MIXED;
}

function base(type: string, c: Common, custom: Record<string, unknown>, options: Record<string, unknown>): PanelSpec {
  return {
    type,
    title: c.title,
    ...(c.description ? { description: c.description } : {}),
    w: c.w,
    h: c.h,
    datasource: datasourceOf(c.targets),
    targets: c.targets,
    ...(c.timeFrom ? { timeFrom: c.timeFrom } : {}),
    fieldConfig: {
      defaults: {
        ...(c.unit ? { unit: c.unit } : {}),
        ...(c.decimals !== undefined ? { decimals: c.decimals } : {}),
        color: { mode: c.thresholds ? 'thresholds' : 'palette-classic' },
        thresholds: { mode: 'absolute', steps: c.thresholds ?? GREEN_ONLY },
        mappings: c.mappings ?? [],
        ...(c.links ? { links: c.links } : {}),
        custom,
      },
      overrides: c.overrides ?? [],
    },
    options,
    ...(c.transformations?.length ? { transformations: c.transformations } : {}),
  };
}

const LEGEND = { displayMode: 'table', placement: 'bottom', showLegend: true, calcs: ['mean', 'max', 'lastNotNull'] };
const TOOLTIP = { mode: 'multi', sort: 'desc' };

export function timeseries(c: Common & { stack?: boolean; bars?: boolean }): PanelSpec {
  return base(
    'timeseries',
    c,
    {
      drawStyle: c.bars ? 'bars' : 'line',
      lineWidth: 1,
      fillOpacity: c.bars ? 80 : c.stack ? 40 : 10,
      spanNulls: false,
      showPoints: 'never',
      stacking: { mode: c.stack ? 'normal' : 'none', group: 'A' },
    },
    { legend: LEGEND, tooltip: TOOLTIP },
  );
}

export function stat(c: Common & { reduce?: 'lastNotNull' | 'sum' | 'max'; textMode?: 'value' | 'value_and_name' | 'name' }): PanelSpec {
  return base(
    'stat',
    c,
    {},
    {
      reduceOptions: { calcs: [c.reduce ?? 'lastNotNull'], fields: '', values: false },
      colorMode: c.thresholds || c.mappings ? 'background' : 'value',
      graphMode: 'none',
      justifyMode: 'auto',
      textMode: c.textMode ?? 'auto',
      orientation: 'auto',
    },
  );
}

export function barGauge(c: Common): PanelSpec {
  return base(
    'bargauge',
    c,
    {},
    {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      displayMode: 'gradient',
      orientation: 'horizontal',
      showUnfilled: true,
      valueMode: 'color',
    },
  );
}

/** A table; `hideTime` drops the time column of "last value" queries, where it means nothing. */
export function table(c: Common & { hideTime?: boolean; sortBy?: { displayName: string; desc: boolean }[] }): PanelSpec {
  const hide = c.hideTime ? [{ id: 'organize', options: { excludeByName: { Time: true } } }] : [];
  return base(
    'table',
    { ...c, transformations: [...hide, ...(c.transformations ?? [])] },
    { align: 'auto', cellOptions: { type: c.mappings ? 'color-background' : 'auto' }, filterable: true },
    { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], fields: '' }, sortBy: c.sortBy ?? [] },
  );
}

export function stateTimeline(c: Common): PanelSpec {
  return base(
    'state-timeline',
    c,
    { lineWidth: 0, fillOpacity: 80 },
    { mergeValues: true, showValue: 'auto', alignValue: 'left', rowHeight: 0.9, legend: { showLegend: true, displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'single' } },
  );
}
