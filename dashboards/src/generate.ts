import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allDashboards, renderDashboard } from './render.ts';

/**
 * Writes dashboards/grafana/dashboards/*.json from the TypeScript definitions.
 * Run after changing a dashboard: node dashboards/src/generate.ts
 * (dashboards.test.ts fails while the committed JSON differs from this output).
 */
export const DASHBOARDS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'grafana', 'dashboards');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const { file, dashboard } of allDashboards()) {
    writeFileSync(join(DASHBOARDS_DIR, file), renderDashboard(dashboard));
    console.log(`wrote ${join(DASHBOARDS_DIR, file)}`);
  }
}
