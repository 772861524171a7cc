// The trace inside a page written by `concviz export --html`: JSON Lines,
// gzip-compressed and base64-encoded in <script id="concviz-trace"
// type="application/octet-stream">. Such a page has no server behind it, so
// this is its only source of data; decoding it asks the network for nothing.
import { parseJsonl, type ParsedTrace } from '../model/jsonl';

export interface EmbeddedTrace {
  parsed: ParsedTrace;
  /** What the page shows as the run's title (the scenario's title). */
  title: string;
  /** The trace's file name, for messages. */
  name: string;
}

/** The embedded trace's element, or null on a page served by concviz. */
export function embeddedTrace(doc: Document): HTMLScriptElement | null {
  return doc.querySelector<HTMLScriptElement>('script#concviz-trace[type="application/octet-stream"]');
}

export async function readEmbeddedTrace(el: HTMLScriptElement): Promise<EmbeddedTrace> {
  const encoding = el.dataset.encoding ?? '';
  if (encoding !== 'gzip+base64') throw new Error(`expected the trace encoded as gzip+base64, got '${encoding}'`);
  const text = await gunzip(base64Bytes(el.textContent ?? ''));
  return { parsed: parseJsonl(text), title: el.dataset.title ?? 'concviz trace', name: el.dataset.name ?? 'trace.jsonl' };
}

function base64Bytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64.trim());
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

async function gunzip(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).text();
}
