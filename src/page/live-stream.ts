/**
 * The live run's event stream (/events, serve/protocol.ts) through the browser's EventSource,
 * which reconnects by itself (sending the last id, so the server replays only what was missed).
 * Unnamed events are run events (the --json JSON), `snapshot` events models, `end` the end.
 */
import { END_EVENT, SNAPSHOT_EVENT, type Snapshot } from '../serve/protocol.js';
import type { RunEvent } from './run-state.js';

export interface StreamHandlers {
  event(e: RunEvent): void;
  snapshot(s: Snapshot): void;
  /** The run is over and the server stops: the stream is closed for good. */
  end(): void;
  /** The connection's state, in words. */
  connection(state: 'open' | 'reconnecting' | 'closed'): void;
}

export function watchLiveRun(url: string, handlers: StreamHandlers): EventSource {
  const source = new EventSource(url);
  source.addEventListener('open', () => handlers.connection('open'));
  source.addEventListener('message', (e) => handlers.event(JSON.parse(e.data as string) as RunEvent));
  source.addEventListener(SNAPSHOT_EVENT, (e) => handlers.snapshot(JSON.parse((e as MessageEvent<string>).data) as Snapshot));
  source.addEventListener(END_EVENT, () => {
    source.close();
    handlers.end();
  });
  source.addEventListener('error', () => handlers.connection(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'));
  return source;
}
