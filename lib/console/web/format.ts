/** Small display helpers (pure). */
import { type Html, html } from "./html.ts";

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Local wall-clock time with milliseconds; the date too when it is not today. */
export function time(iso: string | null | undefined): string {
  if (iso === null || iso === undefined || iso === "") return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const clock = `${date.toLocaleTimeString(undefined, { hour12: false })}.${String(date.getMilliseconds()).padStart(3, "0")}`;
  return date.toDateString() === new Date().toDateString()
    ? clock
    : `${date.toLocaleDateString()} ${clock}`;
}

/** A status word as a coloured badge; the class is derived from a fixed vocabulary only. */
export function badge(status: string, prefix = "status"): Html {
  const slug = status.toLowerCase().replace(/[^a-z_]/g, "");
  return html`<span class="badge ${prefix}-${slug}" data-status="${status}">${status}</span>`;
}

export function pretty(value: unknown): string {
  return value === undefined ? "" : JSON.stringify(value, null, 2);
}
