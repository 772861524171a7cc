// The live stream of one run over a WebSocket: header, batches of events
// (history first, then the live tail), end. An unexpected close reconnects
// with back-off; the server replays history and the model drops seen seqs.
import type { End, Envelope, Header } from '../generated/events';

export interface StreamHandlers {
  header(h: Header): void;
  events(batch: Envelope[]): void;
  end(e: End): void;
  /** Connection state for the status line: connecting, live, retrying (with the delay), closed. */
  status(s: 'connecting' | 'live' | 'retrying' | 'closed', detail?: string): void;
}

export class RunStream {
  private ws: WebSocket | null = null;
  private done = false;
  private retries = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly runId: string, private readonly on: StreamHandlers) {
    this.connect();
  }

  private connect(): void {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.on.status(this.retries === 0 ? 'connecting' : 'retrying');
    const ws = new WebSocket(`${proto}//${location.host}/ws/runs/${encodeURIComponent(this.runId)}`);
    this.ws = ws;
    ws.onopen = () => {
      this.retries = 0;
      this.on.status('live');
    };
    ws.onmessage = (m: MessageEvent) => {
      if (typeof m.data !== 'string') return;
      let msg: { type?: string; events?: Envelope[] };
      try {
        msg = JSON.parse(m.data);
      } catch {
        return;
      }
      if (msg.type === 'header') this.on.header(msg as unknown as Header);
      else if (msg.type === 'events' && Array.isArray(msg.events)) this.on.events(msg.events);
      else if (msg.type === 'end') {
        this.done = true;
        this.on.end(msg as unknown as End);
        ws.close();
        this.on.status('closed');
      }
    };
    ws.onclose = () => {
      if (this.done || this.ws !== ws) return;
      this.retries++;
      const delay = Math.min(5000, 250 * 2 ** Math.min(this.retries, 5));
      this.on.status('retrying', `connection lost, retrying in ${(delay / 1000).toFixed(1)} s`);
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }

  close(): void {
    this.done = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.ws?.close();
    this.ws = null;
  }
}
