// Everything the page asks of the server. All paths are absolute on our own
// origin (the page must make no other request), and the auth cookie the
// server set rides along by itself: the page never sees a token.

const JSON_HEADERS = { 'Content-Type': 'application/json' };

async function errorOf(res) {
  let body = null;
  try {
    body = await res.json();
  } catch (_) {
    /* not JSON: fall back to the status line */
  }
  return {
    code: (body && body.code) || 'HTTP' + res.status,
    message: (body && body.message) || res.statusText || 'request failed',
    request_id: body && body.request_id,
  };
}

export async function fetchTopology() {
  const res = await fetch('/ui/api/topology', { cache: 'no-store', credentials: 'same-origin' });
  if (!res.ok) throw await errorOf(res);
  return res.json();
}

// POST /ui/api/admin/<Method>. Resolves to the response message; rejects with
// {code, message, request_id} (network failures become code "Network").
export async function admin(method, body = {}) {
  let res;
  try {
    res = await fetch('/ui/api/admin/' + method, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    throw { code: 'Network', message: String((e && e.message) || e) };
  }
  if (!res.ok) throw await errorOf(res);
  try {
    return await res.json();
  } catch (_) {
    return {};
  }
}

// Follows /ui/api/stream. EventSource reconnects by itself after a dropped
// stream, but gives up for good on an HTTP error (e.g. 401, 503): then we
// open a new one after a pause.
export function openStream({ onEvent, onCall, onStatus, onOpen, onCaughtUp, onLagged }) {
  let es = null;
  let retry = null;
  let closed = false;

  const connect = () => {
    retry = null;
    es = new EventSource('/ui/api/stream');
    es.onopen = () => {
      onStatus(true);
      onOpen && onOpen();
    };
    es.onerror = () => {
      onStatus(false);
      if (es.readyState === 2 /* CLOSED */ && !closed && !retry) {
        es.close();
        retry = setTimeout(connect, 3000);
      }
    };
    es.addEventListener('event', (m) => {
      const ev = parse(m.data);
      if (ev) onEvent(ev);
    });
    // The stream first replays recent events, then says it has caught up.
    es.addEventListener('caught-up', () => onCaughtUp && onCaughtUp());
    // Calls the server could not send this tab in time.
    es.addEventListener('lagged', (m) => {
      const g = parse(m.data);
      if (g && onLagged) onLagged(g);
    });
    es.addEventListener('call', (m) => {
      const c = parse(m.data);
      if (c) onCall(c);
    });
  };
  connect();
  return () => {
    closed = true;
    clearTimeout(retry);
    if (es) es.close();
  };
}

function parse(data) {
  try {
    return JSON.parse(data);
  } catch (_) {
    return null;
  }
}

// Runs fn at most once per `gap` ms, never two at a time, and always once
// more after the last request: a burst of SSE messages becomes a handful of
// topology fetches (<= 4/s with gap 250), the last one after the burst.
export function throttled(fn, gap) {
  let last = -Infinity;
  let timer = null;
  let inflight = false;
  let again = false;

  const run = () => {
    timer = null;
    inflight = true;
    last = performance.now();
    Promise.resolve()
      .then(fn)
      .catch(() => {})
      .finally(() => {
        inflight = false;
        if (again) {
          again = false;
          request();
        }
      });
  };
  function request() {
    if (inflight) {
      again = true;
      return;
    }
    if (timer) return;
    timer = setTimeout(run, Math.max(0, last + gap - performance.now()));
  }
  return request;
}

// int64 fields may come as JSON strings (proto3 JSON mapping): read either.
export const num = (v) => (v === null || v === undefined || v === '' ? null : Number(v));
