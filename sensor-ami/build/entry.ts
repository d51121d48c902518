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
import { isMainThread } from 'node:worker_threads';
import { main } from './program.ts';

// The daemon's decode thread loads this same bundle (its code is inside); only the main thread runs the program.
// In the thread, evaluating daemon.ts (the bundle initialises dynamically imported modules lazily) starts the decoder.
if (isMainThread) {
  const lost = cluster.isPrimary ? watchWorkers() : null;
  process.exitCode = await main(process.argv);
  if (lost?.()) process.exitCode = 1;
} else {
  await import('../src/daemon.ts');
}
// A `workers > 1` child lets go of its IPC channel itself once it has flushed (daemon.ts: cluster.worker.disconnect(),
// acknowledged by the primary). Closing the channel a second time here raced that acknowledgement and crashed the
// primary with EPIPE, so the bundle no longer does.

/**
 * With `workers > 1` the primary would otherwise run on with fewer workers after one dies, and exit 0 once all have
 * died, so `Restart=on-failure` would never bring the sensor back. Instead, a worker that exits while no stop was
 * asked for stops the whole sensor the normal way (SIGTERM to itself: the other workers flush their batches and
 * exit) and the process exits 1, which systemd restarts with every worker.
 */
function watchWorkers(): () => boolean {
  let stopping = false;
  let died = false;
  // listen for stop signals only once workers exist: the daemon has installed its own handlers by then, so these
  // listeners never replace the default "terminate" of a process that is still starting
  cluster.once('fork', () => {
    const stop = (): void => {
      stopping = true;
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  // a worker's IPC channel can close while the primary still writes to it (EPIPE): report it, never crash on it
  cluster.on('fork', (worker) => {
    worker.on('error', (err: Error) => {
      process.stderr.write(`${JSON.stringify({ msg: 'sensor worker channel error', pid: worker.process.pid, error: err.message })}\n`);
    });
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping || died) return;
    died = true;
    process.stderr.write(`${JSON.stringify({ msg: 'sensor worker died, stopping', pid: worker.process.pid, code, signal })}\n`);
    process.kill(process.pid, 'SIGTERM');
  });
  return () => died;
}
