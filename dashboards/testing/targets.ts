import type { Dashboard, Panel, Target, Variable } from '../src/model.ts';

export interface PanelTarget {
  panel: Panel;
  target: Target;
  /** "Dashboard title / panel title / refId", for test names and messages. */
  name: string;
}

/** Every query target of a dashboard, with its panel. */
export function panelTargets(dashboard: Dashboard): PanelTarget[] {
  return dashboard.panels.flatMap((p) =>
    p.type === 'row' ? [] : (p as Panel).targets.map((target) => ({ panel: p as Panel, target, name: `${dashboard.title} / ${p.title} / ${target.refId}` })),
  );
}

/**
 * Values for each variable, in dashboard order (later variables may use earlier
 * ones): `chosen` picks values, otherwise a multi variable takes "All" (every
 * value its query returns) and a single one the first, as Grafana does.
 */
export async function resolveVariables(
  variables: Variable[],
  chosen: Record<string, string[]>,
  runQuery: (v: Variable, valuesSoFar: Record<string, string[]>, allSoFar: Set<string>) => Promise<string[]>,
): Promise<{ values: Record<string, string[]>; all: Set<string> }> {
  const values: Record<string, string[]> = {};
  const all = new Set<string>();
  for (const v of variables) {
    if (v.type === 'textbox' || v.type === 'custom') {
      values[v.name] = chosen[v.name] ?? [v.query];
      continue;
    }
    const options = await runQuery(v, values, all);
    if (options.length === 0) throw new Error(`variable $${v.name} has no values (query: ${v.query})`);
    const pick = chosen[v.name];
    if (pick) {
      const unknown = pick.filter((p) => !options.includes(p));
      if (unknown.length > 0) throw new Error(`variable $${v.name} has no value ${unknown.join(', ')} (it has ${options.join(', ')})`);
    }
    values[v.name] = pick ?? (v.multi || v.includeAll ? options : [options[0]!]);
    if (!pick && v.includeAll) all.add(v.name);
  }
  return { values, all };
}
