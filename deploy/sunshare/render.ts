import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SunshareError } from '../../common/errors.ts';

/**
 * Config files for containers: the YAML templates in deploy/sunshare/ hold
 * ${NAME} (required) and ${NAME:-default} placeholders, filled from the
 * container's environment at start, so secrets live only in the env file.
 * A missing variable is an error naming the file and every variable missing.
 */
const PLACEHOLDER = /\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g;

export function renderTemplate(text: string, env: Record<string, string | undefined>, source: string): string {
  const missing = new Set<string>();
  const out = text.replace(PLACEHOLDER, (_, name: string, fallback?: string) => {
    const value = env[name];
    if (value !== undefined && value !== '') return JSON.stringify(value).slice(1, -1);
    if (fallback !== undefined) return fallback;
    missing.add(name);
    return '';
  });
  if (missing.size > 0) throw new SunshareError('CONFIG_ENV_MISSING', `${source} needs environment variable${missing.size === 1 ? '' : 's'} ${[...missing].join(', ')}, which ${missing.size === 1 ? 'is' : 'are'} not set`);
  return out;
}

/** Every variable a template reads, and whether it has a default. */
export function templateVariables(text: string): { name: string; required: boolean }[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => ({ name: m[1]!, required: m[2] === undefined }));
}

/**
 * For each `--config <outDir>/<name>.yaml` in args, renders <templateDir>/<name>.yaml
 * there (mode 600). Returns the files written.
 */
export function renderConfigsFor(args: string[], templateDir: string, outDir: string, env: Record<string, string | undefined>): string[] {
  const written: string[] = [];
  args.forEach((arg, i) => {
    const file = args[i + 1];
    if ((arg !== '--config' && arg !== '-c') || !file || !file.startsWith(`${outDir}/`)) return;
    const template = join(templateDir, basename(file));
    let text: string;
    try {
      text = readFileSync(template, 'utf8');
    } catch (err) {
      throw new SunshareError('CONFIG_UNREADABLE', `--config ${file} needs the template ${template}, which cannot be read: ${(err as Error).message}`);
    }
    mkdirSync(outDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, renderTemplate(text, env, template), { mode: 0o600 });
    written.push(file);
  });
  return written;
}
