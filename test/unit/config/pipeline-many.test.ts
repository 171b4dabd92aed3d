import { fileURLToPath } from 'node:url';
import t from 'tap';
import { loadPipelineFile } from '../../../src/config/index.js';
import { formatIssue } from '../../../src/errors.js';
import { fakeRegistries } from './fakes.js';

const FILE = fileURLToPath(new URL('../../fixtures/config/pipeline-many-errors.yaml', import.meta.url));

t.test('every problem of a file is reported at once, with file, line and path', async (t) => {
  const result = loadPipelineFile(FILE, 'sample', fakeRegistries());
  t.equal(result.config, undefined, 'an invalid file yields no config');
  const known = 'accumulator, aggregator, arithmetic, delta, rate_of_change, unit_conversion';
  const dup = 'Duplicate pipeline name: meter_source:meter_sink.';
  t.same(
    result.issues.map((i) => formatIssue(i).replace(FILE, 'F')),
    [
      'F:11: sources[1].name: Duplicated source names: meter_source',
      'F:5: sources[0].meters: Both included and excluded meters specified',
      'F:10: sources[0].sinks[1]: Dangling sink missing_sink from source meter_source',
      'F:12: sources[1].meters: No meters specified',
      `F:18: sinks[0].transformers[0].name: No transformer named rate_of_chnage loaded (known: ${known})`,
      'F:21: sinks[0].publishers: No publisher specified',
      "F:25: sinks[1].publisher: unknown key 'publisher' (allowed: name, transformers, publishers)",
      `F:14: sources[1].sinks[0]: ${dup} Ensure pipeline names are unique. (name is the source and sink names combined)`,
    ],
  );
  t.same(
    result.warnings.map((w) => formatIssue(w).replace(FILE, 'F')),
    ["F:24: sinks[1].publishers[0]: unknown publisher scheme 'gnocchi' (known: file, notifier, test): skipped"],
  );
});
