import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { configFlags, FILE_FLAGS, FILE_FLAGS_HELP, parse } from './args.js';
import { Agent, isAuthFailure, loadConfig } from '../agent/index.js';
import { PartitionCountError } from '../partitioning/index.js';
import { formatIssue } from '../errors.js';
import { createLogger } from '../observability/logger.js';
import type { Logger } from '../observability/logger.js';
import { stopWithin } from './stop-within.js';
import { workerExecArgv } from './worker-flags.js';

export const RUN_HELP = `Usage: meterflow run [file flags]

Run the notification agent: consume oslo notifications from RabbitMQ, convert them, run the
pipelines, publish, and ack each batch only after its outputs were taken. SIGTERM/SIGINT drain
the in-flight batch and exit 0; a drain longer than [DEFAULT] graceful_shutdown_timeout (seconds,
default 60, 0 = no limit; e.g. RabbitMQ unreachable) exits 1, leaving the batch to be redelivered.
With [notification] workers > 1, that many worker processes consume the same queues (competing
consumers). With [notification] workload_partitioning: true every worker process is a member of
the partitioning group (see docs/partitioning.md).

  --config-file F         agent options: YAML, or Ceilometer's ceilometer.conf (INI)
${FILE_FLAGS_HELP}`;

const WORKER_ENV = 'METERFLOW_WORKER_ID';

export async function runCommand(
  argv: string[],
  io: { out: (s: string) => void; err: (s: string) => void },
): Promise<number> {
  const { values } = parse(argv, FILE_FLAGS);
  if (values.help) {
    io.out(RUN_HELP);
    return 0;
  }
  const config = loadConfig(configFlags(values));
  for (const w of config.warnings) io.err(formatIssue({ ...w, message: `warning: ${w.message}` }));
  if (config.issues.length > 0 || !config.options) {
    for (const issue of config.issues) io.err(formatIssue(issue));
    return 1;
  }
  const workerId = process.env[WORKER_ENV];
  const logger = createLogger().child(workerId === undefined ? {} : { worker: Number(workerId) });
  const workers = config.options.notification.workers;
  if (workers > 1 && workerId === undefined) return supervise(workers, argv, logger);
  return runWorker(config, config.options.DEFAULT.graceful_shutdown_timeout * 1000, logger);
}

/** Resolves when a stop signal arrives. */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve(signal));
  });
}

/** Exit status of a worker whose configuration contradicts the running deployment (EX_CONFIG). */
export const EXIT_CONFIG = 78;
/** Exit status of a worker that gave up a graceful stop after `graceful_shutdown_timeout`. */
export const EXIT_SHUTDOWN_TIMEOUT = 1;

async function runWorker(
  config: Parameters<typeof Agent.start>[0],
  shutdownTimeoutMs: number,
  logger: Logger,
): Promise<number> {
  const signal = stopSignal();
  const aborting = new AbortController();
  void signal.then(() => aborting.abort());
  let fatal: (error: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolve) => {
    fatal = resolve;
  });
  let agent: Agent;
  try {
    agent = await Agent.start(config, { logger, onFatal: (error) => fatal(error), signal: aborting.signal });
  } catch (err) {
    if (aborting.signal.aborted) {
      logger.info({}, 'stopped before the agent had started');
      return 0;
    }
    if (err instanceof PartitionCountError || isAuthFailure(err)) {
      logger.error({ error: (err as Error).message }, 'refusing to start');
      return EXIT_CONFIG;
    }
    throw err;
  }
  const stop = async (status: number): Promise<number> => {
    if (await stopWithin(() => agent.stop(), shutdownTimeoutMs, logger)) return status;
    // What is stuck (reconnect loops, publishes waiting for a connection) keeps the event loop
    // alive, so returning would never end the process. The log line is written synchronously.
    // A worker that refused its configuration keeps saying so: the supervisor must not restart it.
    process.exit(status === 0 ? EXIT_SHUTDOWN_TIMEOUT : status);
  };
  const received = await Promise.race([signal, failed]);
  if (received instanceof Error) {
    logger.error({ error: received.message }, 'stopping: the agent cannot go on');
    return stop(EXIT_CONFIG);
  }
  logger.info({ signal: received }, 'stopping: draining the in-flight batch');
  return stop(0);
}

/**
 * Fork the workers, restart one that dies, forward stop signals, exit 0 when all stopped (each
 * worker enforces its own `graceful_shutdown_timeout`); non-zero when one refused its
 * configuration or did not stop cleanly.
 */
async function supervise(count: number, argv: string[], logger: Logger): Promise<number> {
  let stopping = false;
  let failedWith = 0;
  const children = new Map<number, ChildProcess>();
  const exited = new Map<number, Promise<void>>();
  let wake: (reason: NodeJS.Signals | 'worker-refused') => void = () => undefined;
  const refused = new Promise<'worker-refused'>((resolve) => {
    wake = resolve as typeof wake;
  });
  const stopAll = () => wake('worker-refused');
  const start = (id: number) => {
    const child = fork(process.argv[1] as string, ['run', ...argv], {
      env: { ...process.env, [WORKER_ENV]: String(id) },
      execArgv: workerExecArgv(process.execArgv, process.env.NODE_OPTIONS),
    });
    children.set(id, child);
    exited.set(
      id,
      new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          if (code === EXIT_CONFIG && !stopping) {
            // Restarting cannot help: the configuration contradicts the deployment.
            logger.error({ worker: id, code }, 'worker refused its configuration; stopping every worker');
            failedWith = EXIT_CONFIG;
            stopAll();
          } else if (!stopping) {
            logger.error({ worker: id, code, signal }, 'worker died; restarting it');
            setTimeout(() => start(id), 1000).unref();
          } else if (code !== 0 && failedWith === 0) {
            // Stopping, but not cleanly (its graceful shutdown timed out, or it was killed).
            failedWith = code ?? EXIT_SHUTDOWN_TIMEOUT;
          }
          resolve();
        });
      }),
    );
  };
  for (let id = 0; id < count; id++) start(id);
  const signal = await Promise.race([stopSignal(), refused]);
  stopping = true;
  logger.info({ signal, workers: count }, 'stopping workers');
  for (const child of children.values()) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(exited.values());
  return failedWith;
}
