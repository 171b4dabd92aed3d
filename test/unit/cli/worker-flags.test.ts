import t from 'tap';
import { WORKER_SEMI_SPACE_MB, workerExecArgv } from '../../../src/cli/worker-flags.js';

t.test('workers get a larger semi-space after the flags of the supervisor', async (t) => {
  t.same(workerExecArgv([], undefined), [`--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`]);
  t.same(workerExecArgv(['--cpu-prof'], ''), ['--cpu-prof', `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`]);
});

t.test("the user's own semi-space size wins, wherever it was given", async (t) => {
  t.same(workerExecArgv(['--max-semi-space-size=8'], undefined), ['--max-semi-space-size=8']);
  t.same(workerExecArgv(['--max_semi_space_size=64'], undefined), ['--max_semi_space_size=64']);
  t.same(workerExecArgv([], '--enable-source-maps --max-semi-space-size=4'), []);
  // A different flag with the same prefix is not the user's choice of size.
  t.same(workerExecArgv(['--max-semi-space-size-x'], undefined), [
    '--max-semi-space-size-x',
    `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`,
  ]);
});
