/** The command functions called in-process (the spawned-binary tests cover the same as a user). */
import { join } from 'node:path';
import t from 'tap';
import { replayCommand } from '../../../src/cli/replay.js';
import { validateCommand } from '../../../src/cli/validate.js';
import { tempDir } from '../../helpers/cli.js';
import { CEILOMETER_19, REPO } from '../../helpers/paths.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) } };
}

t.test('validate', async (t) => {
  const ok = io();
  t.equal(await validateCommand([], ok.io), 0);
  t.match(ok.out.join('\n'), /^valid: /);
  const help = io();
  t.equal(await validateCommand(['--help'], help.io), 0);
  t.match(help.out.join('\n'), /Usage: meterflow validate/);
  const bad = io();
  t.equal(await validateCommand(['--pipeline', join(REPO, 'no-such-file.yaml')], bad.io), 1);
  t.match(bad.err.join('\n'), /no-such-file\.yaml: cannot read file/);
  await t.rejects(validateCommand(['--nope'], io().io), /Unknown option '--nope'/);
});

t.test('replay', async (t) => {
  const dir = tempDir(t);
  const help = io();
  t.equal(await replayCommand(['--help'], help.io), 0);
  t.match(help.out.join('\n'), /Usage: meterflow replay/);
  await t.rejects(replayCommand([], io().io), /--input FILE\|- is required/);
  const run = io();
  const out = join(dir, 'out.jsonl');
  const code = await replayCommand(
    [
      '--meters',
      `${CEILOMETER_19}meters.yaml`,
      '--input',
      join(REPO, 'examples/notifications.jsonl'),
      '--output',
      out,
      '--events-output',
      join(dir, 'events.jsonl'),
    ],
    run.io,
  );
  t.equal(code, 0, run.err.join('\n'));
  t.match(run.err.join('\n'), /replay: 4 lines \(0 skipped\), 4 notifications, 7 samples in, 7 sample publications/);
  const bad = io();
  t.equal(await replayCommand(['--pipeline', join(REPO, 'missing.yaml'), '--input', '-'], bad.io), 1);
});
