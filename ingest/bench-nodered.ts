import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitFor } from '../common/testing/index.ts';

/**
 * The Node-RED comparison (Node-RED 4: version 5 needs Node 22) for the ingest bench: Node-RED and
 * node-red-contrib-influxdb are installed into a temp dir for the benchmark
 * only (not a project dependency), and run the usual flow: mqtt in (QoS 1,
 * persistent session) -> function (batch to points) -> influxdb batch (1.x).
 */
export interface NodeRedRun {
  /** Starts Node-RED; resolves once its MQTT node has connected (its session exists from then on). */
  start(): Promise<void>;
  /** SIGTERM; with `hard` SIGKILL, which keeps the MQTT session's subscription (a clean stop unsubscribes). */
  stop(hard?: boolean): Promise<void>;
  /** The end of Node-RED's log, for error messages. */
  log(): string;
}

const TO_POINTS = `
const b = msg.payload;
msg.payload = b.readings.map((r) => {
  const { device, kind, ts, state, alarms, quality, serial, ...numbers } = r;
  const fields = { ...numbers };
  if (state !== undefined) fields.state = state;
  return { measurement: kind, tags: { site: b.site, gateway: b.gateway, device }, fields, timestamp: ts };
});
return msg;`;

export function installNodeRed(dir: string): string {
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', 'node-red@4', 'node-red-contrib-influxdb@0.7'], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`npm install node-red failed: ${r.stderr.slice(-500)}`);
  return join(dir, 'node_modules', 'node-red', 'red.js');
}

export async function nodeRed(dir: string, redJs: string, mqttUrl: string, influxUrl: string, database: string): Promise<NodeRedRun> {
  const mq = new URL(mqttUrl);
  const ix = new URL(influxUrl);
  // The install dir is the user dir: Node-RED finds node-red-contrib-influxdb in its node_modules.
  const userDir = dir;
  const flows = [
    { id: 'broker', type: 'mqtt-broker', broker: mq.hostname, port: mq.port, clientid: `bench-nodered-${process.pid}`, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: false, autoConnect: true },
    { id: 'db', type: 'influxdb', hostname: ix.hostname, port: ix.port, protocol: 'http', database, name: '', usetls: false, influxdbVersion: '1.x' },
    { id: 'tab', type: 'tab', label: 'bench' },
    { id: 'in', type: 'mqtt in', z: 'tab', topic: 'sunshare/v1/+/+/telemetry', qos: '1', datatype: 'json', broker: 'broker', nl: false, rap: false, inputs: 0, wires: [['fn']] },
    { id: 'fn', type: 'function', z: 'tab', func: TO_POINTS, outputs: 1, wires: [['out']] },
    { id: 'out', type: 'influxdb batch', z: 'tab', influxdb: 'db', precision: 'ms', retentionPolicy: '', wires: [] },
  ];
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flows));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let log = '';
  return {
    log: () => log.slice(-1500),
    async start() {
      log = '';
      child = spawn(process.execPath, [redJs, '-u', userDir, '-p', String(port), 'flows.json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
      child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
      await waitFor(async () => /Connected to broker/.test(log), `Node-RED connected to MQTT (log: ${log.slice(-500)})`, 60_000, 100);
    },
    async stop(hard = false) {
      const c = child;
      if (!c || c.exitCode !== null) return;
      await new Promise((r) => {
        c.once('exit', r);
        c.kill(hard ? 'SIGKILL' : 'SIGTERM');
      });
    },
  };
}
