import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ERRORS } from '../../common/errors.ts';
import { renderConfigsFor, renderTemplate, templateVariables } from './render.ts';

describe('config templates', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('fills placeholders from the environment, with defaults, escaped for double-quoted YAML', () => {
    const text = 'a: "${A}"\nb: "${B:-fallback}"\nc: ${C:-7}\n';
    const out = renderTemplate(text, { A: 'pa"ss\\word' }, 't.yaml');
    expect(parseYaml(out)).toEqual({ a: 'pa"ss\\word', b: 'fallback', c: 7 });
    expect(templateVariables(text)).toEqual([
      { name: 'A', required: true },
      { name: 'B', required: false },
      { name: 'C', required: false },
    ]);
  });

  it('names the file and every missing variable at once; an empty value counts as missing', () => {
    expect(() => renderTemplate('x: "${X}"\ny: "${Y}"\nz: "${Z}"', { Z: '', Y: 'ok' }, 'deploy/sunshare/api.yaml')).toThrow(
      'deploy/sunshare/api.yaml needs environment variables X, Z, which are not set',
    );
  });

  it('renders only the configs the command names, into the output dir, readable by the owner only', () => {
    const templates = mkdtempSync(join(tmpdir(), 'sunshare-tpl-'));
    const out = join(mkdtempSync(join(tmpdir(), 'sunshare-out-')), 'cfg');
    dirs.push(templates, out);
    const repo = join(import.meta.dirname);
    const env = { MQTT_URL: 'mqtt://broker:1883', INFLUX_URL: 'http://influx:8086', INFLUX_ORG: 'o', INFLUX_BUCKET: 'b', DATABASE_URL: 'postgres://u:p@db/x' };
    const written = renderConfigsFor(['ingest', '--config', `${out}/ingest.yaml`, '--log-level', 'info'], repo, out, env);
    expect(written).toEqual([`${out}/ingest.yaml`]);
    expect(statSync(written[0]!).mode & 0o777).toBe(0o600);
    const cfg = parseYaml(readFileSync(written[0]!, 'utf8')) as { mqtt: { url: string }; ledger: string };
    expect(cfg.mqtt.url).toBe('mqtt://broker:1883');
    expect(cfg.ledger).toBe('postgres://u:p@db/x');
    // a --config outside the output dir is the operator's own file: left alone
    expect(renderConfigsFor(['gateway', '--config', '/etc/my/gateway.yaml'], repo, out, env)).toEqual([]);
    expect(() => renderConfigsFor(['api', '-c', `${out}/api.yaml`], repo, out, env)).toThrow(/needs environment variable MQTT_API_PASSWORD/);
    expect(() => renderConfigsFor(['api', '--config', `${out}/nope.yaml`], repo, out, env)).toThrow(`--config ${out}/nope.yaml needs the template ${repo}/nope.yaml, which cannot be read`);
  });

  it('the container entrypoint renders the config, then runs the sunshare command with it in the same process', () => {
    const out = mkdtempSync(join(tmpdir(), 'sunshare-ep-'));
    dirs.push(out);
    const entrypoint = join(import.meta.dirname, 'entrypoint.ts');
    const env = { ...process.env, SUNSHARE_CONFIG_TEMPLATES: import.meta.dirname, SUNSHARE_CONFIG_DIR: out, DEMO_SITE: 'demo-site-a', DEMO_SIM_HOST: 'sim-a', MQTT_URL: 'mqtt://mosquitto:1883' };
    const args = [entrypoint, 'gateway', '--config', `${out}/gateway-demo.yaml`, '--check'];
    const missing = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
    expect(missing.status).toBe(ERRORS.CONFIG_ENV_MISSING.exit);
    expect(missing.stderr).toContain('needs environment variable MQTT_GATEWAY_PASSWORD, which is not set');
    const ok = spawnSync(process.execPath, args, { env: { ...env, MQTT_GATEWAY_PASSWORD: 'secret' }, encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^sunshare gateway: config OK \(.*gateway-demo\.yaml\) .*devices=\[3\]/m);
  });
});
