import t, { type Test } from 'tap';
import { loadPipelineFile, type PipelineLoadResult } from '../../../src/config/index.js';
import { fakePublisher, fakeRegistries, fakeTransformer } from './fakes.js';

type Registries = ReturnType<typeof fakeRegistries>;

function load(t: Test, text: string, kind: 'sample' | 'event' = 'sample', registries: Registries = fakeRegistries()) {
  const dir = t.testdir({ 'pipeline.yaml': text });
  return loadPipelineFile(`${dir}/pipeline.yaml`, kind, registries);
}

/** [line, path, message] of every issue, to compare in one assertion. */
function brief(result: PipelineLoadResult): [number, string, string][] {
  return result.issues.map((i) => [i.line, i.path, i.message]);
}

const VALID_SINKS = `sinks:
  - name: k
    publishers: ["test://"]
`;

t.test('a valid file builds sources, sinks and pipelines with lines', async (t) => {
  const result = load(
    t,
    `sources:
  - name: s
    meters: ["cpu", "disk.*"]
    sinks: [k, s]
sinks:
  - name: k
    transformers:
      - name: delta
        parameters: {growth_only: true}
    publishers: ["test://", notifier]
  - name: s
    publishers: ["file:///tmp/x"]
`,
  );
  t.same(result.issues, []);
  t.same(result.warnings, []);
  const config = result.config;
  t.equal(config?.kind, 'sample');
  t.same(config?.sources, [{ name: 's', patterns: ['cpu', 'disk.*'], sinks: ['k', 's'], line: 2 }]);
  t.same(config?.sinks[0], {
    name: 'k',
    transformers: [{ name: 'delta', parameters: { growth_only: true }, line: 8 }],
    publishers: [
      { url: 'test://', line: 10 },
      { url: 'notifier://', line: 10 },
    ],
    line: 6,
  });
  t.same(config?.pipelines, [
    { name: 's:k', source: 's', sink: 'k' },
    { name: 's', source: 's', sink: 's' },
  ]);
});

t.test('Both sources & sinks are required', async (t) => {
  t.same(brief(load(t, 'sources: []\n')), [[1, '', 'Both sources & sinks are required']]);
  t.same(brief(load(t, VALID_SINKS)), [[1, '', 'Both sources & sinks are required']]);
  t.same(brief(load(t, '')), [[0, '', 'Both sources & sinks are required']]);
});

t.test('duplicated source and sink names', async (t) => {
  const text = `sources:
  - {name: a, meters: ["*"], sinks: [k]}
  - {name: a, meters: ["*"], sinks: [j]}
sinks:
  - {name: k, publishers: ["test://"]}
  - {name: j, publishers: ["test://"]}
  - {name: k, publishers: ["test://"]}
`;
  t.same(brief(load(t, text)), [
    [3, 'sources[1].name', 'Duplicated source names: a'],
    [7, 'sinks[2].name', 'Duplicated sink names: k'],
  ]);
});

t.test('source fields', async (t) => {
  const text = `sources:
  - meters: ["*"]
    sinks: [k]
  - name: nosinks
    meters: ["*"]
  - name: empty
    meters: ["*"]
    sinks: []
  - name: dangling
    meters: ["*"]
    sinks: [k, nope]
  - name: nometers
    sinks: [k]
  - name: emptymeters
    meters: []
    sinks: [k]
${VALID_SINKS}`;
  t.same(brief(load(t, text)), [
    [2, 'sources[0]', 'Required field name not specified'],
    [4, 'sources[1]', 'Required field sinks not specified'],
    [8, 'sources[2].sinks', 'No sink defined in source empty'],
    [11, 'sources[3].sinks[1]', 'Dangling sink nope from source dangling'],
    [12, 'sources[4]', 'Missing meters value'],
    [15, 'sources[5].meters', 'No meters specified'],
  ]);
});

t.test('include/exclude classification', async (t) => {
  const source = (meters: string) => `sources:\n  - name: s\n    meters: ${meters}\n    sinks: [k]\n${VALID_SINKS}`;
  for (const ok of ['["cpu", "disk.*"]', '["*", "!disk.*"]', '["!a", "!b"]', '["*.bytes", "!x"]', '["a", "*.bytes"]']) {
    t.same(brief(load(t, source(ok))), [], `${ok} is valid`);
  }
  t.same(brief(load(t, source('["a", "!b"]'))), [
    [3, 'sources[0].meters', 'Both included and excluded meters specified'],
  ]);
  t.same(brief(load(t, source('["a", "*"]'))), [[3, 'sources[0].meters', 'Included meters specified with wildcard']]);
  t.same(brief(load(t, source('["a", "!b", "*"]'))), [
    [3, 'sources[0].meters', 'Both included and excluded meters specified'],
    [3, 'sources[0].meters', 'Included meters specified with wildcard'],
  ]);
});

t.test('event sources use events', async (t) => {
  const sinks = 'sinks:\n  - name: k\n    publishers: ["test://"]\n';
  const cases: [string, string][] = [
    ['', 'No events specified'],
    ['    events: []\n', 'No events specified'],
    ['    events: [a, "!b"]\n', 'Both included and excluded events specified'],
    ['    events: [a, "*"]\n', 'Included events specified with wildcard'],
  ];
  for (const [events, message] of cases) {
    const result = load(t, `sources:\n  - name: s\n    sinks: [k]\n${events}${sinks}`, 'event');
    t.same(
      result.issues.map((i) => i.message),
      [message],
    );
  }
  const polling = load(
    t,
    `sources:\n  - name: s\n    interval: 600\n    events: ["*"]\n    sinks: [k]\n${sinks}`,
    'event',
  );
  t.same(brief(polling), [[3, 'sources[0].interval', "unknown key 'interval' (allowed: name, events, sinks)"]]);
});

t.test('sink fields', async (t) => {
  const text = `sources:
  - {name: s, meters: ["*"], sinks: [a, b, c]}
sinks:
  - publishers: ["test://"]
  - name: a
  - name: b
    publishers: []
  - name: c
    publishers:
`;
  t.same(brief(load(t, text)), [
    [4, 'sinks[0]', 'Required field name not specified'],
    [5, 'sinks[1]', 'No publisher specified'],
    [7, 'sinks[2].publishers', 'No publisher specified'],
    [9, 'sinks[3].publishers', 'No publisher specified'],
  ]);
});

t.test('unknown transformer lists the known ones', async (t) => {
  const text = `sources:
  - {name: s, meters: ["*"], sinks: [k]}
sinks:
  - name: k
    transformers:
      - name: rate_of_change
        parameters: {}
      - name: ratez
        parameters: {}
    publishers: ["test://"]
`;
  t.same(brief(load(t, text)), [
    [
      8,
      'sinks[0].transformers[1].name',
      'No transformer named ratez loaded (known: accumulator, aggregator, arithmetic, delta, rate_of_change, unit_conversion)',
    ],
  ]);
});

t.test('duplicate pipeline names', async (t) => {
  const text = `sources:
  - {name: "x:y", meters: ["*"], sinks: [z]}
  - {name: x, meters: ["*"], sinks: ["y:z", "y:z"]}
sinks:
  - {name: z, publishers: ["test://"]}
  - {name: "y:z", publishers: ["test://"]}
`;
  const message = (n: string) =>
    `Duplicate pipeline name: ${n}. Ensure pipeline names are unique. (name is the source and sink names combined)`;
  t.same(brief(load(t, text)), [
    [3, 'sources[1].sinks[0]', message('x:y:z')],
    [3, 'sources[1].sinks[1]', message('x:y:z')],
  ]);
});

t.test("transformer's own validation is mapped to parameter lines", async (t) => {
  const registries = fakeRegistries({
    transformers: [
      fakeTransformer('rate_of_change', (p) => {
        const target = p.target as Record<string, unknown> | undefined;
        const out = [];
        if (target?.scale === 'bad(') out.push({ path: 'target.scale', message: 'cannot parse expression' });
        if (!('source' in p)) out.push({ path: '', message: 'source is required' });
        return out;
      }),
    ],
  });
  const text = `sources:
  - {name: s, meters: ["*"], sinks: [k]}
sinks:
  - name: k
    transformers:
      - name: rate_of_change
        parameters:
          target:
            name: cpu_util
            scale: "bad("
    publishers: ["test://"]
`;
  t.same(brief(load(t, text, 'sample', registries)), [
    [10, 'sinks[0].transformers[0].parameters.target.scale', 'cannot parse expression'],
    [7, 'sinks[0].transformers[0].parameters', 'source is required'],
  ]);
});

t.test('parameters and transformers defaults (known-problems #53)', async (t) => {
  const seen: Record<string, unknown>[] = [];
  const registries = fakeRegistries({
    transformers: [
      fakeTransformer('accumulator', (p) => {
        seen.push(p);
        return [];
      }),
    ],
  });
  const text = `sources:
  - {name: s, meters: ["*"], sinks: [a, b, c]}
sinks:
  - name: a
    transformers:
      - name: accumulator
      - name: accumulator
        parameters:
    publishers: [test]
  - name: b
    transformers:
    publishers: [test]
  - name: c
    transformers: []
    publishers: [test]
`;
  const result = load(t, text, 'sample', registries);
  t.same(result.issues, []);
  t.same(seen, [{}, {}]);
  t.same(
    result.config?.sinks.map((s) => s.transformers.map((x) => x.parameters)),
    [[{}, {}], [], []],
  );
  t.same(result.config?.sinks[0]?.publishers, [{ url: 'test://', line: 9 }]);
});

t.test('event pipelines do not support transformers', async (t) => {
  const text = `sources:
  - {name: s, events: ["*"], sinks: [k, j]}
sinks:
  - name: k
    transformers:
      - name: delta
        parameters: {}
    publishers: ["test://"]
  - name: j
    transformers:
    publishers: ["test://"]
`;
  t.same(brief(load(t, text, 'event')), [[5, 'sinks[0].transformers', 'event pipelines do not support transformers']]);
});

t.test('publishers: unknown scheme warns, known scheme validates', async (t) => {
  const registries = fakeRegistries({
    publishers: [
      fakePublisher('file', (url) => (url.searchParams.has('bogus') ? [{ message: "unknown option 'bogus'" }] : [])),
    ],
  });
  const text = `sources:
  - {name: s, meters: ["*"], sinks: [k]}
sinks:
  - name: k
    publishers:
      - gnocchi://
      - kafka://host:9092/topic
      - file:///tmp/x?bogus=1
      - "file://[bad"
`;
  const result = load(t, text, 'sample', registries);
  t.same(brief(result), [
    [8, 'sinks[0].publishers[2]', "unknown option 'bogus'"],
    [9, 'sinks[0].publishers[3]', "not a valid URL for scheme 'file'"],
  ]);
  t.same(
    result.warnings.map((w) => [w.line, w.path, w.message]),
    [
      [6, 'sinks[0].publishers[0]', "unknown publisher scheme 'gnocchi' (known: file, notifier, test): skipped"],
      [7, 'sinks[0].publishers[1]', "unknown publisher scheme 'kafka' (known: file, notifier, test): skipped"],
    ],
  );
});

t.test('unknown keys are rejected, Newton polling keys ignored', async (t) => {
  const text = `sources:
  - name: s
    interval: 600
    resources: []
    discovery: []
    meters: ["*"]
    sinks: [k]
    extra: 1
sinks:
  - name: k
    publishers: [test]
    transformer: []
top: 1
`;
  t.same(brief(load(t, text)), [
    [13, 'top', "unknown key 'top' (allowed: sources, sinks)"],
    [8, 'sources[0].extra', "unknown key 'extra' (allowed: name, meters, sinks)"],
    [12, 'sinks[0].transformer', "unknown key 'transformer' (allowed: name, transformers, publishers)"],
  ]);
});

t.test('type errors are issues, not crashes', async (t) => {
  const text = `sources:
  - name: 5
    meters: cpu
    sinks: k
  - name: s
    meters: [1, ""]
    sinks: [[k]]
  - just a string
sinks:
  - name: k
    transformers: {name: delta}
    publishers: [test, 3]
  - name: j
    transformers:
      - delta
      - name: delta
        parameters: [1]
    publishers: test
`;
  t.same(brief(load(t, text)), [
    [2, 'sources[0].name', 'must be a string, not number 5'],
    [3, 'sources[0].meters', 'must be a list of strings, not string "cpu"'],
    [4, 'sources[0].sinks', 'must be a list of strings, not string "k"'],
    [6, 'sources[1].meters[0]', 'must be a string, not number 1'],
    [6, 'sources[1].meters[1]', 'must not be empty'],
    [7, 'sources[1].sinks[0]', 'must be a string, not a list'],
    [8, 'sources[2]', 'must be a mapping, not string "just a string"'],
    [11, 'sinks[0].transformers', 'must be a list of transformers, not a mapping'],
    [12, 'sinks[0].publishers[1]', 'must be a string, not number 3'],
    [15, 'sinks[1].transformers[0]', 'must be a mapping, not string "delta"'],
    [17, 'sinks[1].transformers[1].parameters', 'must be a mapping, not a list'],
    [18, 'sinks[1].publishers', 'must be a list of publisher URLs, not string "test"'],
  ]);
  t.same(brief(load(t, '- a\n')), [[1, '', 'must be a mapping, not a list']]);
  t.same(brief(load(t, 'sources: 3\nsinks: {}\n')), [
    [1, 'sources', 'must be a list of sources, not number 3'],
    [2, 'sinks', 'must be a list of sinks, not a mapping'],
  ]);
});

t.test('read and syntax errors', async (t) => {
  const missing = loadPipelineFile('/nonexistent/pipeline.yaml', 'sample', fakeRegistries());
  t.equal(missing.config, undefined);
  t.match(missing.issues, [{ file: '/nonexistent/pipeline.yaml', line: 0, message: /^cannot read file: ENOENT/ }]);
  const broken = load(t, 'sources:\n  - name: [a\nsinks: []\n');
  t.equal(broken.issues.length > 0, true);
  t.equal(broken.issues[0]?.line, 3);
});

t.test('a sink that is not a mapping, a validator that throws', async (t) => {
  const registries = fakeRegistries({
    transformers: [
      fakeTransformer('delta', () => {
        throw new Error('boom');
      }),
    ],
  });
  const text = `sources:
  - {name: s, meters: ["*"], sinks: [k]}
sinks:
  - just a string
  - name: k
    transformers:
      - name: delta
    publishers: [test]
`;
  t.same(brief(load(t, text, 'sample', registries)), [
    [4, 'sinks[0]', 'must be a mapping, not string "just a string"'],
    [7, 'sinks[1].transformers[0].parameters', 'cannot validate parameters: boom'],
  ]);
});
