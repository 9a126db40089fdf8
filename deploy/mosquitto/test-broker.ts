import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMosquitto } from '../../common/testing/index.ts';

/**
 * For tests: a real Mosquitto running deploy/mosquitto/mosquitto.conf and acl
 * (the compose stack's broker), with the container's paths replaced by a temp
 * dir, its listener moved to a free loopback port, and a password file made
 * with mosquitto_passwd: common/testing's startMosquitto with this config.
 * Mosquitto started as root drops to its own user, so the temp dir is
 * world-writable.
 */
const HERE = import.meta.dirname;

export interface ComposeBroker {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startComposeBroker(passwords: Record<string, string>): Promise<ComposeBroker> {
  const broker = await startMosquitto(({ port, dir }) => {
    chmodSync(dir, 0o777);
    const passwd = join(dir, 'passwd');
    writeFileSync(passwd, '');
    for (const [user, password] of Object.entries(passwords)) {
      const r = spawnSync('mosquitto_passwd', ['-b', passwd, user, password], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`mosquitto_passwd failed: ${r.stderr}`);
    }
    chmodSync(passwd, 0o644);
    copyFileSync(join(HERE, 'acl'), join(dir, 'acl'));
    return readFileSync(join(HERE, 'mosquitto.conf'), 'utf8')
      .replace(/^listener 1883 0\.0\.0\.0$/m, `listener ${port} 127.0.0.1`)
      .replaceAll('/mosquitto/data/', `${dir}/`)
      .replaceAll('/mosquitto/config/', `${dir}/`)
      .replace(/^log_dest stdout$/m, `log_dest file ${dir}/mosquitto.log`);
  });
  return { url: broker.url, stop: () => broker.destroy() };
}
