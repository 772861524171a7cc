// Reads a JSON Lines trace (concviz run -o x.jsonl, GET /api/runs/{id}/trace):
// a header line, envelopes, and an end line (absent if the recorder was killed).
import type { End, Envelope, Header } from '../generated/events';
import { TRACE_FORMAT } from '../generated/events';

export interface ParsedTrace {
  header: Header | null;
  events: Envelope[];
  end: End | null;
  /** Lines that were not valid JSON (a truncated last line, say), by number. */
  bad: number[];
}

export class TraceFormatError extends Error {}

export function parseJsonl(text: string): ParsedTrace {
  const out: ParsedTrace = { header: null, events: [], end: null, bad: [] };
  let lineNo = 0;
  let start = 0;
  while (start < text.length) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    lineNo++;
    const line = text.slice(start, nl).trim();
    start = nl + 1;
    if (line === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      out.bad.push(lineNo);
      continue;
    }
    const o = v as { type?: string; seq?: unknown; format?: unknown };
    if (o.type === 'header') {
      if (o.format !== TRACE_FORMAT) {
        throw new TraceFormatError(`expected a ${TRACE_FORMAT} header on line ${lineNo}, got format ${JSON.stringify(o.format)}`);
      }
      out.header = v as Header;
    } else if (o.type === 'end') out.end = v as End;
    else if (typeof o.seq === 'number') out.events.push(v as Envelope);
    else out.bad.push(lineNo);
  }
  if (out.header === null && out.events.length === 0) {
    throw new TraceFormatError('expected a concviz trace (JSON Lines with a header line), found no header and no events');
  }
  return out;
}
