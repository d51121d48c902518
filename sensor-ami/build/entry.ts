/**
 * Entry of the sensor bundle (`npm run build:sensor` -> dist/sensor/netwatch-sensor.mjs), the one file the AMI
 * installs. It carries only the `sensor` command group of the netwatch CLI, plus a config-file mode for systemd:
 *
 *   node netwatch-sensor.mjs --config /etc/vxlan-sensor/config.json [extra sensor run flags]
 *   node netwatch-sensor.mjs sensor run --listen … --out …      (same as `netwatch sensor run`)
 *   node netwatch-sensor.mjs sensor decode capture.pcap
 *
 * Exit codes as cli/main.ts: 0 success, 2 bad usage or a config that does not validate, 1 failure with a one-line
 * reason on stderr.
 */
import cluster from 'node:cluster';
import { main } from './program.ts';

process.exitCode = await main(process.argv);
// A `workers > 1` child (node:cluster) keeps an IPC channel to the primary, which holds its event loop open after the
// daemon has flushed and stopped; let go of it so the child exits and the primary sees every worker leave.
if (cluster.isWorker) process.disconnect?.();
