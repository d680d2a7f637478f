// Simulator times are "YYYY-MM-DD HH:MM:SS" strings. We treat them as UTC wall
// clock only to do arithmetic on them, and format back the same way, so the
// browser's own time zone never leaks into what we show.
import { useEffect, useState } from 'preact/hooks';

export function parseSimTime(s) {
  if (typeof s !== 'string') return NaN;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(s);
  if (!m) return NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

const p2 = (n) => String(n).padStart(2, '0');

export function formatSimTime(ms) {
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  return (
    String(d.getUTCFullYear()).padStart(4, '0') + '-' + p2(d.getUTCMonth() + 1) + '-' + p2(d.getUTCDate()) +
    ' ' + p2(d.getUTCHours()) + ':' + p2(d.getUTCMinutes()) + ':' + p2(d.getUTCSeconds())
  );
}

// "6d 23:59:59" / "00:01:30"
export function formatDuration(secs) {
  if (!Number.isFinite(secs)) return '—';
  const neg = secs < 0;
  let s = Math.abs(Math.floor(secs));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const out = (d ? d + 'd ' : '') + p2(Math.floor(s / 3600)) + ':' + p2(Math.floor((s % 3600) / 60)) + ':' + p2(s % 60);
  return neg ? '-' + out : out;
}

// A simulator-clock reading anchored to the moment we received it: the clock
// is real time plus an offset, so it advances with performance.now().
export function anchorClock(clockString) {
  return { base: parseSimTime(clockString), at: performance.now() };
}

export function elapsedSecs(at) {
  return (performance.now() - at) / 1000;
}

export function clockNow(anchor) {
  if (!anchor || !Number.isFinite(anchor.base)) return NaN;
  return anchor.base + Math.floor(elapsedSecs(anchor.at)) * 1000;
}

// One shared ticker for every countdown on the page (instead of one interval
// per component). It runs at 4 Hz so a countdown turns over within a quarter
// second of the real second, whatever the phase of the anchor.
const subs = new Set();
let timer = null;
function startTicker() {
  if (timer) return;
  timer = setInterval(() => subs.forEach((f) => f()), 250);
}
export function useSecondTick() {
  const [, set] = useState(0);
  useEffect(() => {
    const f = () => set((n) => n + 1);
    subs.add(f);
    startTicker();
    return () => {
      subs.delete(f);
      if (!subs.size) {
        clearInterval(timer);
        timer = null;
      }
    };
  }, []);
}
