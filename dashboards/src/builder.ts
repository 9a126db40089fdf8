import type { Dashboard, DashboardLink, Panel, RowPanel, Variable } from './model.ts';
import type { PanelSpec } from './panels.ts';

const GRID_WIDTH = 24;

/** Every Sunshare dashboard links to the others through this tag. */
export const SUNSHARE_TAG = 'sunshare';

interface DashboardHeader {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  variables: Variable[];
  time?: { from: string; to: string };
  refresh?: string;
  /** Annotation queries (e.g. the monitor's alarms on every time axis). */
  annotations?: unknown[];
}

/**
 * Lays panels out left to right, wrapping at Grafana's 24-column grid, and
 * numbers them; `row()` starts a titled row on a new line.
 */
export class DashboardBuilder {
  private readonly panels: (Panel | RowPanel)[] = [];
  private x = 0;
  private y = 0;
  private lineHeight = 0;
  private nextId = 1;

  private readonly header: DashboardHeader;

  constructor(header: DashboardHeader) {
    this.header = header;
  }

  row(title: string): this {
    this.newLine();
    this.panels.push({ id: this.nextId++, type: 'row', title, gridPos: { x: 0, y: this.y, w: GRID_WIDTH, h: 1 }, collapsed: false, panels: [] });
    this.y += 1;
    return this;
  }

  add(...specs: PanelSpec[]): this {
    for (const { w, h, ...spec } of specs) {
      if (this.x + w > GRID_WIDTH) this.newLine();
      this.panels.push({ id: this.nextId++, gridPos: { x: this.x, y: this.y, w, h }, ...spec });
      this.x += w;
      this.lineHeight = Math.max(this.lineHeight, h);
    }
    return this;
  }

  build(): Dashboard {
    const { uid, title, description, tags, variables, time, refresh, annotations } = this.header;
    const links: DashboardLink[] = [
      { title: 'Sunshare', type: 'dashboards', tags: [SUNSHARE_TAG], asDropdown: true, includeVars: true, keepTime: true },
    ];
    return {
      uid,
      title,
      description,
      tags: [SUNSHARE_TAG, ...tags],
      timezone: 'browser',
      editable: true,
      graphTooltip: 1,
      refresh: refresh ?? '1m',
      schemaVersion: 39,
      version: 1,
      time: time ?? { from: 'now-24h', to: 'now' },
      templating: { list: variables },
      annotations: { list: annotations ?? [] },
      links,
      panels: this.panels,
    };
  }

  private newLine(): void {
    if (this.x === 0) return;
    this.y += this.lineHeight;
    this.x = 0;
    this.lineHeight = 0;
  }
}
