// minidcd's HTTP/JSON API, as the page uses it: every request with the
// bearer token, errors as ApiError with minidcd's own message, and the event
// stream (Server-Sent Events) read through fetch, since EventSource cannot
// send the token.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export class Api {
  constructor(token) {
    this.token = token;
  }

  async request(method, path, body) {
    const init = { method, headers: { Authorization: `Bearer ${this.token}` } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, `minidcd is not reachable (${e.message})`);
    }
    if (res.status === 204) return null;
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      throw new ApiError(res.status, `not JSON from ${path} (HTTP ${res.status})`);
    }
    if (!res.ok) throw new ApiError(res.status, (json && json.error) || `HTTP ${res.status}`);
    return json;
  }

  get(path) { return this.request('GET', path); }
  post(path, body) { return this.request('POST', path, body); }
  del(path) { return this.request('DELETE', path); }

  // Follows the event stream from after event 'since' (0: all minidcd
  // keeps), calling onEvent(event) for each and onState('live' | 'lost',
  // why) as the stream comes and goes; reconnects from the last id seen.
  // Returns a function that stops it.
  follow(since, onEvent, onState) {
    let last = since;
    let stopped = false;
    let ctrl = null;
    let delay = 500;
    const run = async () => {
      while (!stopped) {
        ctrl = new AbortController();
        try {
          const res = await fetch(`/api/v1/events?since=${last}`, {
            headers: { Authorization: `Bearer ${this.token}`, Accept: 'text/event-stream' },
            signal: ctrl.signal,
          });
          if (!res.ok) throw new ApiError(res.status, `event stream: HTTP ${res.status}`);
          onState('live');
          delay = 500;
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          const parser = new SseParser((ev) => {
            if (ev.id > last) last = ev.id;
            onEvent(ev);
          });
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            parser.push(value);
          }
          if (!stopped) onState('lost', 'minidcd closed the event stream');
        } catch (e) {
          if (stopped) return;
          onState('lost', e.message);
          if (e.status === 401) return;
        }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5000);
      }
    };
    run();
    return () => {
      stopped = true;
      if (ctrl) ctrl.abort();
    };
  }
}

// Splits Server-Sent Events text, fed in pieces, into events: each block's
// "data:" lines are one JSON object (minidcd's event, with its id and type).
export class SseParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buf = '';
  }

  push(text) {
    this.buf += text;
    let cut;
    while ((cut = this.buf.search(/\r?\n\r?\n/)) >= 0) {
      const block = this.buf.slice(0, cut);
      this.buf = this.buf.slice(cut).replace(/^\r?\n\r?\n/, '');
      this.block(block);
    }
  }

  block(block) {
    const data = [];
    let id = null;
    let type = null;
    for (const line of block.split(/\r?\n/)) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'id') id = Number(value);
      else if (field === 'event') type = value;
    }
    if (!data.length) return;
    let ev;
    try {
      ev = JSON.parse(data.join('\n'));
    } catch {
      return;
    }
    if (ev.id === undefined && id !== null) ev.id = id;
    if (ev.type === undefined && type !== null) ev.type = type;
    this.onEvent(ev);
  }
}
