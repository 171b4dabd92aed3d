import { spawn } from 'node:child_process';
import { waitFor } from './broker.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './paths.js';

/** The built command, run as a user runs it (`npm run build` happens in `pretest`). */
export const BIN = join(REPO, 'dist/src/cli/main.js');

/**
 * The environment for a child `meterflow` process. Coverage is measured in-process only: the
 * built `dist/` files map back to the same sources through different compilations, and merging
 * the two corrupts the report.
 */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.NODE_V8_COVERAGE;
  return env;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `meterflow ...args` with optional stdin, resolving when the process exits. */
export function runCli(
  args: string[],
  options: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? REPO,
      env: childEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** A fresh temporary directory removed when the test ends. */
export function tempDir(t: { teardown(fn: () => void): void }, prefix = 'meterflow-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A `meterflow run` child whose stderr (the log) is collected; killed at teardown if still running. */
export interface RunningAgent {
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Exit status once it exited (null when killed by a signal), undefined while running. */
  exitCode(): number | null | undefined;
  /** True once it exited within `ms`; false (after SIGKILLing it) when it did not. */
  exitsWithin(ms: number): Promise<boolean>;
  kill(signal: NodeJS.Signals): void;
}

export function spawnRun(t: { teardown(fn: () => void): void }, configFile: string): RunningAgent {
  const child = spawn(process.execPath, [BIN, 'run', '--config-file', configFile], {
    env: childEnv({ METERFLOW_LOG_LEVEL: 'info' }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  let code: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (status) => {
      code = status;
      resolve();
    }),
  );
  t.teardown(() => {
    if (code === undefined) child.kill('SIGKILL');
  });
  return {
    stderr: () => stderr,
    exitCode: () => code,
    kill: (signal) => child.kill(signal),
    exitsWithin: async (ms) => {
      const stopped = await waitFor('meterflow run to exit', () => code !== undefined, ms).then(
        () => true,
        () => false,
      );
      if (!stopped) {
        child.kill('SIGKILL');
        await exited;
      }
      return stopped;
    },
  };
}
