/** 45_000 → "45 s", 720_000 → "12 min", 3_900_000 → "1 h 5 min", 90_000_000 → "1 d 1 h". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** Durations as people type them in commands (`30m`, `6h`, `2d`, `1w`, `90 minutes`); callers decide the bounds and the message. */
const UNITS: Record<string, { ms: number; label: string }> = {
  m: { ms: 60_000, label: 'm' },
  min: { ms: 60_000, label: 'm' },
  mins: { ms: 60_000, label: 'm' },
  minute: { ms: 60_000, label: 'm' },
  minutes: { ms: 60_000, label: 'm' },
  h: { ms: 3_600_000, label: 'h' },
  hr: { ms: 3_600_000, label: 'h' },
  hrs: { ms: 3_600_000, label: 'h' },
  hour: { ms: 3_600_000, label: 'h' },
  hours: { ms: 3_600_000, label: 'h' },
  d: { ms: 86_400_000, label: 'd' },
  day: { ms: 86_400_000, label: 'd' },
  days: { ms: 86_400_000, label: 'd' },
  w: { ms: 7 * 86_400_000, label: 'w' },
  week: { ms: 7 * 86_400_000, label: 'w' },
  weeks: { ms: 7 * 86_400_000, label: 'w' },
};

/** "30m" → { n: 30, ms: 1,800,000, label: "30m" }; undefined when it is not a duration. */
export function readDuration(s: string): { n: number; ms: number; label: string } | undefined {
  const m = /^(\d{1,6})\s*([a-z]+)$/i.exec(s.trim());
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || !unit) return undefined;
  const n = Number(m[1]);
  return { n, ms: n * unit.ms, label: `${n}${unit.label}` };
}
