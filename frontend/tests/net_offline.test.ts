import { describe, expect, it } from 'vitest';
import { readEmbeddedTrace } from '../src/net/offline';

/** The <script> block `concviz export --html` writes, as far as readEmbeddedTrace looks at it. */
async function block(jsonl: string, encoding = 'gzip+base64'): Promise<HTMLScriptElement> {
  const gz = new Blob([jsonl]).stream().pipeThrough(new CompressionStream('gzip'));
  const bytes = new Uint8Array(await new Response(gz).arrayBuffer());
  const b64 = btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));
  return { textContent: `\n${b64}\n`, dataset: { encoding, title: 'Race', name: 'race-1.jsonl' } } as unknown as HTMLScriptElement;
}

const HEADER = '{"type":"header","format":"concviz-trace","version":1,"target":"race"}';
const EVENT = '{"seq":0,"t":0,"pid":1,"tid":0,"kind":"print","obj":null,"args":{"text":"hi","stream":"stdout"}}';

describe('the trace embedded in an exported page', () => {
  it('is decoded and parsed like a trace file', async () => {
    const t = await readEmbeddedTrace(await block(`${HEADER}\n${EVENT}\n`));
    expect(t.title).toBe('Race');
    expect(t.name).toBe('race-1.jsonl');
    expect(t.parsed.header?.target).toBe('race');
    expect(t.parsed.events.map((e) => e.kind)).toEqual(['print']);
    expect(t.parsed.end).toBeNull();
  });

  it('says which encoding it expected', async () => {
    await expect(readEmbeddedTrace(await block(HEADER, 'zstd'))).rejects.toThrow("expected the trace encoded as gzip+base64, got 'zstd'");
  });
});
