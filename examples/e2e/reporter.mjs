// reporter.mjs is a node:test reporter for the Go side (node_test.go): one
// line per finished case, "##gosio-e2e " followed by JSON
// {name, ok, skip, error, ms}. Whatever else is on stdout is the cases' own
// output, which Go attaches to the next case.
import { inspect } from 'node:util';

const prefix = '##gosio-e2e ';

export default async function* reporter(source) {
  for await (const { type, data } of source) {
    if (type !== 'test:pass' && type !== 'test:fail') continue;
    if (data.details?.type === 'suite') continue;
    const r = { name: data.name, ok: type === 'test:pass', ms: data.details?.duration_ms ?? 0 };
    if (data.skip !== undefined && data.skip !== false) r.skip = data.skip === true ? 'skipped' : String(data.skip);
    if (type === 'test:fail') r.error = describe(data.details?.error);
    yield prefix + JSON.stringify(r) + '\n';
  }
}

// describe renders a failure: node:test wraps the thrown error in an
// ERR_TEST_FAILURE whose cause is what the case threw.
function describe(err) {
  if (err == null) return 'failed';
  const e = err.code === 'ERR_TEST_FAILURE' && err.cause ? err.cause : err;
  if (e instanceof Error) return e.stack || String(e);
  return inspect(e, { depth: 8 });
}
